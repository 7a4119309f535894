"""Tests of the organisations' 11-digit tax code helpers (no database)."""

import random

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import translation

from services.tax_code import (
    check_digit,
    generate_organisation_tax_code,
    validate_organisation_tax_code,
)

if not settings.configured:  # running without pytest-django
    settings.configure(USE_I18N=False)


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def error_of(value: str) -> ValidationError:
    with pytest.raises(ValidationError) as excinfo:
        validate_organisation_tax_code(value)
    return excinfo.value


# Check digits computed by hand, e.g. 12345678903: odd positions 1+3+5+7+9 = 25, even
# positions doubled 4+8+(12-9)+(16-9)+0 = 22, total 47, check (10 - 7) % 10 = 3.
@pytest.mark.parametrize("value", ["12345678903", "00743110157", "01234567897", "80012345676"])
def test_valid_codes(value):
    assert check_digit(value[:10]) == value[10]
    assert validate_organisation_tax_code(value) == value


@pytest.mark.parametrize("value", [" 00743110157 ", "007 431 101 57", "00743110157\n"])
def test_input_is_normalised(value):
    assert validate_organisation_tax_code(value) == "00743110157"


@pytest.mark.parametrize(
    ("value", "actual", "expected"),
    [("12345678900", "0", "3"), ("00743110158", "8", "7"), ("01234567890", "0", "7")],
)
def test_wrong_check_digit(value, actual, expected):
    error = error_of(value)
    assert error.code == "invalid_check_digit"
    assert error.messages == [f"The check digit is {actual} but should be {expected}."]


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("", "The tax code must be exactly 11 digits long, but it has 0 digits."),
        ("1", "The tax code must be exactly 11 digits long, but it has 1 digit."),
        ("1234567890", "The tax code must be exactly 11 digits long, but it has 10 digits."),
        ("123456789012", "The tax code must be exactly 11 digits long, but it has 12 digits."),
    ],
)
def test_wrong_length(value, message):
    error = error_of(value)
    assert error.code == "invalid_length"
    assert error.messages == [message]


@pytest.mark.parametrize(
    ("value", "position", "character"),
    [
        ("IT00743110157", 1, "I"),
        ("0074311015A", 11, "A"),
        ("00743-110157", 6, "-"),
        ("RSSMRA85T10A562S", 1, "R"),
    ],
)
def test_non_digits(value, position, character):
    error = error_of(value)
    assert error.code == "invalid_characters"
    assert error.messages == [
        f"The tax code must contain only digits, but character {position} is '{character}'."
    ]


@pytest.mark.parametrize("bad", ["123456789", "12345678901", "123456789A"])
def test_check_digit_rejects_bad_input(bad):
    with pytest.raises(ValueError):
        check_digit(bad)


def test_generated_codes_validate():
    rng = random.Random(1234)
    codes = [generate_organisation_tax_code(rng) for _ in range(1000)]
    for code in codes:
        assert len(code) == 11
        assert validate_organisation_tax_code(code) == code
        office = int(code[7:10])
        assert 1 <= office <= 100 or office in (120, 121)
    assert len(set(codes)) > 990
    assert [generate_organisation_tax_code(random.Random(1234)) for _ in range(1)] == codes[:1]
