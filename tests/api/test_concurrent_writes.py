"""Two partners change the same capacity at the same moment, both from version 1: the
row lock makes one wait, and it then finds the version moved on and gets 412 — the first
change is kept, never silently overwritten. Real threads, real connections."""

import threading

import pytest
from django.db import connection
from rest_framework.test import APIClient

from services.models import Capacity, Role
from tests.factories import (
    CapacityFactory,
    MembershipFactory,
    ServiceAtSiteFactory,
    ServiceFactory,
    SiteFactory,
    UserFactory,
)


@pytest.mark.django_db(transaction=True)
def test_simultaneous_updates_from_the_same_version_keep_the_first(reference_data):
    staff = UserFactory()
    membership = MembershipFactory(user=staff, role=Role.PROVIDER_STAFF)
    organisation = membership.organisation
    offering = ServiceAtSiteFactory(
        service=ServiceFactory(organisation=organisation),
        site=SiteFactory(organisation=organisation),
    )
    capacity = CapacityFactory(offering=offering, total=20, available=10)
    url = f"/api/v1/capacities/{capacity.pk}/"
    start = threading.Barrier(2)
    answers: dict[int, int] = {}

    def change(available: int) -> None:
        client = APIClient()
        client.force_authenticate(staff)
        start.wait()
        try:
            response = client.patch(
                url, {"available": available}, format="json", HTTP_IF_MATCH='"1"'
            )
            answers[available] = response.status_code
        finally:
            connection.close()

    threads = [threading.Thread(target=change, args=(value,)) for value in (4, 7)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(answers.values()) == [200, 412]
    winner = next(value for value, status in answers.items() if status == 200)
    stored = Capacity.objects.get(pk=capacity.pk)
    assert stored.available == winner
    assert stored.version == 2
