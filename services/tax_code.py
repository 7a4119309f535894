"""Validation and generation of organisations' 11-digit codice fiscale / partita IVA."""

from __future__ import annotations

import random

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

__all__ = ["check_digit", "generate_organisation_tax_code", "validate_organisation_tax_code"]

LENGTH = 11

_DIGITS = frozenset("0123456789")
# Provincial office codes (digits 8-10) used when generating codes.
_OFFICE_CODES = (*(f"{office:03d}" for office in range(1, 101)), "120", "121")


def normalise(value: str) -> str:
    """Strip the value and remove any whitespace inside it."""
    return "".join(value.split())


def check_digit(first10: str) -> str:
    """Return the check digit (partita IVA algorithm) for the first 10 digits of a code."""
    if len(first10) != LENGTH - 1 or not all(char in _DIGITS for char in first10):
        raise ValueError(f"Expected 10 digits, got {first10!r}.")
    total = 0
    for index, char in enumerate(first10):
        digit = ord(char) - 48
        if index % 2:  # even 1-based position
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return str((10 - total % 10) % 10)


def validate_organisation_tax_code(value: str) -> str:
    """Return the normalised 11 digits or raise ValidationError explaining what is wrong."""
    code = normalise(value)
    for position, char in enumerate(code, start=1):
        if char not in _DIGITS:
            raise ValidationError(
                _(
                    "The tax code must contain only digits, but character %(position)d "
                    "is '%(character)s'."
                ),
                code="invalid_characters",
                params={"position": position, "character": char},
            )
    if len(code) != LENGTH:
        raise ValidationError(
            ngettext_lazy(
                "The tax code must be exactly 11 digits long, but it has %(length)d digit.",
                "The tax code must be exactly 11 digits long, but it has %(length)d digits.",
                "length",
            ),
            code="invalid_length",
            params={"length": len(code)},
        )
    expected = check_digit(code[:10])
    if code[10] != expected:
        raise ValidationError(
            _("The check digit is %(actual)s but should be %(expected)s."),
            code="invalid_check_digit",
            params={"actual": code[10], "expected": expected},
        )
    return code


def generate_organisation_tax_code(rng: random.Random) -> str:
    """Return a valid code: 7 random digits, a provincial office code and the check digit."""
    first10 = f"{rng.randrange(10_000_000):07d}{rng.choice(_OFFICE_CODES)}"
    return first10 + check_digit(first10)
