"""The one optimistic-lock helper (core/locking.py): a write against another version than
the stored one is refused as stale, and the row is read under a lock of its own row only,
so that two writers from the same version cannot both win."""

import threading
import time

import pytest
from django.db import connection, transaction
from django.db.transaction import TransactionManagementError
from django.test.utils import CaptureQueriesContext

from beneficiaries.models import Case
from core.errors import STALE, ActionError
from core.locking import check_version, locked
from tests.factories import CaseFactory, OrganisationFactory


@pytest.mark.django_db
@pytest.mark.parametrize("expected", [None, 1])
def test_the_version_read_or_none_passes(expected):
    case = CaseFactory()
    check_version(case, expected)


@pytest.mark.django_db
def test_another_version_is_refused_as_stale_on_the_version_field():
    case = CaseFactory()
    case.save()
    with pytest.raises(ActionError) as refused:
        check_version(case, 1)
    assert refused.value.kind == STALE
    assert refused.value.message_dict == {
        "version": [
            "Someone else changed this record since you read it (now version 2, you sent 1): "
            "read it again."
        ]
    }


@pytest.mark.django_db
def test_locked_reads_the_row_for_update_of_its_own_table_only():
    case = CaseFactory()
    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        found = locked(Case.objects.select_related("organisation"), case.pk)
    assert found == case
    assert found.organisation == case.organisation
    sql = queries.captured_queries[-1]["sql"]
    assert 'FOR UPDATE OF "beneficiaries_case"' in sql


@pytest.mark.django_db
def test_locked_reads_only_within_the_queryset():
    """The caller's scope is the queryset: a row outside it is not found, never locked."""
    case = CaseFactory()
    elsewhere = Case.objects.filter(organisation=OrganisationFactory())
    with transaction.atomic(), pytest.raises(Case.DoesNotExist):
        locked(elsewhere, case.pk)


@pytest.mark.django_db(transaction=True)
def test_a_second_writer_waits_and_then_finds_the_version_moved_on(reference_data):
    """Both read version 1; the first holds the lock and saves; the second, blocked until
    then, reads version 2 under its lock and is refused."""
    case = CaseFactory()
    # Outside the action's transaction the lock would end at once: refused.
    with pytest.raises(TransactionManagementError):
        locked(Case.objects.all(), case.pk)
    first_has_lock, outcome = threading.Event(), {}

    def first() -> None:
        try:
            with transaction.atomic():
                row = locked(Case.objects.all(), case.pk)
                check_version(row, 1)
                first_has_lock.set()
                time.sleep(0.3)
                row.plan_summary = "First."
                row.save()
        finally:
            connection.close()

    def second() -> None:
        first_has_lock.wait(timeout=10)
        try:
            with transaction.atomic():
                row = locked(Case.objects.all(), case.pk)
                outcome["version_read"] = row.version
                check_version(row, 1)
                row.plan_summary = "Second."
                row.save()
        except ActionError as error:
            outcome["kind"] = error.kind
        finally:
            connection.close()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert outcome == {"version_read": 2, "kind": STALE}
    stored = Case.objects.get(pk=case.pk)
    assert (stored.plan_summary, stored.version) == ("First.", 2)
