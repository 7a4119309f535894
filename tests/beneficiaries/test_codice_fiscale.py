"""Tests of the personal codice fiscale helpers (no database)."""

import datetime
import random

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import translation

from beneficiaries.codice_fiscale import (
    CodiceFiscaleData,
    check_character,
    check_consistency,
    decode,
    generate,
    name_key,
    normalise,
    validate_codice_fiscale,
)

if not settings.configured:  # running without pytest-django
    settings.configure(USE_I18N=False)

ROSSI = "RSSMRA85T10A562S"  # the classic example, check character computed by hand
BIANCHI = "BNCNNA90D45F205P"  # Anna Bianchi, born 5 April 1990 in Milano (F205)
ROSSI_DATA = CodiceFiscaleData(
    birth_year_2digits=85, birth_month=12, birth_day=10, gender="M", cadastral_code="A562"
)

EXPECTED_DIGIT = "a digit (or one of the omocodia letters L, M, N, P, Q, R, S, T, U, V)"


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def error_of(value: str) -> ValidationError:
    with pytest.raises(ValidationError) as excinfo:
        validate_codice_fiscale(value)
    return excinfo.value


# --- check character and validation of valid codes -------------------------------------


def test_check_character_of_known_codes():
    assert check_character(ROSSI[:15]) == "S"
    assert check_character(BIANCHI[:15]) == "P"
    # Omocodic variants of ROSSI, computed by hand.
    assert check_character("RSSMRA85T10A56N") == "H"
    assert check_character("RSSMRA85T10A5SN") == "T"
    assert check_character("RSSMRA85T10ARSN") == "O"


@pytest.mark.parametrize("bad", ["RSSMRA85T10A56", "RSSMRA85T10A5621", "rssmra85t10a562"])
def test_check_character_rejects_bad_input(bad):
    with pytest.raises(ValueError):
        check_character(bad)


@pytest.mark.parametrize(
    "value",
    [ROSSI, BIANCHI, "RSSMRA85T10A56NH", "RSSMRA85T10A5SNT", "RSSMRA85T10ARSNO"],
)
def test_valid_codes(value):
    assert validate_codice_fiscale(value) == value


@pytest.mark.parametrize(
    "value",
    ["rssmra85t10a562s", "  RSSMRA85T10A562S  ", "RSS MRA 85T10 A562S", "rss mra\t85t10a562s\n"],
)
def test_input_is_normalised(value):
    assert normalise(value) == ROSSI
    assert validate_codice_fiscale(value) == ROSSI


def test_decode():
    assert decode(ROSSI) == ROSSI_DATA
    assert decode(BIANCHI) == CodiceFiscaleData(
        birth_year_2digits=90, birth_month=4, birth_day=5, gender="F", cadastral_code="F205"
    )


def test_decode_omocodic_code():
    assert decode("rssmra85t10arsno") == ROSSI_DATA
    assert decode("RSSMRAURTMLARSNL") == ROSSI_DATA


def test_decoded_data_is_frozen():
    with pytest.raises(AttributeError):
        ROSSI_DATA.birth_day = 11


