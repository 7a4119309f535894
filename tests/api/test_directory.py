"""The public directory API at /api/v1/ (issue 3, first slice).

* every endpoint answers anonymous callers with the exact JSON below;
* only active organisations, listed services (active, temporarily closed) and active
  sites appear, and a hidden record's detail answers 404;
* each filter narrows the list; a category takes in its sub-categories;
* an unknown query parameter or ordering answers 400 naming it;
* the address and coordinates of a confidential site (or of one hosting a confidential
  service) reach only the active members of the owning organisation;
* cursor pages are capped at 200 rows, and a list makes as many queries for 100 rows as
  for 10.
"""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from registry.models import MetropolitanCity, ZoneKind
from services.models import LegalForm, Role, ServiceCategory, ServiceStatus
from tests.factories import (
    LanguageFactory,
    MembershipFactory,
    MetropolitanCityFactory,
    MunicipalityFactory,
    OrganisationFactory,
    ServiceAtSiteFactory,
    ServiceFactory,
    SiteFactory,
    UserFactory,
    ZoneFactory,
)

pytestmark = pytest.mark.django_db

API = "/api/v1/"


@pytest.fixture
def api():
    return APIClient()


def stamp(obj) -> str:
    """``updated_at`` as the API writes it: ISO 8601 in the project's time zone."""
    obj.refresh_from_db(fields=["updated_at"])
    return timezone.localtime(obj.updated_at).isoformat()


def get(api, endpoint, expected_status=200, **params):
    response = api.get(f"{API}{endpoint}/", params)
    assert response.status_code == expected_status, response.content
    return response.json()


def ids(api, endpoint, **params) -> list[int]:
    return [row["id"] for row in get(api, endpoint, **params)["results"]]


@pytest.fixture
def place():
    """A metropolitan city with two municipalities, each in its own zone."""
    metro = MetropolitanCityFactory(
        istat_code="299", name="Città metropolitana di Prova", slug="prova", region="Lazio"
    )
    centre = MunicipalityFactory(
        metropolitan_city=metro,
        istat_code="999001",
        cadastral_code="W901",
        name="Provalta",
        population=120_000,
        population_year=2021,
        centroid_lat=41.8,
        centroid_lon=12.6,
        boundary={"type": "Polygon", "coordinates": []},
    )
    suburb = MunicipalityFactory(metropolitan_city=metro, istat_code="999002", name="Provella")
    zone = ZoneFactory(
        metropolitan_city=metro, code="ATS-P1", name="Ambito Provalta", municipalities=[centre]
    )
    other_zone = ZoneFactory(metropolitan_city=metro, municipalities=[suburb])
    return {
        "metro": metro,
        "centre": centre,
        "suburb": suburb,
        "zone": zone,
        "other_zone": other_zone,
    }


@pytest.fixture
def directory(place):
    """A cooperative running a night shelter with a site in the centre."""
    cooperative = OrganisationFactory(
        name="Cooperativa Aurora",
        legal_form=LegalForm.SOCIAL_COOPERATIVE,
        tax_code="12345678903",
        runts_number="4711",
        description="Accoglienza notturna.",
        email="info@aurora.example.org",
        website="https://aurora.example.org",
        phone="06 1234567",
        municipality=place["centre"],
    )
    shelter = ServiceFactory(
        organisation=cooperative,
        name="Dormitorio Aurora",
        alternate_name="Aurora notte",
        description="Posti letto per la notte.",
        categories=[ServiceCategory.objects.get(code="low-threshold.night-shelter")],
        eligibility_description="Adulti senza dimora.",
        minimum_age=18,
        funding_programme="pnrr",
        funding_description="M5C2 1.3.1",
        application_process="Su invio dei servizi sociali.",
        email="notte@aurora.example.org",
        url="https://aurora.example.org/notte",
    )
    shelter.languages.set([LanguageFactory(code="it"), LanguageFactory(code="en")])
    site = SiteFactory(
        organisation=cooperative,
        name="Sede Aurora",
        address="Via dei Giardini 3",
        postal_code="00100",
        municipality=place["centre"],
        latitude=41.81,
        longitude=12.61,
        barrier_free=True,
    )
    ServiceAtSiteFactory(service=shelter, site=site)
    return {"organisation": cooperative, "service": shelter, "site": site}


