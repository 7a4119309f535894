"""``manage.py reencrypt`` moves every stored token onto the newest key, so that the old
key can be removed from FIELD_ENCRYPTION_KEYS (issue 13, item 9)."""

import datetime
from io import StringIO

import pytest
from cryptography.fernet import Fernet, InvalidToken
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test import override_settings

from beneficiaries.encryption import EncryptedField, encrypt
from beneficiaries.management.commands.reencrypt import encrypted_targets
from beneficiaries.models import SPECIAL_CATEGORIES, Beneficiary, Case, Goal, Need, Note, Referral
from tests.factories import (
    BeneficiaryFactory,
    CaseFactory,
    GoalFactory,
    NeedFactory,
    NoteFactory,
    ReferralFactory,
)

pytestmark = pytest.mark.django_db

KEY_A = Fernet.generate_key().decode()
KEY_B = Fernet.generate_key().decode()
UNKNOWN_KEY = Fernet.generate_key().decode()
ENCRYPTED = {
    Beneficiary: ("given_name", "family_name", "codice_fiscale", "birth_date", *SPECIAL_CATEGORIES),
    Case: ("plan_summary",),
    Need: ("description",),
    Goal: ("description",),
    Note: ("body",),
    Referral: ("reason",),
}


def make_records() -> None:
    """One of each encrypted model, every encrypted value set (a flag both ways)."""
    person = BeneficiaryFactory(
        birth_date=datetime.date(1985, 3, 2), violence_survivor=True, health_condition=True
    )
    case = CaseFactory(beneficiary=person, plan_summary="Casa e lavoro entro un anno.")
    NeedFactory(case=case, description="Dorme in macchina.")
    GoalFactory(case=case, description="Trovare un alloggio.")
    NoteFactory(case=case, body="Teme il marito.")
    ReferralFactory(case=case, reason="Accoglienza in casa rifugio.")
    BeneficiaryFactory(birth_date=None, codice_fiscale="")  # empty values stay empty


def values() -> dict:
    """Every encrypted value, decrypted by the ORM with the keys configured now."""
    return {
        (model._meta.label, obj.pk, name): getattr(obj, name)
        for model, names in ENCRYPTED.items()
        for obj in model.objects.order_by("pk")
        for name in names
    }


def tokens() -> dict:
    """Every encrypted column as stored (raw SQL: no field decrypts it)."""
    stored = {}
    with connection.cursor() as cursor:
        for model, names in ENCRYPTED.items():
            table = model._meta.db_table
            cursor.execute(f"SELECT id, {', '.join(names)} FROM {table}")  # noqa: S608 - test constants
            for pk, *row in cursor.fetchall():
                for name, token in zip(names, row, strict=True):
                    stored[(model._meta.label, pk, name)] = token
    return stored


def reencrypt(*args) -> str:
    out = StringIO()
    call_command("reencrypt", *args, stdout=out)
    return out.getvalue()


def decrypts_with(key: str, token: str) -> bool:
    try:
        Fernet(key.encode()).decrypt(token.encode())
    except InvalidToken:
        return False
    return True


def test_every_encrypted_field_of_every_model_is_found():
    targets = encrypted_targets()
    found = {(target.model, field.name) for target in targets for field in target.fields}
    assert found == {(model, name) for model, names in ENCRYPTED.items() for name in names}
    assert all(isinstance(field, EncryptedField) for t in targets for field in t.fields)


def test_old_key_can_be_removed_after_reencrypting():
    with override_settings(FIELD_ENCRYPTION_KEYS=[KEY_A]):
        make_records()
        before = values()
    stored = tokens()
    assert all(decrypts_with(KEY_A, t) for t in stored.values() if t)

    with override_settings(FIELD_ENCRYPTION_KEYS=[KEY_B, KEY_A]):
        output = reencrypt("--batch-size", "1")
    to_rotate = sum(1 for token in stored.values() if token)
    assert f"{to_rotate} values re-encrypted with the newest key." in output
    # Progress, batch by batch (one row each here), for each model.
    assert "beneficiaries.Beneficiary: 1/2 rows" in output
    assert "beneficiaries.Beneficiary: 2/2 rows" in output

    rotated = tokens()
    for key, token in rotated.items():
        if token:
            assert decrypts_with(KEY_B, token) and not decrypts_with(KEY_A, token), key
        else:
            assert token == stored[key]  # "" and NULL stay as they are
    with override_settings(FIELD_ENCRYPTION_KEYS=[KEY_B]):
        assert values() == before


