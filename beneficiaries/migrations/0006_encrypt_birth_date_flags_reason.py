"""Encrypt the birth date, the special-category flags and the referral reasons at rest.

The columns become text holding Fernet tokens; the plain values already stored are
encrypted in place (and decrypted again backwards), batch by batch, with raw SQL: the
historical fields are the encrypted ones and would try to decrypt the plain values. Intake's
duplicate search moves from the birth date to its year (``birth_year``); the admin's search
by birth date to a keyed hash of it (``birth_date_hash``).
"""

import datetime

from django.db import migrations, models

import beneficiaries.encryption
from beneficiaries.encryption import DecryptionError, decrypt, encrypt, identifier_hash

BATCH = 2000
FLAGS = ("health_condition", "ethnic_minority", "violence_survivor", "criminal_record")
# A boolean column cast to text: "true"/"false" on PostgreSQL, "1"/"0" on SQLite.
PLAIN_FLAGS = {"true": True, "t": True, "1": True, "false": False, "f": False, "0": False}


def _is_token(value: str) -> bool:
    try:
        decrypt(value)
    except DecryptionError:
        return False
    return True


def _rewrite(connection, table: str, columns: tuple[str, ...], change) -> None:
    """Each row's ``change(values) -> {column: new value}`` written back, a batch at a time
    (rows in primary-key order)."""
    qn = connection.ops.quote_name
    selected = ", ".join(qn(column) for column in ("id", *columns))
    last = None
    while True:
        with connection.cursor() as cursor:
            after = "" if last is None else f"WHERE {qn('id')} > %s "
            cursor.execute(
                f"SELECT {selected} FROM {qn(table)} {after}ORDER BY {qn('id')} LIMIT {BATCH}",  # noqa: S608 - names from code
                [] if last is None else [last],
            )
            rows = cursor.fetchall()
            if not rows:
                return
            last = rows[-1][0]
            updates: dict[tuple[str, ...], list] = {}
            for pk, *values in rows:
                new = change(dict(zip(columns, values, strict=True)))
                if new:
                    names = tuple(sorted(new))
                    updates.setdefault(names, []).append([new[name] for name in names] + [pk])
            for names, params in updates.items():
                assignments = ", ".join(f"{qn(name)} = %s" for name in names)
                cursor.executemany(
                    f"UPDATE {qn(table)} SET {assignments} WHERE {qn('id')} = %s",  # noqa: S608 - names from code
                    params,
                )


def _encrypt_person(values: dict) -> dict:
    new = {}
    stored = values["birth_date"]
    if stored:
        plain = decrypt(stored) if _is_token(stored) else str(stored)
        # Strict: a date in another format stops the migration rather than stay plain.
        day = datetime.date.fromisoformat(plain)
        new["birth_date"] = stored if plain != stored else encrypt(day.isoformat())
        new["birth_year"] = day.year
        new["birth_date_hash"] = identifier_hash(day.isoformat())
    for flag in FLAGS:
        stored = str(values[flag]).lower()
        if stored in PLAIN_FLAGS:
            new[flag] = encrypt("1" if PLAIN_FLAGS[stored] else "0")
        elif not _is_token(values[flag]):
            raise ValueError(f"beneficiaries_beneficiary.{flag} holds {values[flag]!r}")
    return new


def _decrypt_person(values: dict) -> dict:
    new = {}
    for column in ("birth_date", *FLAGS):
        if values[column] and _is_token(values[column]):
            new[column] = decrypt(values[column])  # ISO date; "1"/"0", which both cast
    return new


def _encrypt_reason(values: dict) -> dict | None:
    reason = values["reason"]
    if reason and not _is_token(reason):
        return {"reason": encrypt(reason)}
    return None


def _decrypt_reason(values: dict) -> dict | None:
    reason = values["reason"]
    if reason and _is_token(reason):
        return {"reason": decrypt(reason)}
    return None


