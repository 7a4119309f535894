"""``import_hsds``: valid records land, invalid ones are reported one by one and leave
nothing behind, and importing again updates rather than duplicates."""

import copy
import io
import json

import pytest
from django.core.management import call_command

from hsds.models import ImportedRecord
from services.models import (
    Capacity,
    OpeningHours,
    Organisation,
    Service,
    ServiceAtSite,
    Site,
)
from services.tax_code import check_digit
from tests.factories import MunicipalityFactory, ServiceCategoryFactory

pytestmark = pytest.mark.django_db

SQUARE = {
    "type": "Polygon",
    "coordinates": [[[11.0, 43.0], [11.2, 43.0], [11.2, 43.2], [11.0, 43.2], [11.0, 43.0]]],
}


def tax_code(first10: str) -> str:
    return first10 + check_digit(first10)


def uuid(n: int) -> str:
    return f"00000000-0000-4000-8000-{n:012d}"


def service_record(n: int, *, latitude=43.1, longitude=11.1, tax=None, **changes) -> dict:
    record = {
        "id": uuid(n),
        "name": f"Mensa {n}",
        "description": "Pasti caldi.",
        "status": "active",
        "email": f"mensa{n}@example.org",
        "organization": {
            "id": uuid(1000 + n),
            "name": f"Associazione {n}",
            "description": "Volontariato.",
            "legal_status": "voluntary organisation (ODV)",
            "organization_identifiers": [
                {
                    "id": uuid(2000 + n),
                    "identifier_scheme": "IT-CF",
                    "identifier_type": "codice fiscale",
                    "identifier": tax or tax_code(f"{n:07d}001"),
                }
            ],
        },
        "attributes": [
            {
                "id": uuid(3000 + n),
                "taxonomy_term": {
                    "id": uuid(1),
                    "code": "hsdsimport.food",
                    "name": "Food",
                    "description": "",
                },
            },
            {
                "id": uuid(4000 + n),
                "taxonomy_term": {
                    "id": uuid(2),
                    "code": "nowhere.unknown",
                    "name": "X",
                    "description": "",
                },
            },
        ],
        "service_at_locations": [
            {
                "id": uuid(5000 + n),
                "schedules": [
                    {
                        "id": uuid(6000 + n),
                        "freq": "WEEKLY",
                        "byday": "MO,WE",
                        "opens_at": "12:00",
                        "closes_at": "14:00",
                    }
                ],
                "location": {
                    "id": uuid(7000 + n),
                    "location_type": "physical",
                    "name": f"Sala {n}",
                    "latitude": latitude,
                    "longitude": longitude,
                    "addresses": [
                        {
                            "id": uuid(8000 + n),
                            "address_1": f"Via Larga {n}",
                            "city": "Altrove",
                            "state_province": "Provincia",
                            "region": "Toscana",
                            "postal_code": "50100",
                            "country": "IT",
                            "address_type": "physical",
                        }
                    ],
                },
            }
        ],
        "capacities": [
            {
                "id": uuid(9000 + n),
                "unit": {"id": uuid(3), "name": "places", "identifier": "places"},
                "available": 5,
                "maximum": 40,
                "updated": "2025-01-01T10:00:00Z",
            }
        ],
    }
    record.update(changes)
    return record


@pytest.fixture
def territory(db):
    ServiceCategoryFactory(code="hsdsimport.food")
    return MunicipalityFactory(name="Altrove", boundary=SQUARE)