# --- Exact JSON ---------------------------------------------------------------------------


def assert_listed_and_retrieved(api, endpoint, expected, **list_params):
    assert get(api, f"{endpoint}/{expected['id']}") == expected
    assert expected in get(api, endpoint, **list_params)["results"]


def test_organisation_json(api, directory):
    cooperative = directory["organisation"]
    expected = {
        "id": cooperative.pk,
        "name": "Cooperativa Aurora",
        "legal_form": "social_cooperative",
        "tax_code": "12345678903",
        "runts_number": "4711",
        "description": "Accoglienza notturna.",
        "email": "info@aurora.example.org",
        "website": "https://aurora.example.org",
        "phone": "06 1234567",
        "municipality": "999001",
        "updated_at": stamp(cooperative),
    }
    assert_listed_and_retrieved(api, "organisations", expected)


def test_service_json(api, directory):
    service = directory["service"]
    expected = {
        "id": service.pk,
        "organisation": directory["organisation"].pk,
        "name": "Dormitorio Aurora",
        "alternate_name": "Aurora notte",
        "description": "Posti letto per la notte.",
        "categories": ["low-threshold.night-shelter"],
        "status": "active",
        "eligibility_description": "Adulti senza dimora.",
        "minimum_age": 18,
        "maximum_age": None,
        "languages": ["en", "it"],
        "free_of_charge": True,
        "fees_description": "",
        "funding_programme": "pnrr",
        "funding_description": "M5C2 1.3.1",
        "application_process": "Su invio dei servizi sociali.",
        "email": "notte@aurora.example.org",
        "url": "https://aurora.example.org/notte",
        "confidential": False,
        "public_contact": "",
        "sites": [directory["site"].pk],
        "updated_at": stamp(service),
        "version": service.version,
    }
    assert_listed_and_retrieved(api, "services", expected)


def test_site_json(api, directory):
    site = directory["site"]
    expected = {
        "id": site.pk,
        "organisation": directory["organisation"].pk,
        "name": "Sede Aurora",
        "address": "Via dei Giardini 3",
        "postal_code": "00100",
        "municipality": "999001",
        "latitude": 41.81,
        "longitude": 12.61,
        "barrier_free": True,
        "confidential": False,
        "public_contact": "",
        "services": [directory["service"].pk],
        "updated_at": stamp(site),
    }
    assert_listed_and_retrieved(api, "sites", expected)


def test_service_category_json(api):
    category = ServiceCategory.objects.get(code="low-threshold.night-shelter")
    expected = {
        "id": category.pk,
        "code": "low-threshold.night-shelter",
        "parent": "low-threshold",
        "name_it": category.name_it,
        "name_en": "Night shelter",
        "description": category.description,
    }
    assert_listed_and_retrieved(api, "service-categories", expected, q="Night shelter")
    root = get(api, f"service-categories/{category.parent_id}")
    assert (root["code"], root["parent"]) == ("low-threshold", None)


def test_municipality_json_has_no_boundary(api, place):
    centre = place["centre"]
    expected = {
        "id": centre.pk,
        "istat_code": "999001",
        "cadastral_code": "W901",
        "name": "Provalta",
        "metropolitan_city": "prova",
        "population": 120_000,
        "population_year": 2021,
        "centroid_lat": 41.8,
        "centroid_lon": 12.6,
    }
    assert_listed_and_retrieved(api, "municipalities", expected, metropolitan_city="prova")