# --- error messages ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("", "The codice fiscale must be 16 characters long, but it has 0 characters."),
        ("R", "The codice fiscale must be 16 characters long, but it has 1 character."),
        (
            "RSSMRA85T10A562",
            "The codice fiscale must be 16 characters long, but it has 15 characters.",
        ),
        (
            "RSSMRA85T10A562SS",
            "The codice fiscale must be 16 characters long, but it has 17 characters.",
        ),
    ],
)
def test_wrong_length(value, message):
    error = error_of(value)
    assert error.code == "invalid_length"
    assert error.messages == [message]


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("RSSMR185T10A562S", "Character 6 of the codice fiscale ('1') should be a letter."),
        ("RSSMRÀ85T10A562S", "Character 6 of the codice fiscale ('À') should be a letter."),
        (
            "RSSMRAA5T10A562S",
            f"Character 7 of the codice fiscale ('A') should be {EXPECTED_DIGIT}.",
        ),
        (
            "RSSMRA85T1WA562S",
            f"Character 11 of the codice fiscale ('W') should be {EXPECTED_DIGIT}.",
        ),
        (
            "RSSMRA85110A562S",
            "Character 9 of the codice fiscale ('1') should be a month letter "
            "(A, B, C, D, E, H, L, M, P, R, S, T).",
        ),
        ("RSSMRA85T101562S", "Character 12 of the codice fiscale ('1') should be a letter."),
        (
            "RSSMRA85T10A5-2S",
            f"Character 14 of the codice fiscale ('-') should be {EXPECTED_DIGIT}.",
        ),
        (
            "RSSMRA85T10A5622",
            "Character 16 of the codice fiscale ('2') should be a letter (the check character).",
        ),
    ],
)
def test_invalid_structure(value, message):
    error = error_of(value)
    assert error.code == "invalid_format"
    assert error.messages == [message]


@pytest.mark.parametrize("letter", ["F", "G", "I", "Z"])
def test_invalid_month_letter(letter):
    error = error_of(f"RSSMRA85{letter}10A562S")
    assert error.code == "invalid_month"
    assert error.messages == [
        f"'{letter}' is not a valid month letter in a codice fiscale "
        "(valid letters: A, B, C, D, E, H, L, M, P, R, S, T)."
    ]


@pytest.mark.parametrize(
    ("day", "shown"),
    [("00", "00"), ("32", "32"), ("40", "40"), ("72", "72"), ("99", "99"), ("LL", "00")],
)
def test_invalid_day(day, shown):
    error = error_of(f"RSSMRA85T{day}A562S")
    assert error.code == "invalid_day"
    assert error.messages == [
        f"The day of birth '{shown}' in the codice fiscale is not valid: it must be "
        "between 01 and 31 (or between 41 and 71 for women)."
    ]


@pytest.mark.parametrize("day", ["01", "31", "41", "71"])
def test_boundary_days_are_valid(day):
    first15 = f"RSSMRA85T{day}A562"
    code = first15 + check_character(first15)
    assert validate_codice_fiscale(code) == code


@pytest.mark.parametrize(
    ("value", "actual", "expected"),
    [
        ("RSSMRA85T10A562X", "X", "S"),
        ("RSSMRA85T10A562T", "T", "S"),
        ("bncnna90d45f205s", "S", "P"),
        ("RSSMRA85T10A56NS", "S", "H"),
    ],
)
def test_wrong_check_character(value, actual, expected):
    error = error_of(value)
    assert error.code == "invalid_check_character"
    assert error.messages == [f"The check character is '{actual}' but should be '{expected}'."]


# --- consistency with the person's data --------------------------------------------------


def test_consistent_data_passes():
    check_consistency(ROSSI, birth_date=datetime.date(1985, 12, 10), gender="M")
    check_consistency(ROSSI, birth_date=datetime.date(2085, 12, 10), gender="M")
    check_consistency(BIANCHI, birth_date=datetime.date(1990, 4, 5), gender="F")
    check_consistency("RSSMRAURTMLARSNL", birth_date=datetime.date(1985, 12, 10), gender="M")


def test_missing_or_unknown_data_is_not_checked():
    check_consistency(ROSSI, birth_date=None, gender=None)
    check_consistency(BIANCHI, birth_date=None, gender="X")
    check_consistency(BIANCHI, birth_date=None, gender="U")


@pytest.mark.parametrize(
    "birth_date",
    [datetime.date(1985, 12, 11), datetime.date(1985, 11, 10), datetime.date(1986, 12, 10)],
)
def test_birth_date_mismatch(birth_date):
    with pytest.raises(ValidationError) as excinfo:
        check_consistency(ROSSI, birth_date=birth_date, gender="M")
    assert excinfo.value.message_dict == {
        "birth_date": [
            f"The birth date {birth_date:%d/%m/%Y} does not match the codice fiscale, which "
            "encodes day 10, month 12 and a year ending in 85."
        ]
    }
    assert excinfo.value.error_dict["birth_date"][0].code == "birth_date_mismatch"


