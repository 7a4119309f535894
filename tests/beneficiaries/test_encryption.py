"""Names, codici fiscali and note bodies are encrypted at rest, with a keyed look-up hash."""

import hashlib
import hmac

import pytest
from cryptography.fernet import Fernet
from django.conf import settings
from django.core.exceptions import FieldError
from django.db import connection
from django.test import override_settings

from beneficiaries.codice_fiscale import validate_codice_fiscale
from beneficiaries.encryption import DecryptionError
from beneficiaries.models import Beneficiary, Need, Note
from tests.factories import BeneficiaryFactory, NeedFactory, NoteFactory

pytestmark = pytest.mark.django_db

GIVEN_NAME = "Mariangela"
FAMILY_NAME = "Squillacioti"
CODICE_FISCALE = "SQLMNG85T50H501E"  # Squillacioti Mariangela, 10/12/1985, Roma
OLD_KEY = Fernet.generate_key().decode()
NEW_KEY = Fernet.generate_key().decode()


def raw_row(table: str, pk) -> dict:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {table} WHERE id = %s", [pk])  # noqa: S608
        columns = [column.name for column in cursor.description]
        return dict(zip(columns, cursor.fetchone(), strict=True))


def assert_nowhere_in(row: dict, *secrets: str) -> None:
    stored = " ".join(str(value) for value in row.values()).lower()
    for secret in secrets:
        assert secret.lower() not in stored


def test_codice_fiscale_of_the_fixture_is_valid():
    assert validate_codice_fiscale(CODICE_FISCALE) == CODICE_FISCALE


def test_beneficiary_identity_is_not_stored_in_clear():
    person = BeneficiaryFactory(
        given_name=GIVEN_NAME, family_name=FAMILY_NAME, codice_fiscale=CODICE_FISCALE
    )
    row = raw_row("beneficiaries_beneficiary", person.pk)

    assert_nowhere_in(row, GIVEN_NAME, FAMILY_NAME, CODICE_FISCALE)
    for column in ("given_name", "family_name", "codice_fiscale"):
        assert row[column].startswith("gAAAAA")  # a Fernet token
    expected_hash = hmac.new(
        settings.IDENTIFIER_HASH_KEY.encode(), CODICE_FISCALE.encode(), hashlib.sha256
    ).hexdigest()
    assert len(row["codice_fiscale_hash"]) == 64
    assert set(row["codice_fiscale_hash"]) <= set("0123456789abcdef")
    assert row["codice_fiscale_hash"] == expected_hash

    stored = Beneficiary.objects.get(pk=person.pk)
    assert (stored.given_name, stored.family_name, stored.codice_fiscale) == (
        GIVEN_NAME,
        FAMILY_NAME,
        CODICE_FISCALE,
    )
    assert Beneficiary.objects.get(codice_fiscale_hash=expected_hash) == stored


def test_hash_is_taken_of_the_normalised_code():
    person = BeneficiaryFactory(codice_fiscale=" sqlmng85t50h501e ")
    assert (
        person.codice_fiscale_hash
        == hmac.new(
            settings.IDENTIFIER_HASH_KEY.encode(), CODICE_FISCALE.encode(), hashlib.sha256
        ).hexdigest()
    )


def test_changing_the_codice_fiscale_updates_its_hash():
    person = BeneficiaryFactory()
    person.codice_fiscale = CODICE_FISCALE
    person.save(update_fields=["codice_fiscale"])
    row = raw_row("beneficiaries_beneficiary", person.pk)
    assert (
        row["codice_fiscale_hash"]
        == hmac.new(
            settings.IDENTIFIER_HASH_KEY.encode(), CODICE_FISCALE.encode(), hashlib.sha256
        ).hexdigest()
    )


def test_note_body_and_need_description_are_not_stored_in_clear():
    body = "Colloquio con Mariangela: teme il marito, dorme dalla sorella."
    note = NoteFactory(body=body)
    need = NeedFactory(description="Squillacioti: disturbo post-traumatico")

    assert_nowhere_in(raw_row("beneficiaries_note", note.pk), body, "Mariangela", "marito")
    assert_nowhere_in(raw_row("beneficiaries_need", need.pk), "Squillacioti", "traumatico")
    assert Note.objects.get(pk=note.pk).body == body
    assert Need.objects.get(pk=need.pk).description == "Squillacioti: disturbo post-traumatico"


@pytest.mark.parametrize(
    ("model", "lookup"),
    [
        (Beneficiary, {"given_name": "x"}),
        (Beneficiary, {"family_name__icontains": "x"}),
        (Beneficiary, {"codice_fiscale": CODICE_FISCALE}),
        (Note, {"body__startswith": "x"}),
    ],
)
def test_filtering_on_an_encrypted_field_raises(model, lookup):
    with pytest.raises(FieldError, match="Encrypted field"):
        model.objects.filter(**lookup)


def test_isnull_lookup_on_an_encrypted_field_is_allowed():
    person = BeneficiaryFactory()
    assert list(Beneficiary.objects.filter(given_name__isnull=False)) == [person]


def test_value_encrypted_with_an_old_key_decrypts_after_rotation():
    with override_settings(FIELD_ENCRYPTION_KEYS=[OLD_KEY]):
        person = BeneficiaryFactory(given_name=GIVEN_NAME)
    with override_settings(FIELD_ENCRYPTION_KEYS=[NEW_KEY, OLD_KEY]):
        assert Beneficiary.objects.get(pk=person.pk).given_name == GIVEN_NAME
        # New writes use the first key only.
        Beneficiary.objects.get(pk=person.pk).save()
    token = raw_row("beneficiaries_beneficiary", person.pk)["given_name"]
    assert Fernet(NEW_KEY.encode()).decrypt(token.encode()).decode() == GIVEN_NAME
    with override_settings(FIELD_ENCRYPTION_KEYS=[NEW_KEY]):
        assert Beneficiary.objects.get(pk=person.pk).given_name == GIVEN_NAME


def test_value_encrypted_with_an_unknown_key_raises():
    with override_settings(FIELD_ENCRYPTION_KEYS=[OLD_KEY]):
        person = BeneficiaryFactory()
    with (
        override_settings(FIELD_ENCRYPTION_KEYS=[NEW_KEY]),
        pytest.raises(DecryptionError),
    ):
        Beneficiary.objects.get(pk=person.pk)
