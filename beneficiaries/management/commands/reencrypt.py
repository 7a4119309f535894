"""``manage.py reencrypt``: rewrite every encrypted value with the newest Fernet key, so
that an old key can be removed from FIELD_ENCRYPTION_KEYS."""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from dataclasses import dataclass, field

from django.apps import apps
from django.core.management.base import BaseCommand, CommandError, DjangoHelpFormatter
from django.db import connection, models, transaction

from beneficiaries.encryption import DecryptionError, EncryptedField, key_index, rotate

HELP = """Re-encrypt every encrypted value with the newest key of FIELD_ENCRYPTION_KEYS.

How to retire an old key:
  1. Generate a key (`manage.py generate_keys`) and put it FIRST in FIELD_ENCRYPTION_KEYS,
     keeping the old ones after it (comma-separated): new writes use the first key, every
     key still decrypts. Restart every process (web, workers, beat).
  2. Run `manage.py reencrypt` (first `--dry-run` to see how many values each field has to
     rewrite). Every stored token is checked before anything is written: if a value cannot
     be decrypted with any configured key, the command stops, names the model, field and
     primary key, and changes nothing.
  3. Run `manage.py reencrypt --dry-run` again: it must report 0 values to re-encrypt.
     Then remove the old key from FIELD_ENCRYPTION_KEYS and restart every process.

Every encrypted field of every installed model is found by its class (EncryptedField).
Rows are rewritten in primary-key order, a batch per transaction; a value that changed
meanwhile is left as it is (the application wrote it with the newest key). Values already
under the newest key are skipped, so the command can be stopped and run again: it goes on
where it stopped, and a second run changes nothing. The IDENTIFIER_HASH_KEY of the look-up
hashes is a different key and is not rotated here."""


class _Formatter(DjangoHelpFormatter, argparse.RawDescriptionHelpFormatter):
    """Keeps the help's paragraphs and numbered steps as written."""


@dataclass
class Target:
    """One model's encrypted columns, and what a pass found in them."""

    model: type[models.Model]
    fields: list[models.Field]
    rows: int = 0
    values: int = 0
    stale: dict[str, int] = field(default_factory=dict)  # field name -> values to rewrite
    rewritten: int = 0

    @property
    def label(self) -> str:
        return self.model._meta.label


def encrypted_targets() -> list[Target]:
    """Every installed model with encrypted columns of its own table (a proxy shares
    its concrete model's table; an unmanaged model's table is not ours to rewrite)."""
    targets = []
    for model in apps.get_models():
        meta = model._meta
        if meta.proxy or not meta.managed:
            continue
        fields = [f for f in meta.local_concrete_fields if isinstance(f, EncryptedField)]
        if fields:
            targets.append(Target(model, fields))
    return sorted(targets, key=lambda target: target.label)


def _batches(target: Target, size: int) -> Iterator[list[tuple]]:
    """The rows (pk, token, ...) of the target's table, a batch at a time, in pk order.

    Raw SQL: the fields would decrypt the values, and the command needs the tokens."""
    qn = connection.ops.quote_name
    pk = qn(target.model._meta.pk.column)
    table = qn(target.model._meta.db_table)
    columns = ", ".join(qn(f.column) for f in target.fields)
    last = None
    while True:
        where = "" if last is None else f"WHERE {pk} > %s "
        sql = f"SELECT {pk}, {columns} FROM {table} {where}ORDER BY {pk} LIMIT %s"  # noqa: S608 - names from the models' metadata
        with connection.cursor() as cursor:
            cursor.execute(sql, [size] if last is None else [last, size])
            rows = cursor.fetchall()
        if not rows:
            return
        yield rows
        last = rows[-1][0]


def _stale(target: Target, row: tuple) -> Iterator[tuple[models.Field, str]]:
    """The (field, token) of a row that another key than the newest encrypted; raises
    ``CommandError`` naming the model, field and primary key of an undecryptable one."""
    pk, *tokens = row
    for column, token in zip(target.fields, tokens, strict=True):
        if token is None or token == "":
            continue
        try:
            index = key_index(token)
        except DecryptionError:
            raise CommandError(
                f"{target.label}.{column.name} of the record with primary key {pk} cannot be "
                "decrypted with any key in FIELD_ENCRYPTION_KEYS. Add the key it was "
                "encrypted with (after the newest) and run the command again."
            ) from None
        if index:
            yield column, token


class Command(BaseCommand):
    help = HELP

    def create_parser(self, prog_name, subcommand, **kwargs):
        return super().create_parser(prog_name, subcommand, formatter_class=_Formatter, **kwargs)

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Check every value and count those to re-encrypt; write nothing.",
        )
        parser.add_argument(
            "--batch-size",
            type=int,
            default=1000,
            help="Rows per transaction (default 1000).",
        )

    def handle(self, *args, dry_run: bool = False, batch_size: int = 1000, **options) -> None:
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1.")
        targets = encrypted_targets()
        # First every token is read and checked: one that no key decrypts stops the
        # command before anything is written.
        for target in targets:
            self._check(target, batch_size)
        total = sum(sum(target.stale.values()) for target in targets)
        if dry_run:
            self.stdout.write(f"Dry run: {total} values to re-encrypt; nothing written.")
            return
        for target in targets:
            if target.stale:
                self._rewrite(target, batch_size)
        rewritten = sum(target.rewritten for target in targets)
        message = f"{rewritten} values re-encrypted with the newest key."
        if rewritten < total:
            message += f" {total - rewritten} changed meanwhile and were left as written."
        self.stdout.write(self.style.SUCCESS(message))

    def _check(self, target: Target, batch_size: int) -> None:
        for rows in _batches(target, batch_size):
            target.rows += len(rows)
            for row in rows:
                target.values += sum(1 for token in row[1:] if token not in (None, ""))
                for column, _token in _stale(target, row):
                    target.stale[column.name] = target.stale.get(column.name, 0) + 1
        names = ", ".join(f.name for f in target.fields)
        stale = ", ".join(f"{name} {count}" for name, count in sorted(target.stale.items()))
        self.stdout.write(
            f"{target.label} ({names}): {target.rows} rows, {target.values} values, "
            f"{sum(target.stale.values())} to re-encrypt" + (f" ({stale})" if stale else "")
        )

    def _rewrite(self, target: Target, batch_size: int) -> None:
        qn = connection.ops.quote_name
        pk = qn(target.model._meta.pk.column)
        table = qn(target.model._meta.db_table)
        done = 0
        for rows in _batches(target, batch_size):
            updates: dict[str, list[tuple]] = {}
            for row in rows:
                for column, token in _stale(target, row):
                    updates.setdefault(column.column, []).append((rotate(token), row[0], token))
            with transaction.atomic(), connection.cursor() as cursor:
                for column, params in updates.items():
                    # Only where the value is still the one read: a write in between (by
                    # the application, with the newest key) is never overwritten.
                    sql = (
                        f"UPDATE {table} SET {qn(column)} = %s "  # noqa: S608 - names from the models' metadata
                        f"WHERE {pk} = %s AND {qn(column)} = %s"
                    )
                    cursor.executemany(sql, params)
                    target.rewritten += cursor.rowcount
            done += len(rows)
            self.stdout.write(
                f"{target.label}: {done}/{target.rows} rows, {target.rewritten} values re-encrypted"
            )
