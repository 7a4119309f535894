"""Append-only tables, held by the database: the access log and the change audit.

Three triggers per table (django-pgtrigger, PostgreSQL only; the embedded SQLite default
has none): UPDATE refused (``allow_update`` may name one exception), DELETE refused for a
row younger than ``MIN_RETENTION_DAYS`` (older rows may be purged), TRUNCATE refused.
The application's own code, the admin, ``auditlogflush`` and a raw ``UPDATE`` from a
flawed query all meet the same refusal, with a message that says why.

What a trigger cannot stop: the owner of a table may drop its triggers. In production the
application should connect as a role that does not own the tables (the migrations run as
the owner), so that the triggers stand between the application and its own audit trail.

The retention is a constant, not a setting, because the trigger's SQL lives in a
migration: ``ACCESS_LOG_RETENTION_DAYS`` (the purge's) may be longer, never shorter.
"""

from __future__ import annotations

import pgtrigger

# Rows younger than this are never deleted (24 months): the database refuses.
MIN_RETENTION_DAYS = 730


def _raise(message: str) -> str:
    # ``%`` is TG_TABLE_NAME; the text is ours, never data (no quoting needed beyond this).
    return f"RAISE EXCEPTION '{message}', TG_TABLE_NAME USING ERRCODE = 'insufficient_privilege';"


def append_only_triggers(
    prefix: str, *, timestamp_column: str, allow_update: str | None = None
) -> list[pgtrigger.Trigger]:
    """The three triggers of an append-only table whose row time is ``timestamp_column``.

    ``allow_update``: an SQL condition on OLD/NEW under which an UPDATE is let through
    (e.g. the SET NULL of a deleted account); None refuses every UPDATE.
    """
    update_condition = pgtrigger.Condition(f"NOT ({allow_update})") if allow_update else None
    return [
        pgtrigger.Trigger(
            name=f"{prefix}_no_update",
            when=pgtrigger.Before,
            operation=pgtrigger.Update,
            condition=update_condition,
            func=_raise("% is append-only: its rows are never changed"),
        ),
        pgtrigger.Trigger(
            name=f"{prefix}_retention",
            when=pgtrigger.Before,
            operation=pgtrigger.Delete,
            condition=pgtrigger.Condition(
                f"OLD.\"{timestamp_column}\" > now() - interval '{MIN_RETENTION_DAYS} days'"
            ),
            func=_raise(
                f"% is append-only: a row is kept at least {MIN_RETENTION_DAYS} days "
                "(24 months) and cannot be deleted before"
            ),
        ),
        pgtrigger.Trigger(
            name=f"{prefix}_no_truncate",
            level=pgtrigger.Statement,
            when=pgtrigger.Before,
            operation=pgtrigger.Truncate,
            func=_raise(
                f"% is append-only: it cannot be truncated (rows older than "
                f"{MIN_RETENTION_DAYS} days may be deleted)"
            ),
        ),
    ]
