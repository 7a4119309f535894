"""The HSDS 3.1 JSON schemas (``hsds/spec``), loaded offline for validation.

The files carry no ``$id``; their ``$ref``s name sibling files ("unit.json"). Each file is
registered under one made-up base URI so those references resolve in the registry and
nothing is ever fetched. The dialect is the one the HSDS OpenAPI declares
(``jsonSchemaDialect``: Draft 2020-12).
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError
from referencing import Registry
from referencing.jsonschema import DRAFT202012

from core.spreadsheets import restore_cell

SPEC_DIR = Path(__file__).resolve().parent / "spec"
BASE_URI = "https://atlante.invalid/hsds/3.1/"
NOT_SCHEMAS = frozenset({"openapi.json"})


@cache
def schema_files() -> dict[str, dict]:
    """Object name (``service``) → its schema, for every HSDS schema file."""
    schemas = {}
    for path in sorted(SPEC_DIR.glob("*.json")):
        if path.name not in NOT_SCHEMAS:
            schemas[path.stem] = json.loads(path.read_text(encoding="utf-8"))
    return schemas


@cache
def registry() -> Registry:
    resources = [
        (f"{BASE_URI}{name}.json", DRAFT202012.create_resource(schema))
        for name, schema in schema_files().items()
    ]
    return Registry().with_resources(resources)


@cache
def validator(name: str) -> Draft202012Validator:
    """A validator for the HSDS object ``name`` (``service``, ``location``…)."""
    schema = {"$ref": f"{BASE_URI}{name}.json"}
    return Draft202012Validator(
        schema, registry=registry(), format_checker=Draft202012Validator.FORMAT_CHECKER
    )


def errors(name: str, instance: object) -> list[ValidationError]:
    return sorted(validator(name).iter_errors(instance), key=lambda error: list(error.path))


def error_messages(name: str, instance: object) -> list[tuple[str, str]]:
    """(field path, reason) for each way ``instance`` breaks the schema of ``name``."""
    return [
        (".".join(str(part) for part in error.absolute_path) or "(record)", error.message)
        for error in errors(name, instance)
    ]


def validate(name: str, instance: object) -> None:
    """Raise the first ``jsonschema`` error, if any."""
    validator(name).validate(instance)


# --- The tabular form ------------------------------------------------------------------


def is_column(definition: dict) -> bool:
    """Scalar properties are CSV columns; arrays and nested objects are other tables."""
    return "$ref" not in definition and definition.get("type") not in ("array", "object")


def columns(name: str) -> list[str]:
    return [key for key, value in schema_files()[name]["properties"].items() if is_column(value)]


def nested(name: str) -> dict[str, str]:
    """Property → the HSDS object it holds, for the nested (non-column) properties."""
    found = {}
    for key, definition in schema_files()[name]["properties"].items():
        target = definition.get("$ref") or definition.get("items", {}).get("$ref")
        if target:
            found[key] = target.removesuffix(".json")
    return found


def tabular_required(name: str) -> list[str]:
    """What a CSV row of ``name`` must have: the required columns plus ``tabular_required``
    (the links that nesting gives in JSON, e.g. a service's ``organization_id``)."""
    schema = schema_files()[name]
    required = [key for key in schema.get("required", []) if key in columns(name)]
    return required + [key for key in schema.get("tabular_required", []) if key not in required]


@cache
def row_validator(name: str) -> Draft202012Validator:
    schema = schema_files()[name]
    row_schema = {
        "type": "object",
        "properties": {key: schema["properties"][key] for key in columns(name)},
        "required": tabular_required(name),
    }
    return Draft202012Validator(
        row_schema, registry=registry(), format_checker=Draft202012Validator.FORMAT_CHECKER
    )


def row_from_csv(name: str, row: dict[str, str]) -> dict[str, object]:
    """A CSV row as JSON values: empty cells left out, numeric columns as numbers, and
    text without the apostrophe the export put before a formula-like value."""
    properties = schema_files()[name]["properties"]
    values: dict[str, object] = {}
    for key, raw in row.items():
        if raw in (None, ""):
            continue
        if properties.get(key, {}).get("type") == "number":
            number = float(raw)
            values[key] = int(number) if number.is_integer() else number
        else:
            values[key] = restore_cell(raw)
    return values


def row_errors(name: str, row: dict[str, object]) -> list[str]:
    return [error.message for error in row_validator(name).iter_errors(row)]