def run_import(tmp_path, records, name="partner.json", source=None):
    path = tmp_path / name
    path.write_text(json.dumps(records))
    out, err = io.StringIO(), io.StringIO()
    args = [str(path)] + (["--source", source] if source else [])
    call_command("import_hsds", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def counts():
    return [
        model.objects.count()
        for model in (Organisation, Service, Site, ServiceAtSite, Capacity, OpeningHours)
    ]


def test_valid_records_land(tmp_path, territory):
    out, err = run_import(tmp_path, [service_record(1), service_record(2)])
    assert err == ""
    assert "2 imported, 0 rejected" in out
    # The unknown taxonomy term is a warning, with the record and the field.
    assert f"WARNING {uuid(1)} attributes.1.taxonomy_term.code:" in out
    service = Service.objects.get(name="Mensa 1")
    assert [c.code for c in service.categories.all()] == ["hsdsimport.food"]
    assert service.organisation.tax_code == tax_code("0000001001")
    assert service.organisation.legal_form == "odv"
    site = service.sites.get()
    assert (site.municipality, site.address, site.postal_code) == (
        territory,
        "Via Larga 1",
        "50100",
    )
    offering = service.offerings.get()
    assert sorted(h.weekday for h in offering.opening_hours.all()) == [1, 3]
    capacity = offering.capacities.get()
    assert (capacity.unit, capacity.total, capacity.available) == ("places", 40, 5)


def test_reimport_updates_instead_of_duplicating(tmp_path, territory):
    records = [service_record(1), service_record(2)]
    run_import(tmp_path, records)
    before = counts()
    assert before == [2, 2, 2, 2, 2, 4]
    changed = copy.deepcopy(records)
    changed[0]["name"] = "Mensa centrale"
    changed[0]["capacities"][0]["available"] = 7
    out, err = run_import(tmp_path, changed)
    assert "2 imported" in out and err == ""
    assert counts() == before
    service = Service.objects.get(name="Mensa centrale")
    assert service.offerings.get().capacities.get().available == 7
    assert ImportedRecord.objects.filter(source="partner").count() == 2 * 5
    # Another source with the same ids is another directory: its own rows.
    run_import(tmp_path, [service_record(3)], source="other")
    assert ImportedRecord.objects.filter(source="other").count() == 5


def test_each_invalid_record_is_reported_and_leaves_nothing(tmp_path, territory):
    records = [
        service_record(1),
        service_record(2, tax="12345678901"),  # wrong check digit
        service_record(3, latitude=45.5, longitude=9.2),  # Milan: not our territory
        service_record(4, status="open"),  # not an HSDS status
        service_record(5, minimum_age=70, maximum_age=18),  # our constraint
        service_record(6),
    ]
    records[5]["organization"]["organization_identifiers"] = []
    out, err = run_import(tmp_path, records)
    assert "1 imported, 5 rejected (6 records)" in out
    lines = err.splitlines()
    assert (
        f"ERROR {uuid(2)} organization.organization_identifiers.0.identifier: "
        "The check digit is 1 but should be 3." in lines
    )
    assert f"ERROR {uuid(3)} service_at_locations.0.location: " in err
    assert "outside our territory" in err
    assert any(line.startswith(f"ERROR {uuid(4)} status: 'open' is not one of") for line in lines)
    assert any(line.startswith(f"ERROR {uuid(5)} service:") for line in lines)
    assert "minimum age cannot be above the maximum age" in err
    assert f"ERROR {uuid(6)} organization.tax_id: An Italian tax code" in err
    # Record 5 failed after its organisation and site were written: rolled back.
    assert counts() == [1, 1, 1, 1, 1, 2]
    assert list(Organisation.objects.values_list("name", flat=True)) == ["Associazione 1"]
    assert ImportedRecord.objects.count() == 5


def test_municipality_by_name_and_region_without_boundary(tmp_path, territory):
    territory.boundary = None
    territory.save()
    territory.metropolitan_city.region = "Toscana"
    territory.metropolitan_city.save()
    out, err = run_import(tmp_path, [service_record(1, latitude=10.0, longitude=10.0)])
    assert err == "" and "1 imported" in out
    assert Site.objects.get().municipality == territory


def test_exported_publication_imports_back(tmp_path, world, client):
    from hsds import export

    export.write_json(tmp_path / "own.json")
    out, err = run_import(tmp_path, json.loads((tmp_path / "own.json").read_text()), "own.json")
    # Our own organisation is matched by its tax code, not duplicated.
    assert Organisation.objects.filter(tax_code="12345678903").count() == 1
    assert "2 imported" in out, (out, err)