def test_zone_json(api, place):
    zone = place["zone"]
    expected = {
        "id": zone.pk,
        "metropolitan_city": "prova",
        "kind": "ats",
        "code": "ATS-P1",
        "name": "Ambito Provalta",
        "municipalities": ["999001"],
        "parent_municipality": None,
        "population": None,
        "population_year": None,
    }
    assert_listed_and_retrieved(api, "zones", expected, metropolitan_city="prova")


def test_sub_municipal_zone_names_its_parent(api, place):
    municipio = ZoneFactory(
        metropolitan_city=place["metro"],
        kind=ZoneKind.MUNICIPIO,
        parent_municipality=place["centre"],
        population=30_000,
        population_year=2021,
    )
    row = get(api, f"zones/{municipio.pk}")
    assert (row["parent_municipality"], row["municipalities"], row["population"]) == (
        "999001",
        [],
        30_000,
    )


def test_metropolitan_city_json(api, place):
    metro = place["metro"]
    expected = {
        "id": metro.pk,
        "istat_code": "299",
        "name": "Città metropolitana di Prova",
        "slug": "prova",
        "region": "Lazio",
    }
    assert_listed_and_retrieved(api, "metropolitan-cities", expected, q="di Prova")


def test_api_root_lists_the_endpoints_to_anonymous_callers(api):
    response = api.get(API)
    assert response.status_code == 200
    assert set(response.json()) == {
        "organisations",
        "services",
        "sites",
        "service-categories",
        "municipalities",
        "zones",
        "metropolitan-cities",
        "capacities",
        "housing-units",
        "beneficiaries",
        "cases",
        "referrals",
        "placements",
        "coverage-results",
    }


@pytest.mark.parametrize("method", ["post", "put", "delete"])
def test_services_cannot_be_created_replaced_or_deleted_through_the_api(api, directory, method):
    client = APIClient()
    client.force_authenticate(UserFactory(is_superuser=True))
    response = getattr(client, method)(f"{API}services/{directory['service'].pk}/", {})
    assert response.status_code == 405


# --- What is listed -----------------------------------------------------------------------


def test_only_listed_services_appear(api, directory):
    cooperative = directory["organisation"]
    closed = ServiceFactory(organisation=cooperative, status=ServiceStatus.TEMPORARILY_CLOSED)
    inactive = ServiceFactory(organisation=cooperative, status=ServiceStatus.INACTIVE)
    defunct = ServiceFactory(organisation=cooperative, status=ServiceStatus.DEFUNCT)
    listed = ids(api, "services")
    assert directory["service"].pk in listed
    assert closed.pk in listed
    assert inactive.pk not in listed
    assert defunct.pk not in listed
    get(api, f"services/{inactive.pk}", expected_status=404)
    # Nor are they named among a site's services.
    ServiceAtSiteFactory(service=inactive, site=directory["site"])
    assert get(api, f"sites/{directory['site'].pk}")["services"] == [directory["service"].pk]


def test_inactive_sites_are_hidden(api, directory):
    closed_site = SiteFactory(organisation=directory["organisation"], active=False)
    ServiceAtSiteFactory(service=directory["service"], site=closed_site)
    assert closed_site.pk not in ids(api, "sites")
    get(api, f"sites/{closed_site.pk}", expected_status=404)
    assert get(api, f"services/{directory['service'].pk}")["sites"] == [directory["site"].pk]


def test_an_inactive_organisation_is_hidden_with_its_services_and_sites(api, directory):
    directory["organisation"].active = False
    directory["organisation"].save()
    assert directory["organisation"].pk not in ids(api, "organisations")
    assert directory["service"].pk not in ids(api, "services")
    assert directory["site"].pk not in ids(api, "sites")
    for endpoint in ("organisations", "services", "sites"):
        get(api, f"{endpoint}/{directory[endpoint[:-1]].pk}", expected_status=404)


# --- Filters ------------------------------------------------------------------------------


