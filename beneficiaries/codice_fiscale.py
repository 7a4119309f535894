"""Validation, decoding and generation of the Italian personal codice fiscale (16 characters)."""

from __future__ import annotations

import datetime
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

__all__ = [
    "CodiceFiscaleData",
    "check_character",
    "check_consistency",
    "decode",
    "generate",
    "normalise",
    "validate_codice_fiscale",
]

LENGTH = 16

_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_LETTERS = frozenset(_ALPHABET)
_DIGITS = frozenset("0123456789")
_VOWELS = frozenset("AEIOU")
_CONSONANTS = _LETTERS - _VOWELS

# Omocodia: a digit may be replaced by the letter at the same index (0 -> L ... 9 -> V).
_OMOCODIA_LETTERS = "LMNPQRSTUV"
_OMOCODE_TO_DIGIT = {letter: str(index) for index, letter in enumerate(_OMOCODIA_LETTERS)}
_DIGIT_TO_OMOCODE = {str(index): letter for index, letter in enumerate(_OMOCODIA_LETTERS)}
_DEOMOCODE = str.maketrans(_OMOCODE_TO_DIGIT)
_DIGIT_OR_OMOCODE = _DIGITS | frozenset(_OMOCODIA_LETTERS)
# 0-based indexes of the positions that may hold omocodia letters, right-most first
# (1-based positions 15, 14, 13, 11, 10, 8, 7).
_OMOCODIA_POSITIONS = (14, 13, 12, 10, 9, 7, 6)
MAX_OMOCODIA_LEVEL = len(_OMOCODIA_POSITIONS)

_MONTH_LETTERS = "ABCDEHLMPRST"
_MONTH_BY_LETTER = {letter: index + 1 for index, letter in enumerate(_MONTH_LETTERS)}

# Check character tables (DM 23/12/1976): values of characters in odd and even positions
# (1-based). Digits are worth the same as the letter with the same index (0 = A, 1 = B ...).
_ODD_LETTER_VALUES = (
    1, 0, 5, 7, 9, 13, 15, 17, 19, 21, 2, 4, 18, 20, 11, 3, 6, 8, 12, 14, 16, 10, 22, 25, 24, 23,
)  # fmt: skip
_ODD_VALUES = {letter: _ODD_LETTER_VALUES[index] for index, letter in enumerate(_ALPHABET)} | {
    str(digit): _ODD_LETTER_VALUES[digit] for digit in range(10)
}
_EVEN_VALUES = {letter: index for index, letter in enumerate(_ALPHABET)} | {
    str(digit): digit for digit in range(10)
}

# What each position (0-based) may contain, with a description for error messages.
_EXPECT_LETTER = _("a letter")
_EXPECT_DIGIT = _("a digit (or one of the omocodia letters L, M, N, P, Q, R, S, T, U, V)")
_EXPECT_MONTH = _("a month letter (A, B, C, D, E, H, L, M, P, R, S, T)")
_EXPECT_CHECK = _("a letter (the check character)")
_STRUCTURE = (
    *((_LETTERS, _EXPECT_LETTER),) * 6,
    *((_DIGIT_OR_OMOCODE, _EXPECT_DIGIT),) * 2,
    (_LETTERS, _EXPECT_MONTH),
    *((_DIGIT_OR_OMOCODE, _EXPECT_DIGIT),) * 2,
    (_LETTERS, _EXPECT_LETTER),
    *((_DIGIT_OR_OMOCODE, _EXPECT_DIGIT),) * 3,
    (_LETTERS, _EXPECT_CHECK),
)

# Precomputed pieces for generate().
_YEAR_CODES = tuple(f"{year:02d}" for year in range(100))
_DAY_CODES = {
    "M": tuple(f"{day:02d}" for day in range(32)),
    "F": tuple(f"{day + 40:02d}" for day in range(32)),
}


def normalise(value: str) -> str:
    """Strip the value, remove any whitespace inside it and upper-case it."""
    return "".join(value.split()).upper()


