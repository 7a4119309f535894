"""The password rules (AUTH_PASSWORD_VALIDATORS): 12 to 128 characters, not one of the
~20,000 common passwords Django ships, not like the username or email, not all digits.
Each refusal names its reason."""

import pytest
from django.contrib.auth.password_validation import (
    get_default_password_validators,
    password_validators_help_texts,
    validate_password,
)
from django.core.exceptions import ValidationError

from security.passwords import MaximumLengthValidator
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def refusals(password, user=None) -> list[str]:
    try:
        validate_password(password, user)
    except ValidationError as error:
        return list(error.messages)
    return []


def test_the_validators_in_force():
    names = [type(v).__name__ for v in get_default_password_validators()]
    assert names == [
        "UserAttributeSimilarityValidator",
        "MinimumLengthValidator",
        "MaximumLengthValidator",
        "CommonPasswordValidator",
        "NumericPasswordValidator",
    ]


def test_a_good_passphrase_passes():
    user = UserFactory(username="mrossi", email="m.rossi@comune.example.it")
    assert refusals("tetto rosso sul colle 7", user) == []
    assert refusals("x" * 64 + " a long one is fine") == []


def test_eleven_characters_are_too_short():
    assert refusals("ab3$efgh9jk") == [
        "This password is too short. It must contain at least 12 characters."
    ]
    assert refusals("ab3$efgh9jkl") == []


def test_more_than_128_characters_are_too_long():
    assert refusals("a9" * 64) == []
    assert refusals("a9" * 64 + "z") == [
        "This password is too long. It must contain at most 128 characters."
    ]


def test_a_common_password_is_refused_whatever_its_case():
    # From Django's list of 20,000 common passwords; long enough to pass the length rule.
    assert refusals("Q1w2e3r4t5y6") == ["This password is too common."]
    assert refusals("1QAZ2WSX3EDC") == ["This password is too common."]


def test_an_all_digit_password_is_refused():
    assert "This password is entirely numeric." in refusals("839201746582")


def test_a_password_like_the_username_or_email_is_refused():
    user = UserFactory(username="giovanna.mancini", email="g.mancini@comune.example.it")
    assert refusals("giovanna.mancini1", user) == ["The password is too similar to the username."]
    assert refusals("g.mancini@comune", user) == [
        "The password is too similar to the email address."
    ]


def test_the_help_texts_state_both_limits():
    texts = password_validators_help_texts()
    assert "Your password must contain at least 12 characters." in texts
    assert "Your password can’t be longer than 128 characters." in texts


def test_the_maximum_is_configurable():
    validator = MaximumLengthValidator(max_length=64)
    validator.validate("x" * 64)
    with pytest.raises(ValidationError) as refused:
        validator.validate("x" * 65)
    assert refused.value.error_list[0].code == "password_too_long"