@pytest.fixture
def second(place):
    """Another provider, in the suburb: a barrier-ful day centre in Romanian."""
    organisation = OrganisationFactory(name="Associazione Brezza", municipality=place["suburb"])
    service = ServiceFactory(
        organisation=organisation,
        name="Centro diurno Brezza",
        description="Docce, lavanderia e un pasto caldo a mezzogiorno.",
        categories=[ServiceCategory.objects.get(code="low-threshold.day-centre")],
        status=ServiceStatus.TEMPORARILY_CLOSED,
    )
    service.languages.set([LanguageFactory(code="ro", name_it="rumeno", name_en="Romanian")])
    site = SiteFactory(organisation=organisation, name="Sede Brezza", municipality=place["suburb"])
    ServiceAtSiteFactory(service=service, site=site)
    return {"organisation": organisation, "service": service, "site": site}


def _scoped(api, endpoint, **params):
    """Ids among the test's own metropolitan city (shipped territory data stays out)."""
    return set(ids(api, endpoint, metropolitan_city="prova", **params))


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, {"first", "second"}),
        ({"q": "dormitorio"}, {"first"}),
        ({"q": "pasto caldo"}, {"second"}),
        ({"category": "low-threshold.night-shelter"}, {"first"}),
        ({"category": "low-threshold"}, {"first", "second"}),
        ({"category": "low"}, set()),
        ({"category": "housing"}, set()),
        ({"municipality": "999002"}, {"second"}),
        ({"language": "en"}, {"first"}),
        ({"language": "ro"}, {"second"}),
        ({"status": "temporarily closed"}, {"second"}),
        ({"status": "active"}, {"first"}),
    ],
)
def test_service_filters(api, directory, second, params, expected):
    named = {"first": directory["service"].pk, "second": second["service"].pk}
    assert _scoped(api, "services", **params) == {named[name] for name in expected}


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, {"first", "second"}),
        ({"q": "aurora"}, {"first"}),
        ({"category": "low-threshold.day-centre"}, {"second"}),
        ({"category": "low-threshold"}, {"first", "second"}),
        ({"category": "gender-violence"}, set()),
        ({"municipality": "999001"}, {"first"}),
        ({"language": "ro"}, {"second"}),
        ({"barrier_free": "true"}, {"first"}),
        ({"barrier_free": "false"}, {"second"}),
    ],
)
def test_site_filters(api, directory, second, params, expected):
    named = {"first": directory["site"].pk, "second": second["site"].pk}
    assert _scoped(api, "sites", **params) == {named[name] for name in expected}


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, {"first", "second"}),
        ({"q": "brezza"}, {"second"}),
        ({"municipality": "999001"}, {"first"}),
    ],
)
def test_organisation_filters(api, directory, second, params, expected):
    named = {"first": directory["organisation"].pk, "second": second["organisation"].pk}
    assert _scoped(api, "organisations", **params) == {named[name] for name in expected}


@pytest.mark.parametrize("endpoint", ["organisations", "services", "sites"])
def test_zone_and_metropolitan_city_filters(api, place, directory, second, endpoint):
    key = endpoint[:-1]
    assert ids(api, endpoint, zone=place["zone"].pk) == [directory[key].pk]
    assert ids(api, endpoint, zone=place["other_zone"].pk) == [second[key].pk]
    assert ids(api, endpoint, metropolitan_city="nowhere") == []


@pytest.mark.parametrize("endpoint", ["organisations", "services", "sites"])
def test_modified_after(api, directory, second, endpoint):
    key = endpoint[:-1]
    old, new = directory[key], second[key]
    moment = datetime.datetime(2025, 3, 1, 12, tzinfo=datetime.UTC)
    type(old).objects.filter(pk=old.pk).update(updated_at=moment - datetime.timedelta(days=1))
    type(new).objects.filter(pk=new.pk).update(updated_at=moment)
    assert _scoped(api, endpoint, modified_after="2025-03-01T12:00:00Z") == {new.pk}
    assert _scoped(api, endpoint, modified_after="2025-03-01T13:00:00+01:00") == {new.pk}
    assert _scoped(api, endpoint, modified_after="2025-02-01T00:00:00Z") == {old.pk, new.pk}
    body = get(api, endpoint, expected_status=400, modified_after="yesterday")
    assert list(body) == ["modified_after"]


