"""The birth date, the special-category flags and the referral reasons are encrypted at
rest (issue 13, item 9): the database holds Fernet tokens, the ORM gives the values back,
and nothing filters or orders on them in SQL. Intake's duplicate search, the admin's search
by birth date and the rule "a declined referral has a reason" keep working through the
plain birth year, the birth date's keyed hash and the empty string kept as it is."""

import datetime
import importlib

import pytest
from django.contrib import admin
from django.core.exceptions import FieldError, ValidationError
from django.db import IntegrityError, connection, transaction
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext

from beneficiaries.actions.referrals import referral_move
from beneficiaries.encryption import identifier_hash
from beneficiaries.matching import fuzzy_matches, likely_matches
from beneficiaries.models import (
    SPECIAL_CATEGORIES,
    Beneficiary,
    Referral,
    ReferralStatus,
    birth_date_lookup_hash,
)
from tests.factories import BeneficiaryFactory, ReferralFactory

pytestmark = pytest.mark.django_db

BORN = datetime.date(1985, 3, 2)
REASON = "Rifiutato: la signora Quagliarella teme il marito violento."
migration = importlib.import_module("beneficiaries.migrations.0006_encrypt_birth_date_flags_reason")


def raw(table: str, pk, *columns: str) -> dict:
    """The stored values, as PostgreSQL holds them (no field decrypts them)."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {', '.join(columns)} FROM {table} WHERE id = %s",  # noqa: S608 - test constants
            [pk],
        )
        return dict(zip(columns, cursor.fetchone(), strict=True))


def set_raw(table: str, pk, **values) -> None:
    assignments = ", ".join(f"{column} = %s" for column in values)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET {assignments} WHERE id = %s",  # noqa: S608 - test constants
            [*values.values(), pk],
        )


def is_token(value) -> bool:
    return isinstance(value, str) and value.startswith("gAAAAA") and len(value) >= 100


# --- What the database holds -------------------------------------------------------------


def test_birth_date_is_a_token_in_the_database_and_a_date_through_the_orm():
    person = BeneficiaryFactory(birth_date=BORN)
    stored = raw("beneficiaries_beneficiary", person.pk, "birth_date")["birth_date"]
    assert is_token(stored)
    for clear in ("1985-03-02", "1985", "02/03/1985", "19850302"):
        assert clear not in stored
    assert Beneficiary.objects.get(pk=person.pk).birth_date == BORN


def test_a_person_without_a_birth_date_stays_null():
    person = BeneficiaryFactory(birth_date=None, codice_fiscale="")
    row = raw("beneficiaries_beneficiary", person.pk, "birth_date", "birth_year", "birth_date_hash")
    assert row == {"birth_date": None, "birth_year": None, "birth_date_hash": None}
    assert Beneficiary.objects.get(pk=person.pk).birth_date is None


@pytest.mark.parametrize("flag", SPECIAL_CATEGORIES)
def test_each_special_category_flag_is_a_token_whether_set_or_not(flag):
    flagged = BeneficiaryFactory(**{flag: True})
    unflagged = BeneficiaryFactory()
    set_token = raw("beneficiaries_beneficiary", flagged.pk, flag)[flag]
    unset_token = raw("beneficiaries_beneficiary", unflagged.pk, flag)[flag]
    for token in (set_token, unset_token):
        assert is_token(token)
        assert token.lower() not in ("true", "false", "t", "f", "1", "0")
    # Same length: the stored value does not tell a set flag from an unset one.
    assert len(set_token) == len(unset_token)
    assert getattr(Beneficiary.objects.get(pk=flagged.pk), flag) is True
    assert getattr(Beneficiary.objects.get(pk=unflagged.pk), flag) is False


def test_all_flags_round_trip_independently():
    person = BeneficiaryFactory(health_condition=True, criminal_record=True)
    stored = Beneficiary.objects.get(pk=person.pk)
    assert {name: getattr(stored, name) for name in SPECIAL_CATEGORIES} == {
        "health_condition": True,
        "ethnic_minority": False,
        "violence_survivor": False,
        "criminal_record": True,
    }
    stored.health_condition = False
    stored.violence_survivor = True
    stored.save()
    again = Beneficiary.objects.get(pk=person.pk)
    assert (again.health_condition, again.violence_survivor) == (False, True)


def test_referral_reason_is_a_token_in_the_database():
    referral = ReferralFactory(reason=REASON)
    stored = raw("beneficiaries_referral", referral.pk, "reason")["reason"]
    assert is_token(stored)
    for word in ("Quagliarella", "marito", "Rifiutato"):
        assert word not in stored
    assert Referral.objects.get(pk=referral.pk).reason == REASON


def test_an_empty_reason_is_stored_empty():
    referral = ReferralFactory(reason="")
    assert raw("beneficiaries_referral", referral.pk, "reason") == {"reason": ""}
    assert Referral.objects.get(pk=referral.pk).reason == ""


# --- The rule "declined needs a reason" still holds -------------------------------------


def _declined(referral: Referral, reason: str) -> Referral:
    referral.status = ReferralStatus.DECLINED
    referral.responded_on = referral.referred_on
    referral.reason = reason
    return referral


def test_the_database_refuses_a_declined_referral_without_a_reason():
    referral = _declined(ReferralFactory(), "")
    with pytest.raises(IntegrityError, match="referral_status_dates"), transaction.atomic():
        referral.save()


def test_the_database_takes_a_declined_referral_with_an_encrypted_reason():
    referral = _declined(ReferralFactory(), "Nessun posto libero.")
    referral.save()
    assert is_token(raw("beneficiaries_referral", referral.pk, "reason")["reason"])
    assert Referral.objects.get(pk=referral.pk).reason == "Nessun posto libero."


def test_model_validation_checks_the_reason_of_a_declined_referral():
    with pytest.raises(ValidationError) as refused:
        _declined(ReferralFactory(), "").full_clean()
    assert refused.value.messages == [
        "The status does not match the dates: accepted and declined need a response date, "
        "declined also a reason, active a start date, closed an end date; only a closed "
        "referral has an end date."
    ]
    _declined(ReferralFactory(), "Nessun posto libero.").full_clean()


def test_declining_through_the_action_stores_the_reason_encrypted(
    provider_staff, provider_organisation
):
    referral = ReferralFactory(
        service__organisation=provider_organisation,
        referred_on=datetime.date(2024, 1, 15),
    )
    moved = referral_move(
        acting_user=provider_staff,
        referral=referral,
        status=ReferralStatus.DECLINED,
        reason="Servizio al completo fino a marzo.",
    )
    assert moved.status == ReferralStatus.DECLINED
    stored = raw("beneficiaries_referral", referral.pk, "reason")["reason"]
    assert is_token(stored) and "completo" not in stored
    assert Referral.objects.get(pk=referral.pk).reason == "Servizio al completo fino a marzo."


# --- Nothing filters or orders on the encrypted values in SQL ----------------------------


@pytest.mark.parametrize(
    ("model", "lookup"),
    [
        (Beneficiary, {"birth_date": BORN}),
        (Beneficiary, {"birth_date__gte": BORN}),
        (Beneficiary, {"birth_date__year": 1985}),
        (Beneficiary, {"birth_date__range": (BORN, BORN)}),
        *((Beneficiary, {flag: True}) for flag in SPECIAL_CATEGORIES),
        (Referral, {"reason": "Nessun posto"}),
        (Referral, {"reason__icontains": "posto"}),
    ],
    ids=lambda value: value.__name__ if isinstance(value, type) else next(iter(value)),
)
def test_filtering_on_an_encrypted_value_raises(model, lookup):
    with pytest.raises(FieldError, match="Encrypted field"):
        model.objects.filter(**lookup)


def test_emptiness_of_a_reason_is_the_one_comparison_allowed():
    with_reason = ReferralFactory(reason="Nessun posto.")
    without = ReferralFactory(reason="")
    assert list(Referral.objects.filter(reason="")) == [without]
    assert list(Referral.objects.exclude(reason="")) == [with_reason]


def test_no_birth_date_column_reaches_a_where_clause_of_the_duplicate_search(
    social_worker, organisation
):
    BeneficiaryFactory(registered_by=organisation, family_name="Esposito", birth_date=BORN)
    with CaptureQueriesContext(connection) as queries:
        fuzzy_matches(social_worker, family="Esposito", given="", birth_year=1985)
    searched = [q["sql"] for q in queries if "beneficiaries_beneficiary" in q["sql"]]
    assert searched
    for sql in searched:
        condition = sql.split(" WHERE ", 1)[1]
        assert '"birth_date"' not in condition and "birth_date_hash" not in condition
        assert '"birth_year"' in condition


def test_the_admin_list_is_not_sortable_by_birth_date():
    person_admin = admin.site._registry[Beneficiary]
    assert "birth_date" not in person_admin.list_display
    assert "birth_date_shown" in person_admin.list_display
    assert not getattr(person_admin.birth_date_shown, "admin_order_field", None)


# --- The columns beside the encrypted date -----------------------------------------------


def test_birth_year_and_keyed_hash_follow_the_birth_date():
    person = BeneficiaryFactory(birth_date=BORN)
    row = raw("beneficiaries_beneficiary", person.pk, "birth_year", "birth_date_hash")
    assert row == {"birth_year": 1985, "birth_date_hash": identifier_hash("1985-03-02")}
    assert row["birth_date_hash"] == birth_date_lookup_hash(BORN)

    person.birth_date = datetime.date(1990, 12, 31)
    person.save(update_fields=["birth_date"])
    row = raw("beneficiaries_beneficiary", person.pk, "birth_year", "birth_date_hash")
    assert row == {"birth_year": 1990, "birth_date_hash": identifier_hash("1990-12-31")}

    person.birth_date = None
    person.codice_fiscale = ""
    person.save()
    row = raw("beneficiaries_beneficiary", person.pk, "birth_year", "birth_date_hash")
    assert row == {"birth_year": None, "birth_date_hash": None}


def test_bulk_created_people_get_their_birth_year_and_hash():
    known = BeneficiaryFactory()
    (person,) = Beneficiary.objects.bulk_create(
        [
            Beneficiary(
                given_name="Ada",
                family_name="Bellomo",
                birth_date=BORN,
                gender="F",
                homeless=True,
                registered_by=known.registered_by,
            )
        ]
    )
    row = raw("beneficiaries_beneficiary", person.pk, "birth_date", "birth_year", "birth_date_hash")
    assert is_token(row["birth_date"])
    assert (row["birth_year"], row["birth_date_hash"]) == (1985, birth_date_lookup_hash(BORN))


def test_a_bulk_update_of_the_birth_date_is_refused():
    BeneficiaryFactory()
    with pytest.raises(TypeError, match="birth_date"):
        Beneficiary.objects.update(birth_date=BORN)


def test_the_admin_finds_a_person_by_birth_date_through_its_hash(social_worker, organisation):
    person = BeneficiaryFactory(registered_by=organisation, birth_date=BORN)
    BeneficiaryFactory(registered_by=organisation, birth_date=datetime.date(1985, 3, 3))
    person_admin = admin.site._registry[Beneficiary]
    request = RequestFactory().get("/")
    request.user = social_worker
    queryset = Beneficiary.objects.visible_to(social_worker)
    found, _ = person_admin.get_search_results(request, queryset, "02/03/1985")
    assert list(found) == [person]


# --- Intake's duplicate search still finds the same people -------------------------------


def test_duplicate_search_finds_the_same_person_by_name_and_birth_date(social_worker, organisation):
    known = BeneficiaryFactory(
        registered_by=organisation, family_name="Esposito", given_name="Giuseppe", birth_date=BORN
    )
    year_before = BeneficiaryFactory(
        registered_by=organisation,
        family_name="Esposito",
        given_name="Giuseppe",
        birth_date=datetime.date(1984, 12, 31),
    )
    BeneficiaryFactory(  # two years off: someone else
        registered_by=organisation,
        family_name="Esposito",
        given_name="Giuseppe",
        birth_date=datetime.date(1983, 12, 31),
    )
    undated = BeneficiaryFactory(
        registered_by=organisation,
        family_name="Esposito",
        given_name="Giuseppe",
        birth_date=None,
        codice_fiscale="",
    )
    found = likely_matches(
        social_worker, family_name="Esposto", given_name="Giuseppe", birth_date=BORN
    )
    assert {person.pk for person in found} == {known.pk, year_before.pk, undated.pk}
    # The matches show the decrypted birth date.
    assert {person.birth_date for person in found} == {BORN, datetime.date(1984, 12, 31), None}


# --- The data migration, both ways --------------------------------------------------------


class _Editor:
    """What the migration's functions use of a schema editor."""

    connection = connection


