"""Fast inserts of prepared rows, and the wipe that ``seed_demo --reset`` does.

Rows are plain tuples in the order of the given field names, with values already in their
stored form (encrypted columns already encrypted). On PostgreSQL they go through COPY
(psycopg 3); elsewhere through one ``executemany`` INSERT per batch, with each value
adapted by its field, as ``bulk_create`` would.
"""

from __future__ import annotations

import queue
import random
import threading
import uuid
from collections.abc import Iterable, Sequence

from django.apps import apps
from django.contrib.auth import get_user_model
from django.db import connection, models

BATCH = 5000


def rng_uuid(rng: random.Random) -> uuid.UUID:
    """A version-4 UUID drawn from the seeded generator (reproducible primary keys)."""
    return uuid.UUID(int=rng.getrandbits(128), version=4)


def is_postgresql() -> bool:
    return connection.vendor == "postgresql"


# Field types whose Python values the database driver stores as they are.
_PASS_THROUGH = {
    "AutoField",
    "BigAutoField",
    "BigIntegerField",
    "BooleanField",
    "CharField",
    "IntegerField",
    "PositiveIntegerField",
    "PositiveSmallIntegerField",
    "SmallIntegerField",
    "TextField",
}


class TableWriter:
    """Insert prepared rows into one model's table, counting them."""

    def __init__(self, model: type[models.Model], field_names: Sequence[str]) -> None:
        self.model = model
        self.fields = [model._meta.get_field(name) for name in field_names]
        self.table = connection.ops.quote_name(model._meta.db_table)
        self.columns = ", ".join(connection.ops.quote_name(f.column) for f in self.fields)
        self.count = 0
        self._adapters = None
        if not is_postgresql():
            self._adapters = [self._adapter(f) for f in self.fields]

    @staticmethod
    def _adapter(field):
        target = field.target_field if field.is_relation else field
        if target.get_internal_type() in _PASS_THROUGH:
            return None

        def adapt(value, _field=field):
            if value is None:
                return None
            return _field.get_db_prep_value(value, connection, prepared=True)

        return adapt

    def copy(self, pg_connection, rows: Iterable[Sequence]) -> int:
        """COPY the rows through a psycopg 3 connection (PostgreSQL only)."""
        written = 0
        # Table and column names come from the model's metadata, quoted.
        sql = f"COPY {self.table} ({self.columns}) FROM STDIN"
        with pg_connection.cursor() as cursor, cursor.copy(sql) as copy:
            write_row = copy.write_row
            for row in rows:
                write_row(row)
                written += 1
        self.count += written
        return written

    def write(self, rows: Iterable[Sequence]) -> int:
        written = 0
        if is_postgresql():
            connection.ensure_connection()
            return self.copy(connection.connection, rows)
        else:
            placeholders = ", ".join(["%s"] * len(self.fields))
            sql = f"INSERT INTO {self.table} ({self.columns}) VALUES ({placeholders})"  # noqa: S608
            adapters = self._adapters
            batch: list[Sequence] = []
            with connection.cursor() as cursor:
                for row in rows:
                    batch.append(
                        [
                            value if adapt is None else adapt(value)
                            for adapt, value in zip(adapters, row, strict=True)
                        ]
                    )
                    if len(batch) >= BATCH:
                        cursor.executemany(sql, batch)
                        written += len(batch)
                        batch = []
                if batch:
                    cursor.executemany(sql, batch)
                    written += len(batch)
        self.count += written
        return written


