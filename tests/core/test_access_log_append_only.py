"""The access log and the change audit are append-only in the database (PostgreSQL
triggers, core/append_only.py): the application's own connection cannot change, delete
or truncate them, except deleting rows past the 24-month retention."""

# The table names in the SQL below are the two constants of TABLES, never input.
# ruff: noqa: S608

from __future__ import annotations

import datetime

import pytest
from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from core.append_only import MIN_RETENTION_DAYS
from core.models import AccessLogEntry, AuditEntry
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

OLD = timezone.now() - datetime.timedelta(days=MIN_RETENTION_DAYS + 5)
RECENT = timezone.now() - datetime.timedelta(days=MIN_RETENTION_DAYS - 5)


def access_row(*, at=None, actor=None) -> LogEntry:
    # Backdated the only way the triggers allow: inserted with that time.
    return LogEntry.objects.create(
        timestamp=at or timezone.now(),
        content_type=ContentType.objects.get_for_model(AuditEntry),
        object_pk="42",
        object_repr="core.auditentry 42",
        action=LogEntry.Action.ACCESS,
        actor=actor,
        actor_email=actor.email if actor else None,
        remote_addr="192.0.2.10",
        additional_data={"via": "api", "path": "/api/v1/x/"},
    )


def audit_row(*, at=None) -> AuditEntry:
    entry = AuditEntry.objects.create(
        action="case_open",
        target_type=ContentType.objects.get_for_model(AuditEntry),
        target_id="7",
        fields=["status"],
        via="admin",
    )
    if at is not None:
        # auto_now_add: written once, at insert; a raw INSERT sets an older time.
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO core_auditentry (at, action, target_type_id, target_id, fields,"
                " details, via) SELECT %s, action, target_type_id, target_id, fields, details,"
                " via FROM core_auditentry WHERE id = %s RETURNING id",
                [at, entry.pk],
            )
            entry = AuditEntry.objects.get(pk=cursor.fetchone()[0])
    return entry


def refused(sql: str, params=()) -> str:
    """Run ``sql`` in a savepoint; the database's refusal message."""
    with pytest.raises(DatabaseError) as caught, transaction.atomic(), connection.cursor() as cur:
        cur.execute(sql, params)
    return str(caught.value)


TABLES = [("auditlog_logentry", access_row), ("core_auditentry", audit_row)]


@pytest.mark.parametrize(("table", "make"), TABLES, ids=["access-log", "change-audit"])
def test_update_is_refused(table, make):
    row = make()
    message = refused(f"UPDATE {table} SET id = id WHERE id = %s", [row.pk])
    assert f"{table} is append-only: its rows are never changed" in message
    message = refused(f"UPDATE {table} SET id = id")
    assert "append-only" in message


@pytest.mark.parametrize(("table", "make"), TABLES, ids=["access-log", "change-audit"])
def test_delete_of_a_recent_row_is_refused(table, make):
    row = make(at=RECENT)
    message = refused(f"DELETE FROM {table} WHERE id = %s", [row.pk])
    assert f"{table} is append-only: a row is kept at least 730 days (24 months)" in message
    assert refused(f"DELETE FROM {table}")


@pytest.mark.parametrize(("table", "make"), TABLES, ids=["access-log", "change-audit"])
def test_delete_of_a_row_past_the_retention_is_allowed(table, make):
    old, recent = make(at=OLD), make()
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {table} WHERE id = %s", [old.pk])
        assert cursor.rowcount == 1
    model = type(recent)
    assert list(model.objects.filter(pk__in=[old.pk, recent.pk])) == [recent]


@pytest.mark.parametrize(("table", "make"), TABLES, ids=["access-log", "change-audit"])
def test_truncate_is_refused(table, make):
    make(at=OLD)
    with connection.cursor() as cursor:
        # The test's transaction holds deferred foreign-key checks of the insert, which
        # would refuse a TRUNCATE on their own: run them now.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    message = refused(f"TRUNCATE {table} CASCADE")
    assert f"{table} is append-only: it cannot be truncated" in message


def test_the_orm_meets_the_same_refusal():
    row = access_row()
    with pytest.raises(DatabaseError), transaction.atomic():
        LogEntry.objects.filter(pk=row.pk).update(object_pk="43")
    with pytest.raises(DatabaseError), transaction.atomic():
        AccessLogEntry.objects.all().delete()
    entry = audit_row()
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEntry.objects.filter(pk=entry.pk).update(fields=[])
    with pytest.raises(DatabaseError), transaction.atomic():
        entry.delete()
    assert LogEntry.objects.filter(pk=row.pk, object_pk="42").exists()
    assert AuditEntry.objects.filter(pk=entry.pk, fields=["status"]).exists()


def test_deleting_an_account_unlinks_its_rows_and_changes_nothing_else():
    """Django's SET_NULL is the one UPDATE let through: the row keeps the e-mail."""
    reader = UserFactory(email="reader@example.org")
    row = access_row(actor=reader)
    reader.delete()
    row.refresh_from_db()
    assert (row.actor_id, row.actor_email, row.object_pk) == (None, "reader@example.org", "42")
    # Anything more in the same statement is refused.
    other = UserFactory()
    row2 = access_row(actor=other)
    message = refused(
        "UPDATE auditlog_logentry SET actor_id = NULL, remote_addr = '10.0.0.1' WHERE id = %s",
        [row2.pk],
    )
    assert "append-only" in message


def test_auditlogflush_refuses_with_the_retention():
    access_row()
    for options in ({"yes": True}, {"yes": True, "truncate": True}):
        with pytest.raises(CommandError) as caught:
            call_command("auditlogflush", **options)
        assert "The access log is append-only" in str(caught.value)
        assert "at least 730 days" in str(caught.value)
    recent_day = timezone.localdate() - datetime.timedelta(days=10)
    with pytest.raises(CommandError):
        call_command("auditlogflush", yes=True, before_date=recent_day)
    assert LogEntry.objects.count() == 1


def test_auditlogflush_expired_deletes_only_rows_past_the_retention(capsys):
    old, recent = access_row(at=OLD), access_row(at=RECENT)
    call_command("auditlogflush", expired=True, yes=True)
    assert list(LogEntry.objects.values_list("pk", flat=True)) == [recent.pk]
    assert "Deleted 1 access-log entries" in capsys.readouterr().out
    assert not LogEntry.objects.filter(pk=old.pk).exists()


def test_auditlogflush_is_ours(settings):
    from django.core.management import get_commands

    assert get_commands()["auditlogflush"] == "core"


@pytest.mark.django_db(transaction=True)
def test_a_transactional_test_still_ends_with_the_flush(reference_data):
    """The test run's own flush passes the TRUNCATE triggers (tests/conftest.py); the
    triggers are on while the test runs."""
    access_row()
    audit_row()
    message = refused("UPDATE auditlog_logentry SET object_pk = '0'")
    assert "append-only" in message
    message = refused("TRUNCATE core_auditentry CASCADE")
    assert "cannot be truncated" in message


def test_after_the_flush_the_tables_are_empty():
    assert not LogEntry.objects.exists() and not AuditEntry.objects.exists()
