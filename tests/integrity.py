"""Helpers for tests that prove the database itself refuses a write."""

from contextlib import contextmanager

import pytest
from django.db import IntegrityError, transaction


@contextmanager
def violates(constraint: str):
    """Expect the block to fail in the database with IntegrityError on ``constraint``.

    The block runs in its own savepoint, so the test can go on using the connection.
    The constraint name comes from PostgreSQL's error report, so a failure for another
    reason (e.g. a different constraint) does not pass for this one.
    """
    with pytest.raises(IntegrityError) as excinfo, transaction.atomic():
        yield
    assert constraint_name(excinfo.value) == constraint


def constraint_name(error: IntegrityError) -> str | None:
    """The name of the constraint PostgreSQL reports for an IntegrityError."""
    return error.__cause__.diag.constraint_name