def test_a_second_run_changes_nothing():
    with override_settings(FIELD_ENCRYPTION_KEYS=[KEY_A]):
        make_records()
    with override_settings(FIELD_ENCRYPTION_KEYS=[KEY_B, KEY_A]):
        reencrypt()
        after_first = tokens()
        output = reencrypt()
    assert "0 values re-encrypted" in output
    assert tokens() == after_first


def test_a_dry_run_counts_and_writes_nothing():
    with override_settings(FIELD_ENCRYPTION_KEYS=[KEY_A]):
        make_records()
        case = Case.objects.get()
    with override_settings(FIELD_ENCRYPTION_KEYS=[KEY_B, KEY_A]):
        # A value written since the key was added is already on the newest key.
        case.plan_summary = "Piano rivisto."
        case.save()
        output = reencrypt("--dry-run")
    stored = tokens()
    to_rotate = sum(1 for token in stored.values() if token) - 1
    assert f"Dry run: {to_rotate} values to re-encrypt; nothing written." in output
    assert "beneficiaries.Case (plan_summary): 1 rows, 1 values, 0 to re-encrypt" in output
    assert "beneficiaries.Referral (reason): 1 rows, 1 values, 1 to re-encrypt" in output
    assert tokens() == stored


def test_an_undecryptable_value_stops_everything_and_names_it():
    with override_settings(FIELD_ENCRYPTION_KEYS=[KEY_A]):
        make_records()
    (pk,) = Beneficiary.objects.filter(birth_date__isnull=False).values_list("pk", flat=True)
    with override_settings(FIELD_ENCRYPTION_KEYS=[UNKNOWN_KEY]), connection.cursor() as cursor:
        cursor.execute(
            "UPDATE beneficiaries_beneficiary SET violence_survivor = %s WHERE id = %s",
            [encrypt("1"), pk],
        )
    stored = tokens()
    with (
        override_settings(FIELD_ENCRYPTION_KEYS=[KEY_B, KEY_A]),
        pytest.raises(CommandError) as refused,
    ):
        reencrypt()
    message = str(refused.value)
    assert "beneficiaries.Beneficiary.violence_survivor" in message
    assert str(pk) in message
    assert "cannot be decrypted with any key in FIELD_ENCRYPTION_KEYS" in message
    assert tokens() == stored  # nothing changed, not even the values that could rotate


def test_plain_text_left_in_an_encrypted_column_is_refused_not_rewritten():
    with override_settings(FIELD_ENCRYPTION_KEYS=[KEY_A]):
        make_records()
        referral = Referral.objects.get()
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE beneficiaries_referral SET reason = %s WHERE id = %s",
            ["Non c'è posto", referral.pk],
        )
    stored = tokens()
    with (
        override_settings(FIELD_ENCRYPTION_KEYS=[KEY_B, KEY_A]),
        pytest.raises(CommandError, match=f"beneficiaries.Referral.reason .*{referral.pk}"),
    ):
        reencrypt()
    assert tokens() == stored


def test_a_value_written_meanwhile_is_not_overwritten(monkeypatch):
    from beneficiaries.management.commands import reencrypt as command

    with override_settings(FIELD_ENCRYPTION_KEYS=[KEY_A]):
        make_records()
    referral = Referral.objects.only("pk").get()
    old_token = tokens()[("beneficiaries.Referral", referral.pk, "reason")]
    real_rotate = command.rotate

    def rotate_while_someone_writes(token: str) -> str:
        if token == old_token:
            # The provider declines with a new reason between the read and the write.
            Referral.objects.filter(pk=referral.pk).update(reason="Posti esauriti.")
        return real_rotate(token)

    monkeypatch.setattr(command, "rotate", rotate_while_someone_writes)
    with override_settings(FIELD_ENCRYPTION_KEYS=[KEY_B, KEY_A]):
        output = reencrypt()
    assert "1 changed meanwhile and were left as written." in output
    with override_settings(FIELD_ENCRYPTION_KEYS=[KEY_B]):
        assert Referral.objects.get(pk=referral.pk).reason == "Posti esauriti."