def check_character(first15: str) -> str:
    """Return the check character for the first 15 (upper-case) characters of a code."""
    if len(first15) != LENGTH - 1:
        raise ValueError(f"Expected 15 characters, got {len(first15)}.")
    try:
        total = sum(_ODD_VALUES[char] for char in first15[0::2]) + sum(
            _EVEN_VALUES[char] for char in first15[1::2]
        )
    except KeyError as exc:
        raise ValueError(f"Invalid character {exc.args[0]!r}.") from None
    return chr(ord("A") + total % 26)


def validate_codice_fiscale(value: str) -> str:
    """Return the normalised codice fiscale or raise ValidationError explaining what is wrong."""
    code = normalise(value)
    if len(code) != LENGTH:
        raise ValidationError(
            ngettext_lazy(
                "The codice fiscale must be 16 characters long, but it has %(length)d character.",
                "The codice fiscale must be 16 characters long, but it has %(length)d characters.",
                "length",
            ),
            code="invalid_length",
            params={"length": len(code)},
        )
    for position, (char, (allowed, expected)) in enumerate(zip(code, _STRUCTURE, strict=True)):
        if char not in allowed:
            raise ValidationError(
                _(
                    "Character %(position)d of the codice fiscale ('%(character)s') "
                    "should be %(expected)s."
                ),
                code="invalid_format",
                params={"position": position + 1, "character": char, "expected": expected},
            )
    month_letter = code[8]
    if month_letter not in _MONTH_BY_LETTER:
        raise ValidationError(
            _(
                "'%(letter)s' is not a valid month letter in a codice fiscale "
                "(valid letters: A, B, C, D, E, H, L, M, P, R, S, T)."
            ),
            code="invalid_month",
            params={"letter": month_letter},
        )
    day = int(code[9:11].translate(_DEOMOCODE))
    if not (1 <= day <= 31 or 41 <= day <= 71):
        raise ValidationError(
            _(
                "The day of birth '%(day)s' in the codice fiscale is not valid: it must be "
                "between 01 and 31 (or between 41 and 71 for women)."
            ),
            code="invalid_day",
            params={"day": f"{day:02d}"},
        )
    expected = check_character(code[:15])
    if code[15] != expected:
        raise ValidationError(
            _("The check character is '%(actual)s' but should be '%(expected)s'."),
            code="invalid_check_character",
            params={"actual": code[15], "expected": expected},
        )
    return code


@dataclass(frozen=True, slots=True)
class CodiceFiscaleData:
    """The personal data encoded in a codice fiscale."""

    birth_year_2digits: int
    birth_month: int
    birth_day: int
    gender: str  # "F" or "M"
    cadastral_code: str  # e.g. "H501" (Roma), digits restored if omocodic


def decode(value: str) -> CodiceFiscaleData:
    """Validate the code and return the data it encodes (omocodia letters turned back)."""
    code = validate_codice_fiscale(value)
    day = int(code[9:11].translate(_DEOMOCODE))
    return CodiceFiscaleData(
        birth_year_2digits=int(code[6:8].translate(_DEOMOCODE)),
        birth_month=_MONTH_BY_LETTER[code[8]],
        birth_day=day - 40 if day > 40 else day,
        gender="F" if day > 40 else "M",
        cadastral_code=code[11] + code[12:15].translate(_DEOMOCODE),
    )


def check_consistency(value: str, *, birth_date: datetime.date | None, gender: str | None) -> None:
    """Raise ValidationError with field errors if the code disagrees with birth date or gender.

    An invalid code raises the (non-field) ValidationError of validate_codice_fiscale().
    Only "F" and "M" genders are compared; any other value (or None) is not checked.
    """
    data = decode(value)
    errors: dict[str, ValidationError] = {}
    if birth_date is not None and (
        birth_date.day != data.birth_day
        or birth_date.month != data.birth_month
        or birth_date.year % 100 != data.birth_year_2digits
    ):
        errors["birth_date"] = ValidationError(
            _(
                "The birth date %(birth_date)s does not match the codice fiscale, which "
                "encodes day %(day)d, month %(month)d and a year ending in %(year)02d."
            ),
            code="birth_date_mismatch",
            params={
                "birth_date": birth_date.strftime("%d/%m/%Y"),
                "day": data.birth_day,
                "month": data.birth_month,
                "year": data.birth_year_2digits,
            },
        )
    given = gender.strip().upper() if gender is not None else None
    if given in ("F", "M") and given != data.gender:
        if data.gender == "F":
            message = _("The codice fiscale is that of a woman (F), but the gender given is M.")
        else:
            message = _("The codice fiscale is that of a man (M), but the gender given is F.")
        errors["gender"] = ValidationError(message, code="gender_mismatch")
    if errors:
        raise ValidationError(errors)