def test_territory_filters(api, place):
    centre, suburb = place["centre"].pk, place["suburb"].pk
    assert set(ids(api, "municipalities", metropolitan_city="prova")) == {centre, suburb}
    assert ids(api, "municipalities", q="provel") == [suburb]
    assert ids(api, "municipalities", zone=place["zone"].pk) == [centre]
    assert set(ids(api, "zones", metropolitan_city="prova")) == {
        place["zone"].pk,
        place["other_zone"].pk,
    }
    assert ids(api, "zones", q="ambito provalta") == [place["zone"].pk]
    assert ids(api, "zones", municipality="999002") == [place["other_zone"].pk]
    assert ids(api, "zones", metropolitan_city="prova", kind="municipio") == []
    assert ids(api, "metropolitan-cities", q="di prova") == [place["metro"].pk]
    codes = [row["code"] for row in get(api, "service-categories", q="rifugio")["results"]]
    assert codes == ["gender-violence.shelter"]


# --- Input discipline ---------------------------------------------------------------------


def test_unknown_query_parameters_answer_400_naming_them(api, directory):
    body = get(api, "services", expected_status=400, colour="red", categroy="housing", q="x")
    assert body == {
        "categroy": ["Unknown query parameter."],
        "colour": ["Unknown query parameter."],
    }
    body = get(api, "municipalities", expected_status=400, barrier_free="true")
    assert body == {"barrier_free": ["Unknown query parameter."]}
    get(api, f"services/{directory['service'].pk}", expected_status=400, colour="red")


def test_pagination_ordering_and_format_parameters_are_known(api, directory):
    get(api, "services", page_size=5, ordering="-name", format="json")


@pytest.mark.parametrize("ordering", ["tax_code", "name,updated_at", "id__x"])
def test_ordering_outside_the_whitelist_answers_400(api, directory, ordering):
    body = get(api, "organisations", expected_status=400, ordering=ordering)
    assert body == {"ordering": ["Order by one of: name, updated_at."]}


@pytest.mark.parametrize("status", ["closed", "inactive-ish"])
def test_invalid_status_answers_400(api, status):
    assert list(get(api, "services", expected_status=400, status=status)) == ["status"]


# --- Confidential places ------------------------------------------------------------------

HIDDEN = {"address": None, "postal_code": None, "latitude": None, "longitude": None}
SHOWN = {
    "address": "Vicolo Nascosto 17",
    "postal_code": "00199",
    "latitude": 41.987654,
    "longitude": 12.345678,
}


@pytest.fixture
def refuge(provider_organisation):
    """A confidential site of the provider (e.g. a women's shelter)."""
    return SiteFactory(
        organisation=provider_organisation,
        name="Casa rifugio",
        confidential=True,
        public_contact="Numero verde 1522",
        address=SHOWN["address"],
        postal_code=SHOWN["postal_code"],
        latitude=SHOWN["latitude"],
        longitude=SHOWN["longitude"],
    )


@pytest.fixture
def hosting_site(provider_organisation):
    """A site not flagged itself, but hosting a confidential service."""
    service = ServiceFactory(
        organisation=provider_organisation,
        name="Casa rifugio Iris",
        confidential=True,
        public_contact="Numero verde 1522",
    )
    site = SiteFactory(
        organisation=provider_organisation,
        name="Sede Iris",
        address=SHOWN["address"],
        postal_code=SHOWN["postal_code"],
        latitude=SHOWN["latitude"],
        longitude=SHOWN["longitude"],
    )
    ServiceAtSiteFactory(service=service, site=site)
    return site


