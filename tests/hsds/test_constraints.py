"""The import ledger's constraint is enforced by the database."""

import pytest
from django.contrib.contenttypes.models import ContentType

from hsds.models import ImportedRecord
from services.models import Service
from tests.integrity import violates

pytestmark = pytest.mark.django_db


def test_one_row_per_source_record_and_type():
    service_type = ContentType.objects.get_for_model(Service)
    ImportedRecord.objects.create(source="a", hsds_id="x", content_type=service_type, object_id=1)
    ImportedRecord.objects.create(source="b", hsds_id="x", content_type=service_type, object_id=2)
    with violates("hsds_imported_record_unique"):
        ImportedRecord.objects.create(
            source="a", hsds_id="x", content_type=service_type, object_id=3
        )