# Letters that Unicode does not decompose into a base letter plus accents.
_TRANSLITERATION = str.maketrans(
    {"Æ": "AE", "æ": "ae", "Œ": "OE", "œ": "oe", "Ø": "O", "ø": "o", "Ł": "L", "ł": "l",
     "Đ": "D", "đ": "d", "Ð": "D", "ð": "d", "Þ": "TH", "þ": "th"}
)  # fmt: skip


def _letters(text: str) -> str:
    """Upper-case ASCII letters of text, accents stripped; everything else dropped."""
    if not text.isascii():
        text = "".join(
            char
            for char in unicodedata.normalize("NFKD", text.translate(_TRANSLITERATION))
            if not unicodedata.combining(char)
        )
    return "".join(char for char in text.upper() if char in _LETTERS)


def name_key(name: str) -> str:
    """A coarse sound key of a name, for finding people whose name was typed differently:
    its first letter and the first consonant after it, with accents dropped, doubled
    letters counted once and a silent H ignored ("Rossi", "Rosi" and "Russo" → "RS";
    "Bianchi" and "Bianci" → "BN"). Empty when the name has no letter."""
    letters = _letters(name)
    if not letters:
        return ""
    rest = [char for char in letters[1:] if char in _CONSONANTS and char != "H"]
    collapsed = [char for index, char in enumerate(rest) if index == 0 or rest[index - 1] != char]
    return letters[0] + (collapsed[0] if collapsed else "")


@lru_cache(maxsize=8192)
def _surname_code(surname: str) -> str:
    letters = _letters(surname)
    consonants = "".join(char for char in letters if char in _CONSONANTS)
    vowels = "".join(char for char in letters if char in _VOWELS)
    return (consonants + vowels + "XXX")[:3]


@lru_cache(maxsize=8192)
def _given_name_code(given_name: str) -> str:
    letters = _letters(given_name)
    consonants = "".join(char for char in letters if char in _CONSONANTS)
    if len(consonants) >= 4:
        return consonants[0] + consonants[2] + consonants[3]
    vowels = "".join(char for char in letters if char in _VOWELS)
    return (consonants + vowels + "XXX")[:3]


def generate(
    *,
    surname: str,
    given_name: str,
    birth_date: datetime.date,
    gender: str,
    cadastral_code: str,
    omocodia_level: int = 0,
) -> str:
    """Build a valid codice fiscale; omocodia_level (0-7) replaces that many right-most digits."""
    if gender not in _DAY_CODES:
        raise ValueError(f"gender must be 'F' or 'M', not {gender!r}.")
    if not 0 <= omocodia_level <= MAX_OMOCODIA_LEVEL:
        raise ValueError(f"omocodia_level must be between 0 and 7, not {omocodia_level!r}.")
    place = cadastral_code.upper()
    if len(place) != 4 or place[0] not in _LETTERS or not all(c in _DIGITS for c in place[1:]):
        raise ValueError(f"Invalid cadastral code {cadastral_code!r}.")
    first15 = (
        _surname_code(surname)
        + _given_name_code(given_name)
        + _YEAR_CODES[birth_date.year % 100]
        + _MONTH_LETTERS[birth_date.month - 1]
        + _DAY_CODES[gender][birth_date.day]
        + place
    )
    if omocodia_level:
        chars = list(first15)
        for index in _OMOCODIA_POSITIONS[:omocodia_level]:
            chars[index] = _DIGIT_TO_OMOCODE[chars[index]]
        first15 = "".join(chars)
    return first15 + check_character(first15)
