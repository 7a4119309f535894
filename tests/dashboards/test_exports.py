"""Exports of the dashboard tables: the published table, as CSV and XLSX, and the map."""

import csv
import io
import json

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from core.suppression import MARKERS
from dashboards.indicators import Area, casework_table, referrals_table
from dashboards.scope import Period
from tests.auth import verified_login
from tests.dashboards.page_fixture import build_dashboard_city

pytestmark = pytest.mark.django_db

KEYS = (
    "casework",
    "referrals",
    "housing",
    "services",
    "housing-first",
    "trends",
    "gaps",
    "social-workers",
)


@pytest.fixture
def data():
    return build_dashboard_city()


@pytest.fixture
def official_client(client, data):
    verified_login(client, data["official"])
    return client


def export(client, data, key, fmt, **query):
    url = reverse("admin:dashboard-export", args=[data["metro"].slug, key, fmt])
    return client.get(url, query)


def expected_lines(table):
    """The published table as text lines: label, then each column's cell."""
    rows = [*table.rows, table.total]
    return [
        [r.label, *("" if r.cells[c.key] is None else str(r.cells[c.key]) for c in table.columns)]
        for r in rows
    ]


def read_csv(response) -> list[list[str]]:
    content = response.content
    assert content.startswith(b"\xef\xbb\xbf")  # BOM for spreadsheet programs
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))


def test_csv_is_the_published_table(official_client, data):
    response = export(official_client, data, "casework", "csv")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    month = timezone.localdate().strftime("%Y-%m")
    assert response["Content-Disposition"] == (
        f'attachment; filename="atlante-{data["metro"].slug}-casework-{month}.csv"'
    )
    lines = read_csv(response)
    table = casework_table(Area(data["metro"]), Period.last_months(12)).publish()
    assert lines[0] == [
        "Area",
        *(c.label + (f" ({c.unit})" if c.unit else "") for c in table.columns),
    ]
    assert lines[1:] == expected_lines(table)
    by_label = {line[0]: line for line in lines}
    assert by_label[data["second"].name][1] == "<5"
    assert by_label[data["ambito"].name][1] == "n.d."
    assert by_label["Total"][1] == "9"


def test_xlsx_is_the_published_table_with_numbers_as_numbers(official_client, data):
    response = export(official_client, data, "referrals", "xlsx", months=6)
    assert response.status_code == 200
    assert "spreadsheetml" in response["Content-Type"]
    assert response["Content-Disposition"].endswith(
        f'-referrals-{timezone.localdate():%Y-%m}.xlsx"'
    )
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert all(cell.font.bold for cell in sheet[1])
    table = referrals_table(Area(data["metro"]), Period.last_months(6)).publish()
    assert list(rows[0]) == ["Area", *(c.label for c in table.columns)]
    for line, published_row in zip(rows[1:], [*table.rows, table.total], strict=False):
        assert line[0] == published_row.label
        assert list(line[1 : 1 + len(table.columns)]) == [
            published_row.cells[c.key] for c in table.columns
        ]
    waiting = rows[0].index("waiting list")
    first = next(line for line in rows if line[0] == data["ambito"].name)
    assert first[waiting] == 6 and isinstance(first[waiting], int)


def test_suppressed_cells_are_text_in_xlsx(official_client, data):
    response = export(official_client, data, "casework", "xlsx")
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    second = next(line for line in rows if line[0] == data["second"].name)
    assert second[1] == "<5"
    total = next(line for line in rows if line[0] == "Total")
    assert total[1] == 9


def test_an_export_of_a_zone_rebuilds_the_zone_table(official_client, data):
    response = export(official_client, data, "casework", "csv", zone=data["ambito"].code)
    lines = read_csv(response)
    assert [line[0] for line in lines[1:]] == [data["a"].name, data["b"].name, "Total"]
    # Hidden as on the city page, where 9 - 7 would give away the other Ambito's 2.
    assert lines[1][1] == "n.d."
    assert f"-{data['ambito'].code.lower()}-casework-" in response["Content-Disposition"]


