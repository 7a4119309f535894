"""Two partners change the same capacity (or answer the same referral) at the same
moment, both from version 1: the row lock makes one wait, and it then finds the version
moved on and gets 412 — the first change is kept, never silently overwritten. Real
threads, real connections."""

import threading

import pytest
from django.db import connection
from rest_framework.test import APIClient

from beneficiaries.models import Referral, ReferralStatus
from core.models import AuditEntry
from services.models import Capacity, Role
from tests.factories import (
    BeneficiaryFactory,
    CapacityFactory,
    CaseFactory,
    MembershipFactory,
    OrganisationFactory,
    ReferralFactory,
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


@pytest.mark.django_db(transaction=True)
def test_simultaneous_referral_moves_from_the_same_version_keep_the_first(reference_data):
    """Two of the provider's staff answer the same referral at once, both from version 1:
    the action's row lock makes one wait and its version check refuses it (412), so the
    referral moves once and the change audit holds exactly one row."""
    organisation = OrganisationFactory()
    provider = OrganisationFactory()
    staff = [UserFactory(), UserFactory()]
    for user in staff:
        MembershipFactory(user=user, organisation=provider, role=Role.PROVIDER_STAFF)
    case = CaseFactory(beneficiary=BeneficiaryFactory(registered_by=organisation))
    referral = ReferralFactory(case=case, service=ServiceFactory(organisation=provider))
    url = f"/api/v1/referrals/{referral.pk}/"
    start = threading.Barrier(2)
    answers: dict[str, int] = {}

    def answer(user, status: str) -> None:
        client = APIClient()
        client.force_authenticate(user)
        start.wait()
        try:
            response = client.patch(url, {"status": status}, format="json", HTTP_IF_MATCH='"1"')
            answers[status] = response.status_code
        finally:
            connection.close()

    moves = zip(staff, (ReferralStatus.ACCEPTED, ReferralStatus.WAITING), strict=True)
    threads = [threading.Thread(target=answer, args=move) for move in moves]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(answers.values()) == [200, 412]
    winner = next(status for status, code in answers.items() if code == 200)
    stored = Referral.objects.get(pk=referral.pk)
    assert (stored.status, stored.version) == (winner, 2)
    entry = AuditEntry.objects.get(target_id=str(referral.pk))
    assert (entry.action, entry.via, entry.details["to"]) == ("referral_move", "api", winner)
