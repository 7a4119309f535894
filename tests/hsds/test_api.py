"""The HSDS read API: shapes valid against the HSDS schemas, parameters, filters, paging."""

import datetime
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from hsds import schemas, serializers
from hsds.ids import hsds_id
from services.models import Service
from tests.factories import (
    CapacityFactory,
    OpeningHoursFactory,
    OrganisationFactory,
    ServiceAtSiteFactory,
    ServiceFactory,
    SiteFactory,
)

pytestmark = pytest.mark.django_db

PAGE_KEYS = {
    "total_items",
    "total_pages",
    "page_number",
    "size",
    "first_page",
    "last_page",
    "empty",
    "contents",
}
OPENAPI = json.loads((schemas.SPEC_DIR / "openapi.json").read_text())


def assert_valid(name, instance):
    assert schemas.error_messages(name, instance) == []


def get_page(client, url, item_schema):
    response = client.get(url)
    assert response.status_code == 200, response.content
    page = response.json()
    assert set(page) == PAGE_KEYS
    page_schema = {"type": "object", "properties": OPENAPI["components"]["schemas"]["Page"]}
    schemas.Draft202012Validator(page_schema).validate(page)
    for item in page["contents"]:
        assert_valid(item_schema, item)
    return page


LISTS = [
    ("/api/hsds/services", "service"),
    ("/api/hsds/services?full=true", "service"),
    ("/api/hsds/services?minimal=true", "service"),
    ("/api/hsds/organizations", "organization"),
    ("/api/hsds/organizations?full=true", "organization"),
    ("/api/hsds/organizations?full_service=true", "organization"),
    ("/api/hsds/service_at_locations", "service_at_location"),
    ("/api/hsds/service_at_locations?full=true", "service_at_location"),
    ("/api/hsds/taxonomies", "taxonomy"),
    ("/api/hsds/taxonomy_terms", "taxonomy_term"),
]


@pytest.mark.parametrize(("url", "schema"), LISTS)
def test_every_list_validates(client, world, url, schema):
    page = get_page(client, url, schema)
    assert not page["empty"]


def test_every_detail_validates(client, world):
    details = [
        (f"/api/hsds/services/{hsds_id(world.service)}", "service"),
        (f"/api/hsds/services/{hsds_id(world.shelter)}", "service"),
        (f"/api/hsds/organizations/{hsds_id(world.organisation)}", "organization"),
        (
            f"/api/hsds/organizations/{hsds_id(world.organisation)}?full_service=true",
            "organization",
        ),
        (f"/api/hsds/service_at_locations/{hsds_id(world.offering)}", "service_at_location"),
        (f"/api/hsds/taxonomies/{serializers.TAXONOMY_ID}", "taxonomy"),
        (f"/api/hsds/taxonomy_terms/{hsds_id(world.category)}", "taxonomy_term"),
    ]
    for url, schema in details:
        response = client.get(url)
        assert response.status_code == 200, url
        assert_valid(schema, response.json())


def test_api_info(client):
    response = client.get("/api/hsds/")
    assert response.json() == {
        "version": "3.1",
        "profile": "https://docs.openreferral.org/en/latest/hsds/",
        "openapi_url": "http://testserver/api/hsds/openapi.json",
    }
    assert client.get("/api/hsds/openapi.json").status_code == 200