@pytest.mark.parametrize("key", KEYS)
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_every_table_exports_without_personal_data(official_client, data, key, fmt):
    response = export(official_client, data, key, fmt)
    assert response.status_code == 200, key
    if fmt == "csv":
        text = response.content.decode("utf-8-sig")
        assert len(read_csv(response)) >= 2
    else:
        sheet = load_workbook(io.BytesIO(response.content)).active
        text = "\n".join(str(value) for line in sheet.iter_rows(values_only=True) for value in line)
    for person in data["people"]:
        assert person.codice_fiscale not in text
        assert f"{person.given_name} {person.family_name}" not in text


def test_the_map_is_geojson(official_client, data):
    response = export(official_client, data, "map", "geojson")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    collection = json.loads(response.content)
    assert collection["type"] == "FeatureCollection"
    for person in data["people"]:
        assert person.codice_fiscale not in response.content.decode()


@pytest.mark.parametrize(
    ("key", "fmt"),
    [("people", "csv"), ("casework", "pdf"), ("map", "csv"), ("casework", "geojson")],
)
def test_unknown_table_or_format_is_404(official_client, data, key, fmt):
    assert export(official_client, data, key, fmt).status_code == 404


def test_bad_parameters_are_400(official_client, data):
    assert export(official_client, data, "casework", "csv", months="5").status_code == 400
    assert (
        export(official_client, data, "casework", "csv", municipality="999999").status_code == 400
    )


def test_published_counts_in_exports_are_zero_marked_or_at_least_five(official_client, data):
    lines = read_csv(export(official_client, data, "referrals", "csv"))
    for line in lines[1:]:
        for value in line[1:]:
            assert value in MARKERS or int(value) == 0 or int(value) >= 5


# Formula injection (issue 13, item 7): names that spreadsheet programs would run.
FORMULAS = {
    "ambito": '=HYPERLINK("http://x","y")',
    "second": "+1+1",
    "a": "-2+3",
    "b": "@SUM(A1)",
}


@pytest.fixture
def formula_names(data):
    for key, name in FORMULAS.items():
        type(data[key]).objects.filter(pk=data[key].pk).update(name=name)
    return FORMULAS


def test_csv_writes_formula_like_names_as_text(official_client, data, formula_names):
    lines = read_csv(export(official_client, data, "casework", "csv"))
    labels = [line[0] for line in lines[1:]]
    assert "'" + formula_names["ambito"] in labels
    assert "'" + formula_names["second"] in labels
    by_label = {line[0]: line for line in lines}
    # The figures beside them are unchanged: the cells of counts are not text.
    assert by_label["'" + formula_names["second"]][1] == "<5"
    assert by_label["Total"][1] == "9"
    zone_lines = read_csv(
        export(official_client, data, "casework", "csv", zone=data["ambito"].code)
    )
    assert [line[0] for line in zone_lines[1:]] == ["'-2+3", "'@SUM(A1)", "Total"]
    assert zone_lines[1][1] == "n.d."  # hidden as on the city page (dashboards/periods.py)
    for line in [*lines, *zone_lines]:
        assert not line[0].startswith(("=", "+", "-", "@"))


def test_xlsx_stores_formula_like_names_as_text_and_numbers_as_numbers(
    official_client, data, formula_names
):
    response = export(official_client, data, "referrals", "xlsx", zone=data["ambito"].code)
    sheet = load_workbook(io.BytesIO(response.content)).active
    labels = {cell.value: cell for cell in sheet["A"]}
    for name in ("-2+3", "@SUM(A1)"):
        cell = labels["'" + name]
        assert cell.data_type == "s"
    waiting = [cell.value for cell in sheet[1]].index("waiting list") + 1
    figure = sheet.cell(row=labels["'-2+3"].row, column=waiting)
    assert figure.value == 6 and figure.data_type == "n"
    response = export(official_client, data, "casework", "xlsx")
    sheet = load_workbook(io.BytesIO(response.content)).active
    cells = {cell.value: cell for cell in sheet["A"]}
    for name in (formula_names["ambito"], formula_names["second"]):
        assert cells["'" + name].data_type == "s"
    assert not any(cell.data_type == "f" for row in sheet.iter_rows() for cell in row)