class BackgroundWriter:
    """COPY batches of rows from a second thread, over the seed's own connection.

    While PostgreSQL parses, indexes and checks one chunk, the main thread generates the
    next: on two cores that nearly halves the time of the people step. Only this thread
    touches the connection until ``close()``; the queue is short, so memory stays bounded.
    Errors are raised in the main thread by the next ``submit()`` or by ``close()``.
    """

    def __init__(self, depth: int = 2) -> None:
        connection.ensure_connection()
        self._pg = connection.connection
        self._queue: queue.Queue = queue.Queue(maxsize=depth)
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._work, name="seed-demo-copy", daemon=True)
        self._thread.start()

    def _work(self) -> None:
        while (jobs := self._queue.get()) is not None:
            if self._error is not None:
                continue  # keep draining so that submit() never blocks forever
            try:
                for writer, rows in jobs:
                    writer.copy(self._pg, rows)
            except BaseException as error:
                self._error = error  # re-raised in the main thread

    def submit(self, jobs: list[tuple[TableWriter, list]]) -> None:
        if self._error is not None:
            self.close()
        self._queue.put(jobs)

    def close(self) -> None:
        """Wait for every submitted batch; raise the first error, if any."""
        if self._thread.is_alive():
            self._queue.put(None)
            self._thread.join()
        if self._error is not None:
            raise self._error


# ---- Reset ----------------------------------------------------------------------------

# What the seed writes; territory, taxonomy, languages and role groups are never wiped.
SEEDED_MODELS = (
    ("services", "Organisation"),
    ("services", "Membership"),
    ("services", "Service"),
    ("services", "Site"),
    ("services", "ServiceAtSite"),
    ("services", "Capacity"),
    ("services", "OpeningHours"),
    ("beneficiaries", "Beneficiary"),
    ("beneficiaries", "Case"),
    ("beneficiaries", "Need"),
    ("beneficiaries", "Referral"),
    ("beneficiaries", "Consent"),
    ("beneficiaries", "Note"),
    ("housing", "HousingUnit"),
    ("housing", "Placement"),
)


def tables_to_wipe() -> list[type[models.Model]]:
    """The seeded models plus every model that refers to them, dependents first.

    This is what ``TRUNCATE ... CASCADE`` of the seeded tables empties on PostgreSQL,
    worked out from the model graph so that other backends can delete in order.
    """
    chosen = {apps.get_model(app, name) for app, name in SEEDED_MODELS}
    all_models = apps.get_models(include_auto_created=True)
    changed = True
    while changed:
        changed = False
        for model in all_models:
            # Unmanaged models are views (the dashboards' facts), not tables to empty.
            if model in chosen or not model._meta.managed:
                continue
            for field in model._meta.concrete_fields:
                if field.is_relation and field.related_model in chosen:
                    chosen.add(model)
                    changed = True
                    break
    # Dependents first: a model comes before every model it refers to.
    ordered: list[type[models.Model]] = []
    remaining = set(chosen)
    while remaining:
        ready = [
            model
            for model in remaining
            if not any(
                other is not model
                and other in remaining
                and any(
                    f.is_relation and f.related_model is model for f in other._meta.concrete_fields
                )
                for other in remaining
            )
        ]
        if not ready:  # a cycle: fall back to any order (deferred constraints cope)
            ready = list(remaining)
        for model in sorted(ready, key=lambda m: m._meta.db_table):
            ordered.append(model)
            remaining.discard(model)
    return ordered


def wipe_seeded_tables() -> list[str]:
    """Empty the seeded tables (and those that refer to them); returns the table names."""
    models_to_wipe = tables_to_wipe()
    tables = [model._meta.db_table for model in models_to_wipe]
    quoted = ", ".join(connection.ops.quote_name(table) for table in tables)
    with connection.cursor() as cursor:
        if is_postgresql():
            cursor.execute(f"TRUNCATE {quoted} RESTART IDENTITY CASCADE")
        else:
            for table in tables:
                cursor.execute(f"DELETE FROM {connection.ops.quote_name(table)}")  # noqa: S608
            if connection.vendor == "sqlite":
                cursor.execute(
                    "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'sqlite_sequence'"
                )
                if cursor.fetchone():
                    # Restart the ids of the emptied tables, as RESTART IDENTITY does.
                    for table in tables:
                        cursor.execute("DELETE FROM sqlite_sequence WHERE name = %s", [table])
    return tables


def delete_users(usernames_q) -> int:
    """Delete the demo and worker accounts (the ORM clears their groups and log entries)."""
    deleted, _ = get_user_model().objects.filter(usernames_q).delete()
    return deleted