def test_service_detail_exact(client, world):
    service, organisation, offering = world.service, world.organisation, world.offering
    site, capacity, hours, category = world.site, world.capacity, world.hours, world.category
    service_id, organisation_id, site_id = hsds_id(service), hsds_id(organisation), hsds_id(site)
    offering_id = hsds_id(offering)
    parent_id = hsds_id(category.parent)
    expected = {
        "id": service_id,
        "organization_id": organisation_id,
        "name": "Dormitorio Aurora",
        "description": "Posti letto per la notte.",
        "email": "dormitorio@aurora.example",
        "status": "active",
        "last_modified": service.updated_at.isoformat(),
        "organization": {
            "id": organisation_id,
            "name": "Cooperativa Aurora",
            "description": "Servizi per la casa.",
            "email": "info@aurora.example",
            "tax_id": "12345678903",
            "legal_status": "social cooperative",
            "phones": [
                {
                    "id": serializers.derived_id("hsds.phone", f"organisation:{organisation.pk}"),
                    "organization_id": organisation_id,
                    "number": "06 1234567",
                }
            ],
            "organization_identifiers": [
                {
                    "id": serializers.derived_id("hsds.organization_identifier", organisation.pk),
                    "organization_id": organisation_id,
                    "identifier_scheme": "IT-CF",
                    "identifier_type": "codice fiscale",
                    "identifier": "12345678903",
                }
            ],
        },
        "service_at_locations": [
            {
                "id": offering_id,
                "service_id": service_id,
                "location_id": site_id,
                "schedules": [
                    {
                        "id": hsds_id(hours),
                        "service_id": service_id,
                        "location_id": site_id,
                        "service_at_location_id": offering_id,
                        "freq": "WEEKLY",
                        "wkst": "MO",
                        "byday": "MO",
                        "opens_at": "20:00:00",
                        "closes_at": "08:00:00",
                        "valid_from": "2025-01-01",
                        "description": "Closes the next day.",
                    }
                ],
                "location": {
                    "id": site_id,
                    "location_type": "physical",
                    "organization_id": organisation_id,
                    "name": "Sede Aurora",
                    "latitude": 41.9,
                    "longitude": 12.5,
                    "external_identifier": "958001",
                    "external_identifier_type": "ISTAT municipality code",
                    "addresses": [
                        {
                            "id": serializers.derived_id("hsds.address", site.pk),
                            "location_id": site_id,
                            "address_1": "Via Aurora 1",
                            "city": "Prova",
                            "state_province": "Città metropolitana di Prova",
                            "region": "Lazio",
                            "postal_code": "00100",
                            "country": "IT",
                            "address_type": "physical",
                        }
                    ],
                    "accessibility": [
                        {
                            "id": serializers.derived_id("hsds.accessibility", site.pk),
                            "location_id": site_id,
                            "description": "barrier-free",
                        }
                    ],
                },
            }
        ],
        "languages": [
            {
                "id": serializers.derived_id(
                    "hsds.language", f"{service.pk}:{service.languages.get().pk}"
                ),
                "service_id": service_id,
                "name": "Italian",
                "code": "it",
            }
        ],
        "contacts": [],
        "funding": [],
        "capacities": [
            {
                "id": hsds_id(capacity),
                "service_id": service_id,
                "unit": {
                    "id": serializers.derived_id("hsds.unit", "beds"),
                    "name": "beds",
                    "scheme": "atlante-capacity-unit",
                    "identifier": "beds",
                },
                "unit_id": serializers.derived_id("hsds.unit", "beds"),
                "available": 4,
                "maximum": 20,
                "updated": capacity.updated_at.isoformat(),
            }
        ],
        "attributes": [
            {
                "id": serializers.derived_id("hsds.attribute", f"{service_id}:{category.pk}"),
                "link_id": service_id,
                "link_type": "taxonomy_term",
                "link_entity": "service",
                "taxonomy_term_id": hsds_id(category),
                "taxonomy_term": {
                    "id": hsds_id(category),
                    "code": "hsdstest.night",
                    "name": "Notte",
                    "description": "Night",
                    "parent_id": parent_id,
                    "taxonomy": "Atlante",
                    "taxonomy_id": serializers.TAXONOMY_ID,
                    "language": "it",
                },
            }
        ],
    }
    service.refresh_from_db()
    capacity.refresh_from_db()
    assert client.get(f"/api/hsds/services/{service_id}").json() == expected


def test_organization_detail_exact(client, world):
    organisation = world.organisation
    organisation_id = hsds_id(organisation)
    body = client.get(f"/api/hsds/organizations/{organisation_id}").json()
    location = serializers.location(world.site)
    # Only the ordinary site: the shelter's and the confidential one are left out.
    assert body == {
        "id": organisation_id,
        "name": "Cooperativa Aurora",
        "description": "Servizi per la casa.",
        "email": "info@aurora.example",
        "tax_id": "12345678903",
        "legal_status": "social cooperative",
        "phones": serializers.organisation_phones(organisation),
        "organization_identifiers": serializers.organisation_identifiers(organisation),
        "locations": [location],
        "services": [
            {
                "id": hsds_id(world.shelter),
                "organization_id": organisation_id,
                "name": "Casa rifugio",
                "status": "active",
                "last_modified": world.shelter.updated_at.isoformat(),
            },
            {
                "id": hsds_id(world.service),
                "organization_id": organisation_id,
                "name": "Dormitorio Aurora",
                "description": "Posti letto per la notte.",
                "email": "dormitorio@aurora.example",
                "status": "active",
                "last_modified": world.service.updated_at.isoformat(),
            },
        ],
    }