def _address_of(client, site) -> dict:
    rows = {row["id"]: row for row in client.get(f"{API}sites/").json()["results"]}
    detail = client.get(f"{API}sites/{site.pk}/").json()
    assert rows[site.pk] == detail
    assert detail["confidential"] is True
    return {field: detail[field] for field in HIDDEN}


def _client_of(user):
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


@pytest.mark.parametrize("place_kind", ["refuge", "hosting_site"])
@pytest.mark.parametrize(
    ("viewer", "sees"),
    [
        ("anonymous", False),
        ("owner_staff", True),
        ("owner_official", True),
        ("inactive_owner_staff", False),
        ("other_staff", False),
        ("superuser", False),
    ],
)
def test_confidential_address_reaches_only_the_owning_organisation(
    request, make_member, provider_organisation, superuser, place_kind, viewer, sees
):
    site = request.getfixturevalue(place_kind)
    viewers = {
        "anonymous": lambda: None,
        "owner_staff": lambda: make_member(Role.PROVIDER_STAFF, organisation=provider_organisation),
        "owner_official": lambda: make_member(Role.OFFICIAL, organisation=provider_organisation),
        "inactive_owner_staff": lambda: make_member(
            Role.PROVIDER_STAFF, organisation=provider_organisation, active=False
        ),
        "other_staff": lambda: make_member(Role.PROVIDER_STAFF, organisation=OrganisationFactory()),
        "superuser": lambda: superuser,
    }
    assert _address_of(_client_of(viewers[viewer]()), site) == (SHOWN if sees else HIDDEN)


def test_confidential_places_still_show_their_public_contact(api, refuge, hosting_site):
    assert get(api, f"sites/{refuge.pk}")["public_contact"] == "Numero verde 1522"
    service_id = get(api, f"sites/{hosting_site.pk}")["services"][0]
    service = get(api, f"services/{service_id}")
    assert (service["confidential"], service["public_contact"]) == (True, "Numero verde 1522")


def test_confidential_site_is_masked_in_a_page_that_mixes_organisations(
    make_member, refuge, directory
):
    """Own organisation's addresses only: being a member elsewhere unlocks nothing."""
    client = _client_of(make_member(Role.PROVIDER_STAFF, organisation=refuge.organisation))
    rows = {row["id"]: row for row in client.get(f"{API}sites/").json()["results"]}
    assert rows[refuge.pk]["address"] == SHOWN["address"]
    assert rows[directory["site"].pk]["address"] == "Via dei Giardini 3"
    other = _client_of(make_member(Role.PROVIDER_STAFF, organisation=directory["organisation"]))
    rows = {row["id"]: row for row in other.get(f"{API}sites/").json()["results"]}
    assert rows[refuge.pk]["address"] is None


# --- Pagination and queries ---------------------------------------------------------------


def test_cursor_pages_follow_each_other_without_overlap(api, place):
    for number in range(5):
        MunicipalityFactory(metropolitan_city=place["metro"], name=f"Borgo {number}")
    seen, page = [], get(api, "municipalities", metropolitan_city="prova", page_size=3)
    seen += [row["id"] for row in page["results"]]
    assert page["previous"] is None
    while page["next"]:
        response = api.get(page["next"])
        assert response.status_code == 200
        page = response.json()
        seen += [row["id"] for row in page["results"]]
    assert len(seen) == 7
    assert seen == sorted(seen)


def test_ordered_cursor_pages_break_ties_by_id(api, place):
    for _number in range(4):
        MunicipalityFactory(metropolitan_city=place["metro"], name="Omonimo")
    params = {"metropolitan_city": "prova", "q": "omonimo", "ordering": "-name", "page_size": 3}
    first = get(api, "municipalities", **params)
    second = api.get(first["next"]).json()
    seen = [row["id"] for row in first["results"] + second["results"]]
    assert seen == sorted(seen, reverse=True)
    assert len(set(seen)) == 4


