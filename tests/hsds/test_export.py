"""``export_hsds``: a JSON publication and a tabular data package that follow the
HSDS schemas."""

import csv
import io
import json

import pytest
from django.core.management import call_command

from hsds import schemas
from hsds.ids import hsds_id

pytestmark = pytest.mark.django_db


def export(tmp_path, output_format):
    target = tmp_path / ("hsds.json" if output_format == "json" else "package")
    out = io.StringIO()
    call_command("export_hsds", "--format", output_format, str(target), stdout=out)
    return target, out.getvalue()


def test_json_publication_is_a_list_of_valid_services(world, tmp_path):
    target, out = export(tmp_path, "json")
    services = json.loads(target.read_text())
    assert "2 services written" in out
    assert [s["name"] for s in services] == ["Casa rifugio", "Dormitorio Aurora"]
    for service in services:
        assert schemas.error_messages("service", service) == []
    assert services[1]["service_at_locations"][0]["location"]["id"] == hsds_id(world.site)


def read_tables(directory):
    package = json.loads((directory / "datapackage.json").read_text())
    tables = {}
    for resource in package["resources"]:
        with (directory / resource["path"]).open(encoding="utf-8", newline="") as handle:
            reader = csv.DictReader(handle)
            tables[resource["name"]] = (reader.fieldnames, list(reader))
    return package, tables


def test_datapackage_lists_every_file_with_its_fields(world, tmp_path):
    directory, _out = export(tmp_path, "datapackage")
    package, tables = read_tables(directory)
    assert package["profile"] == "tabular-data-package"
    files = {path.name for path in directory.iterdir()} - {"datapackage.json"}
    assert {resource["path"] for resource in package["resources"]} == files
    assert set(tables) == set(schemas.schema_files())
    for resource in package["resources"]:
        fields = [field["name"] for field in resource["schema"]["fields"]]
        assert fields == tables[resource["name"]][0] == schemas.columns(resource["name"])
        assert resource["schema"]["primaryKey"] == "id"
    service = next(r for r in package["resources"] if r["name"] == "service")
    organization_id = next(f for f in service["schema"]["fields"] if f["name"] == "organization_id")
    assert organization_id["constraints"]["required"] is True


def test_exported_rows_validate_and_link_up(world, tmp_path):
    directory, _out = export(tmp_path, "datapackage")
    _package, tables = read_tables(directory)
    for name, (_fields, rows) in tables.items():
        for row in rows:
            values = schemas.row_from_csv(name, row)
            assert schemas.row_errors(name, values) == [], (name, row)
    counts = {name: len(rows) for name, (_fields, rows) in tables.items() if rows}
    assert counts["organization"] == 1
    assert counts["service"] == 2
    assert counts["location"] == 1
    assert counts["service_at_location"] == 1
    assert counts["address"] == 1
    assert counts["schedule"] == 1
    assert counts["service_capacity"] == 2
    assert counts["unit"] == 1
    assert counts["taxonomy"] == 1
    assert counts["attribute"] == 2
    assert counts["language"] == 1
    assert counts["phone"] == 1
    assert counts["contact"] == 1
    ids = {name: {row["id"] for row in rows} for name, (_f, rows) in tables.items()}
    for row in tables["service"][1]:
        assert row["organization_id"] in ids["organization"]
    for row in tables["service_at_location"][1]:
        assert row["service_id"] in ids["service"]
        assert row["location_id"] in ids["location"]
    for row in tables["service_capacity"][1]:
        assert row["unit_id"] in ids["unit"]
    for row in tables["attribute"][1]:
        assert row["taxonomy_term_id"] in ids["taxonomy_term"]
    capacity = next(
        row for row in tables["service_capacity"][1] if row["id"] == hsds_id(world.capacity)
    )
    assert (capacity["maximum"], capacity["available"]) == ("20", "4")


def test_export_ids_are_stable_across_exports(world, tmp_path):
    first = json.loads(export(tmp_path / "a", "json")[0].read_text())
    second = json.loads(export(tmp_path / "b", "json")[0].read_text())
    assert [s["id"] for s in first] == [s["id"] for s in second]


def test_formula_like_text_is_neutralised_in_the_csv_and_round_trips(world, tmp_path):
    """Formula injection (issue 13, item 7): the data package's CSV files hold text that a
    spreadsheet would run with a leading apostrophe; a reader of the package
    (``schemas.row_from_csv``) gets the published value back, exactly."""
    from services.models import Organisation, Service

    Service.objects.filter(pk=world.service.pk).update(
        name='=HYPERLINK("http://x","y")', description="-2+3", alternate_name="'quoted"
    )
    Organisation.objects.filter(pk=world.organisation.pk).update(
        name="@SUM(A1)", phone="+39 06 1234567"
    )
    published = json.loads(export(tmp_path / "json", "json")[0].read_text())
    service = next(s for s in published if s["id"] == hsds_id(world.service))
    # The JSON publication is not a spreadsheet: written as it is.
    assert service["name"] == '=HYPERLINK("http://x","y")'
    directory, _out = export(tmp_path, "datapackage")
    _package, tables = read_tables(directory)

    raw_service = next(r for r in tables["service"][1] if r["id"] == hsds_id(world.service))
    assert raw_service["name"] == '\'=HYPERLINK("http://x","y")'
    assert raw_service["description"] == "'-2+3"
    assert raw_service["alternate_name"] == "''quoted"
    raw_organisation = tables["organization"][1][0]
    assert raw_organisation["name"] == "'@SUM(A1)"
    assert [row["number"] for row in tables["phone"][1]] == ["'+39 06 1234567"]
    for rows in (r for _fields, r in tables.values()):
        for row in rows:
            assert not any(
                value.startswith(("=", "+", "-", "@", "\t", "\r")) for value in row.values()
            ), row

    values = schemas.row_from_csv("service", raw_service)
    for key in ("name", "description", "alternate_name", "email", "status"):
        assert values.get(key) == service.get(key), key
    assert schemas.row_from_csv("phone", tables["phone"][1][0])["number"] == "+39 06 1234567"
    capacity = next(
        row for row in tables["service_capacity"][1] if row["id"] == hsds_id(world.capacity)
    )
    assert schemas.row_from_csv("service_capacity", capacity)["maximum"] == 20