def test_service_at_location_detail_exact(client, world):
    offering_id = hsds_id(world.offering)
    body = client.get(f"/api/hsds/service_at_locations/{offering_id}").json()
    assert body == {
        "id": offering_id,
        "service_id": hsds_id(world.service),
        "location_id": hsds_id(world.site),
        "schedules": [serializers.schedule(world.hours, world.offering)],
        "location": serializers.location(world.site),
        "service": serializers.service_basic(world.service),
    }


def test_confidential_service_shows_only_its_public_contact(client, world):
    body = client.get(f"/api/hsds/services/{hsds_id(world.shelter)}").json()
    assert "email" not in body and "url" not in body
    assert body["contacts"] == [
        {
            "id": serializers.derived_id("hsds.contact", f"service:{world.shelter.pk}"),
            "service_id": hsds_id(world.shelter),
            "name": "Numero antiviolenza 1522",
        }
    ]
    assert body["service_at_locations"] == []
    # Free places are public even where the place is not.
    assert [c["available"] for c in body["capacities"]] == [1]


def test_ids_are_stable(world):
    assert hsds_id(world.service) == hsds_id(Service.objects.get(pk=world.service.pk))
    assert hsds_id(world.service) == serializers.derived_id("services.service", world.service.pk)


def test_unlisted_records_are_not_found(client, world):
    defunct = Service.objects.get(name="Chiuso")
    assert client.get(f"/api/hsds/services/{hsds_id(defunct)}").status_code == 404
    assert client.get("/api/hsds/services/not-an-id").status_code == 404
    names = [s["name"] for s in client.get("/api/hsds/services").json()["contents"]]
    assert names == ["Casa rifugio", "Dormitorio Aurora"]
    assert client.get("/api/hsds/organizations").json()["total_items"] == 1


@pytest.mark.parametrize(
    ("url", "bad"),
    [
        ("/api/hsds/services?q=x&bogus=1", ["bogus", "q"]),
        ("/api/hsds/taxonomies?full=true", ["full"]),
        ("/api/hsds/organizations?modified_after=2020-01-01", ["modified_after"]),
        ("/api/hsds/services/x?full=true", ["full"]),
        ("/api/hsds/?page=1", ["page"]),
        ("/api/hsds/services?page=0", ["page"]),
        ("/api/hsds/services?per_page=201", ["per_page"]),
        ("/api/hsds/services?full=maybe", ["full"]),
        ("/api/hsds/services?modified_after=yesterday", ["modified_after"]),
        ("/api/hsds/services?format=xml", ["format"]),
        ("/api/hsds/services?search=", ["search"]),
        ("/api/hsds/service_at_locations?proximity=100", ["proximity"]),
    ],
)
def test_bad_parameters_answer_400_naming_them(client, world, url, bad):
    response = client.get(url)
    assert response.status_code == 400
    assert sorted(response.json()) == bad


def test_paging(client, world):
    page = client.get("/api/hsds/services?per_page=1&page=2").json()
    assert page | {"contents": None} == {
        "total_items": 2,
        "total_pages": 2,
        "page_number": 2,
        "size": 1,
        "first_page": False,
        "last_page": True,
        "empty": False,
        "contents": None,
    }
    assert page["contents"][0]["name"] == "Dormitorio Aurora"
    beyond = client.get("/api/hsds/services?page=9").json()
    assert (beyond["size"], beyond["contents"], beyond["empty"]) == (0, [], False)


