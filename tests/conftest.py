"""The test database's flush, past the append-only triggers.

A transactional test (live server, ``transactional_db``) ends with Django's ``flush``,
which TRUNCATEs every table, the access log and the change audit included; their
triggers refuse a TRUNCATE (core/append_only.py). The test run alone lets its own flush
through them, with pgtrigger's ignore, which names exactly those triggers: no test body
runs with them off, and production has no such switch in its code.
"""

from __future__ import annotations

import pgtrigger
import pytest
from django.core.management.commands import flush


@pytest.fixture(autouse=True, scope="session")
def _flush_past_append_only_triggers():
    original = flush.Command.handle

    def handle(self, **options):
        with pgtrigger.ignore(
            "core.AccessLogEntry:access_log_no_truncate",
            "core.AuditEntry:audit_entry_no_truncate",
        ):
            return original(self, **options)

    flush.Command.handle = handle
    yield
    flush.Command.handle = original
