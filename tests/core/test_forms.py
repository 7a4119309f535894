"""The one mapper from a domain refusal to a form (core/forms.py): each message by the
field it names where the form has that field, above the form otherwise; a check
constraint's message by the field the constraint is about; an action's field name mapped
to the form's where they differ."""

import datetime

import pytest
from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError

from beneficiaries.models import Need
from core.errors import FORBIDDEN, ActionError
from core.forms import add_errors, constraint_field, errors_by_field
from services.models import Service
from tests.factories import NeedFactory


class MoveForm(forms.Form):
    reason = forms.CharField(required=False)
    on = forms.DateField(required=False)
    resolved_on = forms.DateField(required=False)


def bound_form() -> MoveForm:
    form = MoveForm({})
    assert form.is_valid()
    return form


def test_a_field_the_form_has_gets_the_message():
    form = bound_form()
    add_errors(form, ActionError.on("reason", "Say why."))
    assert form.errors == {"reason": ["Say why."]}
    assert form.non_field_errors() == []


def test_a_field_the_form_does_not_have_goes_above_the_form():
    """``status`` is a hidden choice here: its refusal must still be read."""
    form = bound_form()
    error = ActionError.on(
        "status", "Only the receiving service can make this change.", kind=FORBIDDEN
    )
    add_errors(form, error)
    assert form.non_field_errors() == ["Only the receiving service can make this change."]
    assert set(form.errors) == {NON_FIELD_ERRORS}


def test_a_whole_record_refusal_goes_above_the_form():
    form = bound_form()
    add_errors(form, ActionError.on(None, "This person already has a case."))
    assert form.non_field_errors() == ["This person already has a case."]


def test_every_message_of_every_field_is_kept():
    form = bound_form()
    add_errors(
        form,
        ActionError({"on": ["Too early.", "Not a workday."], "reason": ["Say why."]}),
    )
    assert form.errors == {"on": ["Too early.", "Not a workday."], "reason": ["Say why."]}


def test_aliases_map_the_actions_field_to_the_forms():
    form = bound_form()
    add_errors(form, ActionError.on("closed_on", "Not in the future."), aliases={"closed_on": "on"})
    assert form.errors == {"on": ["Not in the future."]}


def test_an_alias_to_a_field_the_form_lacks_goes_above_the_form():
    form = bound_form()
    add_errors(form, ActionError.on("case", "Closed."), aliases={"case": "missing"})
    assert form.non_field_errors() == ["Closed."]


def test_a_plain_validation_error_message_goes_above_the_form():
    form = bound_form()
    add_errors(form, ValidationError("The database refused this change."))
    assert form.non_field_errors() == ["The database refused this change."]


@pytest.mark.parametrize(
    ("model", "code", "field"),
    [
        (Need, "need_resolved_after_identified", "resolved_on"),
        (Need, "need_severity_1_to_4", "severity"),
        (Service, "service_age_range_ordered", "minimum_age"),
        (Need, "no_such_constraint", None),
        (Need, None, None),
        (None, "need_severity_1_to_4", None),
    ],
)
def test_the_field_a_check_constraint_is_about(model, code, field):
    assert constraint_field(model, code) == field


@pytest.mark.django_db
def test_a_check_constraints_message_stands_by_its_field():
    """A model's own ``full_clean`` refusal (a whole-record error with the constraint's
    code) lands on the field the constraint is about, given the model."""
    need = NeedFactory.build(
        case=NeedFactory().case,
        identified_on=datetime.date(2024, 3, 1),
        resolved_on=datetime.date(2024, 2, 1),
    )
    with pytest.raises(ValidationError) as refused:
        need.full_clean()
    message = "A need cannot be resolved before it was identified."
    assert errors_by_field(refused.value, Need) == {"resolved_on": [message]}
    # Without the model the mapper cannot know: the message stays above the form.
    assert errors_by_field(refused.value) == {NON_FIELD_ERRORS: [message]}
    form = bound_form()
    add_errors(form, ActionError.of(refused.value), model=Need)
    assert form.errors == {"resolved_on": [message]}