def test_birth_date_mismatch_pads_the_year():
    with pytest.raises(ValidationError) as excinfo:
        check_consistency(
            generate(
                surname="Verdi",
                given_name="Giuseppe",
                birth_date=datetime.date(1905, 1, 2),
                gender="M",
                cadastral_code="H501",
            ),
            birth_date=datetime.date(1905, 2, 1),
            gender=None,
        )
    assert excinfo.value.messages == [
        "The birth date 01/02/1905 does not match the codice fiscale, which encodes day 2, "
        "month 1 and a year ending in 05."
    ]


def test_gender_mismatch():
    with pytest.raises(ValidationError) as excinfo:
        check_consistency(ROSSI, birth_date=None, gender="F")
    assert excinfo.value.message_dict == {
        "gender": ["The codice fiscale is that of a man (M), but the gender given is F."]
    }
    assert excinfo.value.error_dict["gender"][0].code == "gender_mismatch"

    with pytest.raises(ValidationError) as excinfo:
        check_consistency(BIANCHI, birth_date=datetime.date(1990, 4, 5), gender="M")
    assert excinfo.value.message_dict == {
        "gender": ["The codice fiscale is that of a woman (F), but the gender given is M."]
    }


def test_birth_date_and_gender_mismatch_together():
    with pytest.raises(ValidationError) as excinfo:
        check_consistency(BIANCHI, birth_date=datetime.date(1990, 4, 6), gender="M")
    assert set(excinfo.value.message_dict) == {"birth_date", "gender"}


def test_consistency_of_invalid_code_raises_the_validation_error():
    with pytest.raises(ValidationError) as excinfo:
        check_consistency("RSSMRA85T10A562X", birth_date=None, gender=None)
    assert not hasattr(excinfo.value, "error_dict")
    assert excinfo.value.code == "invalid_check_character"


# --- generation --------------------------------------------------------------------------


def person(**overrides):
    data = {
        "surname": "Rossi",
        "given_name": "Mario",
        "birth_date": datetime.date(1985, 12, 10),
        "gender": "M",
        "cadastral_code": "A562",
    }
    return data | overrides


def test_generate_classic_example():
    assert generate(**person()) == ROSSI
    assert generate(**person(cadastral_code="a562")) == ROSSI


def test_generate_woman_adds_40_to_the_day():
    code = generate(
        surname="Bianchi",
        given_name="Anna",
        birth_date=datetime.date(1990, 4, 5),
        gender="F",
        cadastral_code="F205",
    )
    assert code == BIANCHI
    assert code[9:11] == "45"
    assert decode(code).birth_day == 5


@pytest.mark.parametrize(
    ("surname", "given_name", "expected"),
    [
        ("Fo", "Al", "FOXLAX"),
        ("Xu", "Li", "XUXLIX"),
        ("O", "Ai", "OXXAIX"),
        ("Verdi", "Giuseppe", "VRDGPP"),  # 4 consonants: 1st, 3rd and 4th
        ("Bianchi", "Gianfranco", "BNCGFR"),
        ("De Rossi", "Alessandra", "DRSLSN"),
        ("D'Amico", "Maria", "DMCMRA"),
        ("Rossi", "Anna Maria", "RSSNMR"),  # consonants N, N, M, R: 1st, 3rd, 4th
        ("Niccolò", "Nicolò", "NCCNCL"),
        ("Pérez Núñez", "José", "PRZJSO"),
        ("Çelik", "Zoë", "CLKZOE"),
        ("Müller", "Ævar", "MLLVRA"),
        ("Ørsted", "Łukasz", "RSTLSZ"),
    ],
)
def test_generate_name_parts(surname, given_name, expected):
    code = generate(**person(surname=surname, given_name=given_name))
    assert code[:6] == expected
    assert validate_codice_fiscale(code) == code


