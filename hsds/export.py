"""The HSDS publication as files: a JSON list of fully nested services, or a tabular data
package (one CSV per HSDS table plus ``datapackage.json``, Frictionless Data's format).

The tables are cut from the same nested objects the API serves, guided by the HSDS
schemas: scalar properties are columns, nested objects go to their own table, with the
``*_id`` links the serializers already put in every child. So the tables can never show
more than the API does; confidential places are not in either.

The data package is a machine format, but its CSV files are as easily opened in a
spreadsheet program, so their text cells are neutralised like every export
(``core.spreadsheets``): a text that could be read as a formula (``=…``, ``+39 06…``,
``-…``, ``@…``) starts with an apostrophe. Numbers stay numbers. A reader of the package
takes the apostrophe off again with ``core.spreadsheets.restore_cell`` (as
``hsds.schemas.row_from_csv`` does), so the values round-trip exactly; the JSON
publication is not a spreadsheet and is written as it is.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Iterator
from pathlib import Path

from django.utils import timezone

from core.spreadsheets import safe_record
from hsds import publication, schemas, serializers

Json = dict


def published_services_full() -> Iterator[Json]:
    queryset = publication.services_for_output(publication.published_services(), full=True)
    for service in queryset.iterator(chunk_size=200):
        yield serializers.service_full(service)


def published_organisations_full() -> Iterator[Json]:
    queryset = publication.organisations_for_output(
        publication.published_organisations(), full=True, full_service=False
    )
    for organisation in queryset.iterator(chunk_size=200):
        yield serializers.organisation_full(organisation, full_service=False)


def write_json(output: Path) -> int:
    output.parent.mkdir(parents=True, exist_ok=True)
    services = list(published_services_full())
    output.write_text(json.dumps(services, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return len(services)


class Tables:
    """Rows by HSDS table, each id once."""

    def __init__(self) -> None:
        self.rows: dict[str, dict[str, Json]] = {name: {} for name in schemas.schema_files()}

    def add(self, name: str, record: Json) -> None:
        """Add ``record`` (an HSDS object called ``name``) and everything nested in it."""
        row = {key: record[key] for key in schemas.columns(name) if key in record}
        self.rows[name].setdefault(row["id"], row)
        for key, child_name in schemas.nested(name).items():
            value = record.get(key)
            children = value if isinstance(value, list) else [value] if value else []
            for child in children:
                self.add(child_name, child)

    def add_all(self, name: str, records: Iterable[Json]) -> None:
        for record in records:
            self.add(name, record)


def collect_tables() -> Tables:
    tables = Tables()
    tables.add("taxonomy", serializers.taxonomy())
    tables.add_all(
        "taxonomy_term", (serializers.taxonomy_term(c) for c in publication.categories())
    )
    tables.add_all("organization", published_organisations_full())
    tables.add_all("service", published_services_full())
    return tables


def table_order(name: str) -> tuple[int, str]:
    return (schemas.schema_files()[name]["datapackage_metadata"]["order"], name)


def field_descriptor(name: str, column: str) -> Json:
    definition = schemas.schema_files()[name]["properties"][column]
    field = {
        "name": column,
        "type": definition.get("datapackage_type") or definition.get("type", "string"),
        "description": definition.get("description", ""),
        "constraints": {
            "required": column in schemas.tabular_required(name),
            "unique": bool(definition.get("constraints", {}).get("unique", False)),
        },
    }
    if definition.get("title"):
        field["title"] = definition["title"]
    if definition.get("format") in ("uri", "email", "uuid") and field["type"] == "string":
        field["format"] = definition["format"]
    if "enum" in definition:
        field["constraints"]["enum"] = definition["enum"]
    return field


def resource_descriptor(name: str) -> Json:
    schema = schemas.schema_files()[name]
    return {
        "name": name,
        "path": schema["path"],
        "profile": "tabular-data-resource",
        "format": "csv",
        "mediatype": "text/csv",
        "encoding": "utf-8",
        "description": schema.get("description", ""),
        "schema": {
            "fields": [field_descriptor(name, column) for column in schemas.columns(name)],
            "primaryKey": "id",
        },
    }


def write_datapackage(directory: Path) -> dict[str, int]:
    """Write every HSDS table (empty ones with their header) and ``datapackage.json``;
    answer the row count per table."""
    directory.mkdir(parents=True, exist_ok=True)
    tables = collect_tables()
    names = sorted(tables.rows, key=table_order)
    counts = {}
    for name in names:
        fields = schemas.columns(name)
        path = directory / schemas.schema_files()[name]["path"]
        with path.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=fields)
            writer.writeheader()
            for row in tables.rows[name].values():
                writer.writerow(safe_record(row))
        counts[name] = len(tables.rows[name])
    package = {
        "name": "atlante-hsds",
        "title": "Atlante – HSDS 3.1",
        "profile": "tabular-data-package",
        "created": timezone.now().isoformat(),
        "licenses": [],
        "resources": [resource_descriptor(name) for name in names],
    }
    (directory / "datapackage.json").write_text(
        json.dumps(package, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    return counts