def encrypt_in_place(apps, schema_editor):
    connection = schema_editor.connection
    _rewrite(connection, "beneficiaries_beneficiary", ("birth_date", *FLAGS), _encrypt_person)
    _rewrite(connection, "beneficiaries_referral", ("reason",), _encrypt_reason)


def decrypt_in_place(apps, schema_editor):
    connection = schema_editor.connection
    _rewrite(connection, "beneficiaries_beneficiary", ("birth_date", *FLAGS), _decrypt_person)
    _rewrite(connection, "beneficiaries_referral", ("reason",), _decrypt_reason)


def _legacy_alter_table(on: bool):
    """On SQLite, changing a column's type remakes the table (create, copy, drop, rename).
    Views over the table (the dashboards' facts, an upper app's, unknown here) make the
    rename fail while the old table is gone, unless the rename leaves views alone, as
    SQLite's legacy mode does; they read the remade table by the same name after."""

    def run(apps, schema_editor) -> None:
        if schema_editor.connection.vendor == "sqlite":
            with schema_editor.connection.cursor() as cursor:
                cursor.execute(f"PRAGMA legacy_alter_table = {'ON' if on else 'OFF'}")

    return run


def _flag(label: str) -> beneficiaries.encryption.EncryptedBooleanField:
    return beneficiaries.encryption.EncryptedBooleanField(default=False, verbose_name=label)


class Migration(migrations.Migration):
    dependencies = [
        ("beneficiaries", "0005_consent_expires_on"),
        ("registry", "0001_initial"),
        ("services", "0003_data_protection_role"),
    ]

    operations = [
        migrations.RunPython(_legacy_alter_table(True), _legacy_alter_table(False)),
        migrations.RemoveIndex(
            model_name="beneficiary",
            name="beneficiary_name_key_birth",
        ),
        migrations.AddField(
            model_name="beneficiary",
            name="birth_date_hash",
            field=beneficiaries.encryption.KeyedHashField(
                blank=True,
                normalise="beneficiaries.encryption.iso_date",
                null=True,
                source="birth_date",
                verbose_name="birth date look-up hash",
            ),
        ),
        migrations.AddField(
            model_name="beneficiary",
            name="birth_year",
            field=beneficiaries.encryption.YearOfField(
                blank=True, null=True, source="birth_date", verbose_name="birth year"
            ),
        ),
        migrations.AlterField(
            model_name="beneficiary",
            name="birth_date",
            field=beneficiaries.encryption.EncryptedDateField(
                blank=True, null=True, verbose_name="birth date"
            ),
        ),
        migrations.AlterField(
            model_name="beneficiary",
            name="criminal_record",
            field=_flag("criminal record"),
        ),
        migrations.AlterField(
            model_name="beneficiary",
            name="ethnic_minority",
            field=_flag("ethnic minority (e.g. Roma, Sinti, Caminanti)"),
        ),
        migrations.AlterField(
            model_name="beneficiary",
            name="health_condition",
            field=_flag("health condition"),
        ),
        migrations.AlterField(
            model_name="beneficiary",
            name="violence_survivor",
            field=_flag("survivor of violence"),
        ),
        migrations.AlterField(
            model_name="referral",
            name="reason",
            field=beneficiaries.encryption.EncryptedTextField(
                blank=True,
                help_text="Why it was made, declined or closed.",
                verbose_name="reason",
            ),
        ),
        migrations.AddIndex(
            model_name="beneficiary",
            index=models.Index(
                fields=["family_name_key_hash", "birth_year"], name="beneficiary_name_key_year"
            ),
        ),
        migrations.AddConstraint(
            model_name="beneficiary",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("birth_date_hash__isnull", True),
                    ("birth_date_hash__regex", "^[0-9a-f]{64}$"),
                    _connector="OR",
                ),
                name="beneficiary_birth_date_hash_format",
                violation_error_code="beneficiary_birth_date_hash_format",
                violation_error_message="The birth date look-up hash is malformed.",
            ),
        ),
        migrations.RunPython(encrypt_in_place, decrypt_in_place),
        migrations.RunPython(_legacy_alter_table(False), _legacy_alter_table(True)),
    ]