def test_page_size_defaults_to_50_and_goes_up_to_200(api):
    MetropolitanCity.objects.bulk_create(
        MetropolitanCity(istat_code=f"{700 + n}", name=f"Metro {n:03d}", slug=f"m-{n}")
        for n in range(210)
    )
    assert len(get(api, "metropolitan-cities")["results"]) == 50
    assert len(get(api, "metropolitan-cities", page_size=120)["results"]) == 120
    largest = get(api, "metropolitan-cities", page_size=200)
    assert len(largest["results"]) == 200
    assert largest["next"] is not None
    for wrong in ("201", "0", "-3", "ten", "1.5"):
        response = api.get(f"{API}metropolitan-cities/", {"page_size": wrong})
        assert response.status_code == 400
        assert response.json() == {"page_size": ["A whole number from 1 to 200."]}


def _query_count(client, endpoint, page_size) -> int:
    user = client.handler._force_user
    if user is not None:
        # A fresh user object, as every real request loads one: what a user's memberships
        # grant is read once per request and kept on that object.
        client.force_authenticate(type(user).objects.get(pk=user.pk))
    with CaptureQueriesContext(connection) as queries:
        response = client.get(f"{API}{endpoint}/", {"page_size": page_size})
    assert response.status_code == 200
    return len(queries)


@pytest.fixture
def crowded_directory(place, provider_organisation):
    """Twelve organisations, each with a service (two categories, two languages) offered
    at two sites, one of them confidential."""
    categories = list(ServiceCategory.objects.filter(code__startswith="housing.")[:2])
    languages = [LanguageFactory(code="it"), LanguageFactory(code="en")]
    for number in range(12):
        organisation = OrganisationFactory(municipality=place["centre"])
        service = ServiceFactory(organisation=organisation, categories=categories)
        service.languages.set(languages)
        for confidential in (False, True):
            site = SiteFactory(
                organisation=organisation,
                confidential=confidential,
                public_contact="1522" if confidential else "",
            )
            ServiceAtSiteFactory(service=service, site=site)
        ZoneFactory(metropolitan_city=place["metro"], municipalities=[place["suburb"]])
        MunicipalityFactory(metropolitan_city=place["metro"], name=f"Borgo {number}")
    return organisation


@pytest.mark.parametrize(
    "endpoint",
    [
        "organisations",
        "services",
        "sites",
        "service-categories",
        "municipalities",
        "zones",
        "metropolitan-cities",
    ],
)
@pytest.mark.parametrize("member", [False, True])
def test_query_count_does_not_depend_on_page_size(crowded_directory, endpoint, member):
    user = UserFactory() if member else None
    if member:
        MembershipFactory(user=user, organisation=crowded_directory, role=Role.PROVIDER_STAFF)
    client = _client_of(user)
    assert _query_count(client, endpoint, 10) == _query_count(client, endpoint, 100)


def test_cursor_pages_ordered_by_modification_time(api, crowded_directory):
    params = {"ordering": "-updated_at", "page_size": 5}
    page, seen = get(api, "services", **params), []
    while True:
        seen += [(row["updated_at"], row["id"]) for row in page["results"]]
        if not page["next"]:
            break
        page = api.get(page["next"]).json()
    assert len(seen) == len({service_id for _stamp, service_id in seen}) == 12
    assert [stamp for stamp, _id in seen] == sorted((stamp for stamp, _id in seen), reverse=True)


def test_modified_after_accepts_any_valid_offset(api):
    # PostgreSQL refuses literals with an offset beyond ±15:59; found by schemathesis.
    response = api.get(f"{API}organisations/", {"modified_after": "1276-07-17T20:33:34-20:19"})
    assert response.status_code == 200
