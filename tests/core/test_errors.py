"""The one error type of the domain actions (core/errors.py): a refusal names its field
and says which kind it is, so that every door answers it the same way — the API by kind
(``core.api.writes.domain_errors``: 400, 403, 409, 412) with the messages by field."""

import pytest
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import IntegrityError
from rest_framework.exceptions import APIException

from beneficiaries.models import Need
from core.api.writes import domain_errors
from core.errors import CONFLICT, FORBIDDEN, INVALID, KINDS, STALE, ActionError, kind_of


def test_a_refusal_about_one_field():
    error = ActionError.on("status", "Only the case team can make this change.", kind=FORBIDDEN)
    assert isinstance(error, ValidationError)
    assert error.message_dict == {"status": ["Only the case team can make this change."]}
    assert error.kind == FORBIDDEN


def test_a_refusal_about_the_whole_record_is_a_non_field_error():
    error = ActionError.on(None, "A second open case.", kind=CONFLICT)
    assert error.message_dict == {NON_FIELD_ERRORS: ["A second open case."]}
    assert error.kind == CONFLICT


def test_the_default_kind_is_invalid():
    assert ActionError.on("reason", "Say why.").kind == INVALID
    assert ActionError({"reason": ["Say why."]}).kind == INVALID


def test_an_unknown_kind_is_a_programming_error():
    with pytest.raises(ValueError, match="Unknown kind of refusal: gone"):
        ActionError.on("status", "x", kind="gone")


def test_the_four_kinds():
    assert KINDS == ("invalid", "forbidden", "conflict", "stale")


def test_a_models_field_errors_keep_their_fields():
    model_error = ValidationError({"on": ["The date cannot be in the future."]})
    error = ActionError.of(model_error, kind=CONFLICT)
    assert error.message_dict == {"on": ["The date cannot be in the future."]}
    assert error.kind == CONFLICT


def test_a_models_whole_record_errors_become_non_field_errors_with_their_codes():
    model_error = ValidationError("Overlaps another placement.", code="placement_overlap")
    error = ActionError.of(model_error)
    assert error.message_dict == {NON_FIELD_ERRORS: ["Overlaps another placement."]}
    assert error.error_dict[NON_FIELD_ERRORS][0].code == "placement_overlap"
    assert error.kind == INVALID


def test_an_action_error_is_kept_as_it_is():
    stale = ActionError.on("version", "Read it again.", kind=STALE)
    assert ActionError.of(stale, kind=INVALID) is stale
    assert stale.kind == STALE


@pytest.mark.parametrize("kind", KINDS)
def test_kind_of_an_action_error(kind):
    assert kind_of(ActionError.on("field", "message", kind=kind)) == kind


def test_kind_of_a_plain_validation_error_is_invalid():
    """``full_clean`` errors that reach an entry point unconverted are a 400, not a 500."""
    assert kind_of(ValidationError("Broken.")) == INVALID
    assert kind_of(ValidationError({"field": ["Broken."]})) == INVALID


# --- The API's answer to each kind (core/api/writes.py) -----------------------------------


@pytest.mark.parametrize(
    ("error", "status", "body"),
    [
        (ActionError.on("reason", "Say why."), 400, {"reason": ["Say why."]}),
        (
            ActionError.on("status", "Only the case team can make this change.", kind=FORBIDDEN),
            403,
            {"status": ["Only the case team can make this change."]},
        ),
        (
            ActionError.on("case", "No consent to sharing.", kind=CONFLICT),
            409,
            {"case": ["No consent to sharing."]},
        ),
        (
            ActionError.on("version", "Read it again.", kind=STALE),
            412,
            {"version": ["Read it again."]},
        ),
        (
            ActionError.on(None, "A second open case.", kind=CONFLICT),
            409,
            {"non_field_errors": ["A second open case."]},
        ),
        (ValidationError({"on": ["Not a date."]}), 400, {"on": ["Not a date."]}),
    ],
    ids=["invalid", "forbidden", "conflict", "stale", "whole-record", "plain"],
)
def test_domain_errors_answers_by_kind_with_messages_by_field(error, status, body):
    with pytest.raises(APIException) as answer, domain_errors():
        raise error
    assert (answer.value.status_code, _details(answer.value)) == (status, body)


def _details(exception: APIException) -> dict:
    """The answer's body: ``{field: [messages]}``."""
    return {name: [str(text) for text in texts] for name, texts in exception.detail.items()}


def test_domain_errors_puts_a_check_constraints_message_by_its_field():
    error = ValidationError("Severity is between 1 and 4.", code="need_severity_1_to_4")
    with pytest.raises(APIException) as answer, domain_errors(Need):
        raise error
    assert (answer.value.status_code, _details(answer.value)) == (
        400,
        {"severity": ["Severity is between 1 and 4."]},
    )


def test_domain_errors_answers_a_database_refusal_with_409():
    with pytest.raises(APIException) as answer, domain_errors():
        raise IntegrityError("exclusion constraint violated\nDETAIL: overlapping rows")
    assert (answer.value.status_code, answer.value.detail) == (409, "exclusion constraint violated")
