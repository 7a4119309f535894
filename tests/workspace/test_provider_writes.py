"""The provider page writes through the directory's actions: each changed row is one
action with one change-audit row (via the workspace); a refusal stands by its row and
field with the same message as in the admin and the API, and nothing of the page is
saved."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from core.models import AuditEntry
from services.models import Capacity, OpeningHours
from tests.factories import (
    CapacityFactory,
    OrganisationFactory,
    ServiceAtSiteFactory,
    ServiceFactory,
    SiteFactory,
)
from tests.workspace.test_provider import make_site, new_row_of, page_data, row_of

pytestmark = pytest.mark.django_db

URL = reverse("workspace:provider")
FREE_PLACES_RULE = "Free places must be between zero and the total."
SAME_TIMES_RULE = "Opening and closing times cannot be the same."


@pytest.fixture
def own(provider_organisation):
    return make_site(provider_organisation, "Casa Aurora")


def test_each_changed_row_writes_one_audit_row_via_the_workspace(login, provider_staff, own):
    offering, capacity, hours = own
    client = login(provider_staff)
    response = client.get(URL)
    data = page_data(response)
    data[f"{row_of(response, capacity)}-available"] = "6"
    data[f"{row_of(response, hours, 'hours_formset')}-closes_at"] = "18:00"
    new = new_row_of(response, offering)
    data.update({f"{new}-weekday": "3", f"{new}-opens_at": "09:00", f"{new}-closes_at": "12:00"})

    assert client.post(URL, data).status_code == 302

    rows = AuditEntry.objects.order_by("at", "pk")
    assert [(row.action, row.fields, row.via, row.actor) for row in rows] == [
        ("capacity_update", ["available"], "workspace", provider_staff),
        ("hours_update", ["closes_at"], "workspace", provider_staff),
        ("hours_add", ["closes_at", "opens_at", "weekday"], "workspace", provider_staff),
    ]
    capacity.refresh_from_db()
    assert (capacity.available, capacity.version) == (6, 2)


def test_an_unchanged_page_writes_nothing(login, provider_staff, own):
    client = login(provider_staff)
    assert client.post(URL, page_data(client.get(URL))).status_code == 302
    assert not AuditEntry.objects.exists()
    _offering, capacity, _hours = own
    capacity.refresh_from_db()
    assert capacity.version == 1


def test_a_refused_row_keeps_the_whole_page_unsaved(login, provider_staff, own):
    offering, capacity, hours = own
    client = login(provider_staff)
    response = client.get(URL)
    data = page_data(response)
    hours_row = row_of(response, hours, "hours_formset")
    data[f"{hours_row}-closes_at"] = "09:00"  # opens at 09:00 too
    data[f"{row_of(response, capacity)}-available"] = "4"  # fine on its own

    response = client.post(URL, data)

    assert response.status_code == 400
    form = next(f for f in response.context["hours_formset"].forms if f.prefix == hours_row)
    assert form.errors == {"opens_at": [SAME_TIMES_RULE]}
    capacity.refresh_from_db()
    hours.refresh_from_db()
    assert (capacity.available, capacity.version) == (3, 1)
    assert hours.closes_at == datetime.time(17)
    offering.refresh_from_db()
    assert offering.version == 1
    assert not AuditEntry.objects.exists()


def test_free_places_above_the_total_are_refused_with_the_domains_message(
    login, provider_staff, own
):
    _offering, capacity, _hours = own
    client = login(provider_staff)
    response = client.get(URL)
    data = page_data(response)
    row = row_of(response, capacity)
    data[f"{row}-available"] = "11"
    response = client.post(URL, data)
    assert response.status_code == 400
    form = next(f for f in response.context["capacity_formset"].forms if f.prefix == row)
    assert form.errors == {"available": [FREE_PLACES_RULE]}
    assert Capacity.objects.get(pk=capacity.pk).available == 3
    assert not AuditEntry.objects.exists()


def test_a_stale_row_is_a_conflict_and_writes_no_audit(login, provider_staff, own):
    _offering, capacity, _hours = own
    client = login(provider_staff)
    response = client.get(URL)
    data = page_data(response)
    Capacity.objects.filter(pk=capacity.pk).update(version=2, available=Decimal(2))
    data[f"{row_of(response, capacity)}-available"] = "5"
    response = client.post(URL, data)
    assert response.status_code == 409
    [row] = response.context["conflict"]
    assert (row["available"], row["your_available"]) == (Decimal(2), Decimal(5))
    assert Capacity.objects.get(pk=capacity.pk).available == 2
    assert not AuditEntry.objects.exists()


def test_rows_of_another_organisations_service_at_an_own_site_are_not_offered(
    login, provider_staff, provider_organisation, own
):
    # The page writes what the actions let the staff write: services their organisation
    # runs. Another organisation's service hosted at their site is that organisation's.
    site = SiteFactory(organisation=provider_organisation, name="Casa Ospite")
    guest = ServiceAtSiteFactory(
        service=ServiceFactory(organisation=OrganisationFactory(), name="Guest service"),
        site=site,
    )
    guest_capacity = CapacityFactory(offering=guest)
    response = login(provider_staff).get(URL)
    assert response.status_code == 200
    listed = {form.instance.pk for form in response.context["capacity_formset"].forms}
    assert guest_capacity.pk not in listed
    assert own[1].pk in listed
    assert not OpeningHours.objects.filter(offering=guest).exists()