def test_generate_all_omocodia_levels():
    base = generate(**person())
    seen = {base}
    for level in range(8):
        code = generate(**person(omocodia_level=level))
        assert validate_codice_fiscale(code) == code
        assert decode(code) == ROSSI_DATA
        assert code[:6] == base[:6] and code[8] == base[8] and code[11] == base[11]
        letters = sum(code[i] in "LMNPQRSTUV" for i in (6, 7, 9, 10, 12, 13, 14))
        assert letters == level
        seen.add(code)
    assert len(seen) == 8
    assert generate(**person(omocodia_level=1)) == "RSSMRA85T10A56NH"
    assert generate(**person(omocodia_level=2)) == "RSSMRA85T10A5SNT"
    assert generate(**person(omocodia_level=7)) == "RSSMRAURTMLARSNL"


@pytest.mark.parametrize(
    "overrides",
    [
        {"gender": "X"},
        {"gender": "f"},
        {"omocodia_level": 8},
        {"omocodia_level": -1},
        {"cadastral_code": "H50"},
        {"cadastral_code": "1501"},
        {"cadastral_code": "H5O1"},
    ],
)
def test_generate_rejects_bad_arguments(overrides):
    with pytest.raises(ValueError):
        generate(**person(**overrides))


SURNAMES = [
    "Rossi",
    "Bianchi",
    "Esposito",
    "Ng",
    "Li",
    "O",
    "D'Angelo",
    "Dell'Acqua",
    "Lo Presti",
    "Öztürk",
    "Nguyễn",
    "Ferrari",
    "Schwarzkopf",
    "Éboué",
    "Wu",
]
GIVEN_NAMES = [
    "Mario",
    "Anna",
    "Gianfranco",
    "Zoë",
    "Al",
    "Ai",
    "Giuseppe",
    "Maria Grazia",
    "Şükrü",
    "Ines",
    "Bo",
    "Xiaoming",
    "Jean-Luc",
    "Ottavia",
    "Ugo",
]


def test_round_trip_random_people():
    rng = random.Random(20250101)
    start = datetime.date(1900, 1, 1).toordinal()
    end = datetime.date(2025, 12, 31).toordinal()
    for _ in range(500):
        birth_date = datetime.date.fromordinal(rng.randint(start, end))
        gender = rng.choice("FM")
        cadastral_code = f"{rng.choice('ABCDEFGHILMZ')}{rng.randrange(1000):03d}"
        level = rng.randint(0, 7)
        code = generate(
            surname=rng.choice(SURNAMES),
            given_name=rng.choice(GIVEN_NAMES),
            birth_date=birth_date,
            gender=gender,
            cadastral_code=cadastral_code,
            omocodia_level=level,
        )
        assert validate_codice_fiscale(code.lower()) == code
        assert decode(code) == CodiceFiscaleData(
            birth_year_2digits=birth_date.year % 100,
            birth_month=birth_date.month,
            birth_day=birth_date.day,
            gender=gender,
            cadastral_code=cadastral_code,
        )
        check_consistency(code, birth_date=birth_date, gender=gender)
        other = "M" if gender == "F" else "F"
        with pytest.raises(ValidationError) as excinfo:
            check_consistency(
                code, birth_date=birth_date + datetime.timedelta(days=1), gender=other
            )
        assert set(excinfo.value.message_dict) == {"birth_date", "gender"}


@pytest.mark.parametrize(
    ("names", "key"),
    [
        (["Rossi", "Rosi", "Russo", "ROSSI", " rossi "], "RS"),
        (["Bianchi", "Bianci"], "BN"),
        (["Esposito", "Espostio"], "ES"),
        (["Thomas", "Tomas"], "TM"),
        (["Nguyễn", "Nguyen"], "NG"),
        (["D'Amico", "Damico"], "DM"),
        (["Eo"], "E"),
    ],
)
def test_name_key_is_the_same_for_names_typed_differently(names, key):
    assert {name_key(name) for name in names} == {key}


def test_name_key_of_a_name_without_letters_is_empty():
    assert name_key("—") == ""
