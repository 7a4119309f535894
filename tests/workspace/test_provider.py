"""The provider screen: free places and opening hours of every site, saved together."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from services.models import Capacity, CapacityUnit, OpeningHours
from tests.factories import (
    CapacityFactory,
    OpeningHoursFactory,
    OrganisationFactory,
    ServiceAtSiteFactory,
    ServiceFactory,
    SiteFactory,
)

pytestmark = pytest.mark.django_db

URL = reverse("workspace:provider")


@pytest.fixture(autouse=True)
def english(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"


def make_site(organisation, name, service_name="Dormitory"):
    site = SiteFactory(organisation=organisation, name=name)
    offering = ServiceAtSiteFactory(
        service=ServiceFactory(organisation=organisation, name=service_name), site=site
    )
    capacity = CapacityFactory(offering=offering, total=Decimal(10), available=Decimal(3))
    hours = OpeningHoursFactory(offering=offering, weekday=1)
    return offering, capacity, hours


@pytest.fixture
def own(provider_organisation):
    return make_site(provider_organisation, "Casa Aurora")


@pytest.fixture
def foreign():
    return make_site(OrganisationFactory(), "Other provider's house", "Foreign dormitory")


def page_data(response) -> dict:
    """What the browser would send back for the page as shown."""
    data = {}
    for formset in (response.context["capacity_formset"], response.context["hours_formset"]):
        management = formset.management_form
        for name in management.fields:
            data[management[name].html_name] = management[name].value()
        for form in formset.forms:
            for name in form.fields:
                value = form[name].value()
                if name == "DELETE":
                    continue
                if isinstance(value, datetime.time):
                    value = value.strftime("%H:%M")
                data[form[name].html_name] = "" if value is None else value
    return data


def row_of(response, instance, formset="capacity_formset") -> str:
    for form in response.context[formset].forms:
        if form.instance.pk == instance.pk:
            return form.prefix
    raise AssertionError("row not on the page")


def new_row_of(response, offering) -> str:
    for form in response.context["hours_formset"].forms:
        if not form.instance.pk and form.initial.get("offering") == offering.pk:
            return form.prefix
    raise AssertionError("no new row for this offering")


def test_only_the_providers_sites_are_listed(login, provider_staff, own, foreign):
    response = login(provider_staff).get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Casa Aurora" in html and "Dormitory" in html
    assert "Other provider" not in html and "Foreign dormitory" not in html
    assert 'value="3"' in html and 'value="10"' in html and "beds" in html
    assert 'value="09:00"' in html and 'value="17:00"' in html


def test_social_worker_has_no_provider_screen(login, social_worker):
    assert login(social_worker).get(URL).status_code == 403


def test_saves_free_places_and_opening_hours(login, provider_staff, own):
    offering, capacity, hours = own
    client = login(provider_staff)
    response = client.get(URL)
    data = page_data(response)
    cap = row_of(response, capacity)
    data[f"{cap}-available"] = "5"
    row = row_of(response, hours, "hours_formset")
    data[f"{row}-DELETE"] = "on"
    new = new_row_of(response, offering)
    data.update({f"{new}-weekday": "6", f"{new}-opens_at": "20:00", f"{new}-closes_at": "08:00"})
    response = client.post(URL, data)
    assert response.status_code == 302
    capacity.refresh_from_db()
    assert capacity.available == 5 and capacity.version == 2
    saved = list(OpeningHours.objects.filter(offering=offering).values_list("weekday", "opens_at"))
    # A night shelter's hours run past midnight (closes_at < opens_at), as the model allows.
    assert saved == [(6, datetime.time(20))]
    assert "Free places and opening hours saved." in client.get(URL).content.decode()


def test_changes_existing_hours(login, provider_staff, own):
    _offering, _capacity, hours = own
    client = login(provider_staff)
    response = client.get(URL)
    data = page_data(response)
    row = row_of(response, hours, "hours_formset")
    data[f"{row}-opens_at"] = "08:30"
    assert client.post(URL, data).status_code == 302
    hours.refresh_from_db()
    assert hours.opens_at == datetime.time(8, 30)


def test_invalid_rows_save_nothing(login, provider_staff, own):
    offering, capacity, _hours = own
    client = login(provider_staff)
    response = client.get(URL)
    data = page_data(response)
    cap = row_of(response, capacity)
    data[f"{cap}-available"] = "12"
    new = new_row_of(response, offering)
    data.update({f"{new}-weekday": "2", f"{new}-opens_at": "10:00", f"{new}-closes_at": "10:00"})
    response = client.post(URL, data)
    assert response.status_code == 400
    html = response.content.decode()
    assert 'role="alert"' in html
    assert "Casa Aurora – Dormitory (beds)" in html
    message = "Free places must be between zero and the total."
    assert message in html
    # The message stands by the field it is about, which points at it.
    form = next(f for f in response.context["capacity_formset"].forms if f.prefix == cap)
    assert form.errors["available"] == [message]
    assert f'aria-describedby="id_{cap}-available-error"' in html
    assert "Opening and closing times cannot be the same." in html
    capacity.refresh_from_db()
    assert capacity.available == 3 and capacity.version == 1
    assert OpeningHours.objects.filter(offering=offering).count() == 1


def test_incomplete_new_row_is_refused(login, provider_staff, own):
    offering, capacity, _hours = own
    client = login(provider_staff)
    response = client.get(URL)
    data = page_data(response)
    data[f"{row_of(response, capacity)}-available"] = "4"
    data[f"{new_row_of(response, offering)}-weekday"] = "3"
    response = client.post(URL, data)
    assert response.status_code == 400
    assert "This field is required." in response.content.decode()
    capacity.refresh_from_db()
    assert capacity.available == 3


def test_another_providers_rows_are_rejected(login, provider_staff, own, foreign):
    offering, capacity, hours = own
    foreign_offering, foreign_capacity, foreign_hours = foreign
    client = login(provider_staff)
    response = client.get(URL)

    data = page_data(response)
    cap = row_of(response, capacity)
    data[f"{cap}-id"] = str(foreign_capacity.pk)
    data[f"{cap}-available"] = "0"
    response_post = client.post(URL, data)
    assert response_post.status_code == 400
    assert "This row is not one of your organisation&#x27;s" in response_post.content.decode()
    foreign_capacity.refresh_from_db()
    assert foreign_capacity.available == 3

    data = page_data(response)
    new = new_row_of(response, offering)
    data.update(
        {
            f"{new}-offering": str(foreign_offering.pk),
            f"{new}-weekday": "2",
            f"{new}-opens_at": "10:00",
            f"{new}-closes_at": "12:00",
        }
    )
    assert client.post(URL, data).status_code == 400
    assert OpeningHours.objects.filter(offering=foreign_offering).count() == 1

    data = page_data(response)
    row = row_of(response, hours, "hours_formset")
    data[f"{row}-id"] = str(foreign_hours.pk)
    data[f"{row}-DELETE"] = "on"
    response_post = client.post(URL, data)
    assert response_post.status_code == 400
    assert "A row to delete is not one of your organisation" in response_post.content.decode()
    assert OpeningHours.objects.filter(pk=foreign_hours.pk).exists()


def test_stale_capacity_is_a_conflict(login, provider_staff, own):
    offering, capacity, _hours = own
    client = login(provider_staff)
    response = client.get(URL)
    data = page_data(response)
    Capacity.objects.get(pk=capacity.pk).save()  # someone else saved meanwhile
    data[f"{row_of(response, capacity)}-available"] = "1"
    new = new_row_of(response, offering)
    data.update({f"{new}-weekday": "2", f"{new}-opens_at": "10:00", f"{new}-closes_at": "12:00"})
    response = client.post(URL, data)
    assert response.status_code == 409
    html = response.content.decode()
    assert "Someone else changed free places meanwhile" in html
    assert "Casa Aurora – Dormitory (beds)" in html
    capacity.refresh_from_db()
    assert capacity.available == 3 and capacity.version == 2
    assert OpeningHours.objects.filter(offering=offering).count() == 1
    # The page now carries the current version: saving again works.
    data = page_data(response)
    data[f"{row_of(response, capacity)}-available"] = "1"
    assert client.post(URL, data).status_code == 302
    capacity.refresh_from_db()
    assert capacity.available == 1


def test_queries_do_not_grow_with_sites(login, provider_staff, provider_organisation, own):
    client = login(provider_staff)
    with CaptureQueriesContext(connection) as few:
        client.get(URL)
    for number in range(8):
        offering, _, _ = make_site(provider_organisation, f"House {number}")
        CapacityFactory(offering=offering, unit=CapacityUnit.PLACES)
    with CaptureQueriesContext(connection) as many:
        response = client.get(URL)
    assert len(response.context["sites"]) == 9
    assert len(many) == len(few)