def test_filters(client, world):
    def names(url):
        return sorted(
            item.get("name", item.get("id")) for item in client.get(url).json()["contents"]
        )

    term, parent = hsds_id(world.category), hsds_id(world.category.parent)
    organisation = hsds_id(world.organisation)
    taxonomy = serializers.TAXONOMY_ID
    assert names(f"/api/hsds/services?taxonomy_term_id={term}") == [
        "Casa rifugio",
        "Dormitorio Aurora",
    ]
    assert names(f"/api/hsds/services?taxonomy_term_id={parent}") == []
    assert names(f"/api/hsds/services?taxonomy_id={taxonomy}") == [
        "Casa rifugio",
        "Dormitorio Aurora",
    ]
    assert names(f"/api/hsds/services?taxonomy_id={term}") == []
    assert names(f"/api/hsds/services?organization_id={organisation}") == [
        "Casa rifugio",
        "Dormitorio Aurora",
    ]
    assert names("/api/hsds/services?organization_id=nobody") == []
    assert names("/api/hsds/services?search=rifugio") == ["Casa rifugio"]
    future = (timezone.now() + datetime.timedelta(hours=1)).isoformat()
    assert names(f"/api/hsds/services?modified_after={future.replace('+', '%2B')}") == []
    assert names("/api/hsds/services?modified_after=2000-01-01") == [
        "Casa rifugio",
        "Dormitorio Aurora",
    ]
    assert names(f"/api/hsds/organizations?taxonomy_term_id={term}") == ["Cooperativa Aurora"]
    assert names(f"/api/hsds/organizations?taxonomy_term_id={parent}") == []
    assert names("/api/hsds/organizations?search=aurora") == ["Cooperativa Aurora"]
    assert names("/api/hsds/taxonomy_terms?search=hsdstest&top_only=true") == ["Prova"]
    assert names(f"/api/hsds/taxonomy_terms?parent_id={parent}") == ["Notte"]
    assert names(f"/api/hsds/taxonomy_terms?taxonomy_id={term}") == []
    assert names("/api/hsds/taxonomies?search=atlante") == ["Atlante"]
    assert names("/api/hsds/taxonomies?search=nothing") == []
    offering = [hsds_id(world.offering)]
    for query in (
        f"taxonomy_term_id={term}",
        f"organization_id={organisation}",
        "search=aurora",
        "postcode=00100",
        "postcode=00100&proximity=500",
        "modified_after=2000-01-01",
    ):
        assert names(f"/api/hsds/service_at_locations?{query}") == offering, query
    assert names("/api/hsds/service_at_locations?postcode=00777") == []
    assert names("/api/hsds/service_at_locations?postcode=00777&proximity=90000") == []


def test_proximity_finds_nearby_places_of_other_postcodes(client, world):
    near = SiteFactory(
        organisation=world.organisation, postal_code="00101", latitude=41.901, longitude=12.5
    )
    offering = ServiceAtSiteFactory(service=world.service, site=near)
    url = "/api/hsds/service_at_locations?postcode=00100&proximity="
    found = [item["id"] for item in client.get(url + "500").json()["contents"]]
    assert sorted(found) == sorted([hsds_id(world.offering), hsds_id(offering)])
    found = [item["id"] for item in client.get(url + "50").json()["contents"]]
    assert found == [hsds_id(world.offering)]


def test_ndjson_streams_every_item(client, world):
    response = client.get("/api/hsds/services?format=ndjson&full=true")
    assert response["Content-Type"] == "application/x-ndjson"
    lines = b"".join(response.streaming_content).decode().splitlines()
    items = [json.loads(line) for line in lines]
    assert [item["name"] for item in items] == ["Casa rifugio", "Dormitorio Aurora"]
    for item in items:
        assert_valid("service", item)


@pytest.mark.parametrize(
    "url",
    [
        "/api/hsds/services?full=true",
        "/api/hsds/organizations?full_service=true",
        "/api/hsds/service_at_locations?full=true",
    ],
)
def test_queries_do_not_grow_with_the_page(client, world, url, django_assert_num_queries):
    def grow(count):
        for _ in range(count):
            organisation = OrganisationFactory(municipality=world.organisation.municipality)
            site = SiteFactory(organisation=organisation)
            service = ServiceFactory(organisation=organisation, categories=[world.category])
            service.languages.set([world.service.languages.get()])
            offering = ServiceAtSiteFactory(service=service, site=site)
            CapacityFactory(offering=offering)
            OpeningHoursFactory(offering=offering)

    grow(2)
    with CaptureQueriesContext(connection) as small:
        assert client.get(url + "&per_page=3").json()["size"] == 3
    grow(20)
    with django_assert_num_queries(len(small.captured_queries)):
        assert client.get(url + "&per_page=20").json()["size"] == 20


def test_anonymous_read_needs_no_credentials(client, world):
    assert client.get("/api/hsds/services").status_code == 200