def test_the_migration_encrypts_plain_values_in_place_and_back():
    person = BeneficiaryFactory(birth_date=BORN, violence_survivor=True)
    other = BeneficiaryFactory(birth_date=None, codice_fiscale="")
    referral = ReferralFactory(reason=REASON)
    empty = ReferralFactory(reason="")
    # The columns as the schema change leaves them: PostgreSQL's text of a date and of
    # a boolean, the look-up columns still empty.
    plain = {
        "birth_date": "1985-03-02",
        "birth_year": None,
        "birth_date_hash": None,
        "health_condition": "false",
        "ethnic_minority": "false",
        "violence_survivor": "true",
        "criminal_record": "false",
    }
    set_raw("beneficiaries_beneficiary", person.pk, **plain)
    set_raw("beneficiaries_beneficiary", other.pk, **{**plain, "birth_date": None})
    set_raw("beneficiaries_referral", referral.pk, reason=REASON)
    columns = tuple(plain)

    migration.encrypt_in_place(None, _Editor())
    row = raw("beneficiaries_beneficiary", person.pk, *columns)
    assert all(is_token(row[name]) for name in ("birth_date", *SPECIAL_CATEGORIES))
    assert (row["birth_year"], row["birth_date_hash"]) == (1985, birth_date_lookup_hash(BORN))
    assert is_token(raw("beneficiaries_referral", referral.pk, "reason")["reason"])
    assert raw("beneficiaries_referral", empty.pk, "reason") == {"reason": ""}
    stored = Beneficiary.objects.get(pk=person.pk)
    assert (stored.birth_date, stored.violence_survivor, stored.health_condition) == (
        BORN,
        True,
        False,
    )
    assert Beneficiary.objects.get(pk=other.pk).birth_date is None
    assert Referral.objects.get(pk=referral.pk).reason == REASON

    # Running it again changes nothing (a token is not encrypted twice).
    before = raw("beneficiaries_beneficiary", person.pk, *columns)
    migration.encrypt_in_place(None, _Editor())
    assert raw("beneficiaries_beneficiary", person.pk, *columns) == before

    migration.decrypt_in_place(None, _Editor())
    row = raw("beneficiaries_beneficiary", person.pk, "birth_date", *SPECIAL_CATEGORIES)
    assert row == {
        "birth_date": "1985-03-02",
        "health_condition": "0",
        "ethnic_minority": "0",
        "violence_survivor": "1",
        "criminal_record": "0",
    }
    assert raw("beneficiaries_referral", referral.pk, "reason") == {"reason": REASON}


def test_the_migration_stops_on_a_birth_date_it_cannot_read():
    person = BeneficiaryFactory()
    set_raw("beneficiaries_beneficiary", person.pk, birth_date="02/03/1985")
    with pytest.raises(ValueError):
        migration.encrypt_in_place(None, _Editor())
