"""The change audit's invariants held by the database itself."""

import pytest
from django.contrib.contenttypes.models import ContentType

from core.models import AuditEntry
from tests.integrity import violates

pytestmark = pytest.mark.django_db


def test_audit_via_known():
    target_type = ContentType.objects.get_for_model(AuditEntry)
    AuditEntry.objects.create(action="case_open", target_type=target_type, target_id="1", via="api")
    with violates("audit_via_known"):
        AuditEntry.objects.create(
            action="case_open", target_type=target_type, target_id="1", via="telepathy"
        )
