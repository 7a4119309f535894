"""Exports of the dashboard tables (CSV, XLSX) and of the coverage map (GeoJSON).

An export rebuilds the table of the page it was downloaded from (same area, period and
coverage view, from the same query string), publishes it (small-cell suppression) and
writes the published copy: "<5" and "n.d." are written as text, everything else as the
numbers the page shows. Every text cell goes through ``core.spreadsheets`` so that a name
that looks like a formula (``=HYPERLINK(...)``) is written as text, never as a formula.
"""

from __future__ import annotations

import csv
import io
import json

from django.http import Http404, HttpResponse
from django.utils.text import slugify
from django.utils.translation import gettext

from core.spreadsheets import append_xlsx_row, safe_row
from dashboards.tables import Table
from dashboards.views.pages import (
    TABLE_KEYS,
    BadRequest,
    Selection,
    bad_request,
    choose_standard,
    city_or_404,
    published,
    resolve,
)

FORMATS = ("csv", "xlsx")
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "geojson": "application/geo+json",
}
MAP_KEY = "map"


def first_column_label(key: str) -> str:
    """The heading of a table's first column (its rows' labels)."""
    if key == "trends":
        return gettext("Month")
    if key == "services":
        return gettext("Category")
    return gettext("Area")


def table_lines(table: Table) -> list[list[object]]:
    """The header, the rows and the total of a published table, as written."""
    lines = [[first_column_label(table.key), *(_heading(column) for column in table.columns)]]
    rows = [*table.rows, *([table.total] if table.total is not None else [])]
    for row in rows:
        lines.append([row.label, *(_cell(row.cells.get(column.key)) for column in table.columns)])
    return lines


def _heading(column) -> str:
    return f"{column.label} ({column.unit})" if column.unit else column.label


def _cell(value):
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def as_csv(table: Table) -> bytes:
    """UTF-8 with a byte-order mark, so that spreadsheet programs read the accents."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerows(safe_row(line) for line in table_lines(table))
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def as_xlsx(table: Table) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _sheet_title(table.title)
    lines = table_lines(table)
    for line in lines:
        append_xlsx_row(sheet, line)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    if table.total is not None:
        for cell in sheet[len(lines)]:
            cell.font = Font(bold=True)
    sheet.column_dimensions["A"].width = max(12, min(40, *(len(str(x[0])) for x in lines)))
    if table.note:
        sheet.append([])
        append_xlsx_row(sheet, [table.note])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _sheet_title(title: str) -> str:
    cleaned = "".join(" " if ch in "[]:*?/\\" else ch for ch in title).strip()
    return (cleaned or "Atlante")[:31]


def file_name(selection: Selection, key: str, fmt: str) -> str:
    area = selection.area
    parts = ["atlante", selection.city.slug]
    if area.zone is not None:
        parts.append(slugify(area.zone.code))
    if area.municipality is not None:
        parts.append(area.municipality.istat_code)
    if area.category is not None:
        parts.append(slugify(area.category.code.replace(".", "-")))
    parts += [key, selection.period.end.strftime("%Y-%m")]
    return "-".join(parts) + f".{fmt}"


def _attachment(content: bytes, name: str, fmt: str) -> HttpResponse:
    response = HttpResponse(content, content_type=CONTENT_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


def export_view(request, city, table, fmt):
    metro = city_or_404(request, city)
    key = table
    if key == MAP_KEY:
        if fmt != "geojson":
            raise Http404
    elif key not in TABLE_KEYS or fmt not in FORMATS:
        raise Http404
    try:
        selection = resolve(request, metro, from_query=True)
        if key in (MAP_KEY, "gaps"):
            choose_standard(selection)
    except BadRequest as error:
        return bad_request(request, error.form)

    if key == MAP_KEY:
        from dashboards.coverage import map_features

        if selection.standard is None:
            raise Http404
        features = map_features(selection.area, selection.standard, selection.lens, selection.level)
        content = json.dumps(features, ensure_ascii=False).encode("utf-8")
        return _attachment(content, file_name(selection, MAP_KEY, fmt), fmt)

    result = published(key, selection)
    if result is None:
        raise Http404
    content = as_csv(result) if fmt == "csv" else as_xlsx(result)
    return _attachment(content, file_name(selection, key, fmt), fmt)
