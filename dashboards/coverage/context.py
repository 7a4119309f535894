"""What the dashboard page around the map needs."""

from __future__ import annotations

from django.urls import reverse

from dashboards.coverage.choice import (
    LENSES,
    LEVELS,
    BadParameter,
    choice_from,
    lens_label,
    level_label,
    standard_name,
)
from dashboards.coverage.lenses import format_number, legend
from dashboards.coverage.places import ambiti_of
from dashboards.coverage.ranking import gaps_table
from dashboards.coverage.social_workers import social_workers_table
from dashboards.indicators import Area
from dashboards.tables import Column, Row, Table
from dashboards.templatetags.dashboard_tables import is_number, suppressed

# --- What the page around the map needs -------------------------------------------------------


def coverage_context(request, area: Area) -> dict[str, object]:
    """The context of ``admin/dashboards/partials/coverage.html``: the choices (from the
    query string; an unknown value falls back to the default with an error message), the
    map's data URL, the legend and the two published tables."""
    from urllib.parse import urlencode

    error = ""
    try:
        choice = choice_from(request.GET, area)
    except BadParameter as bad:
        error = bad.message()
        choice = choice_from({}, area)
    params = {"lens": choice.lens, "level": choice.level}
    if choice.standard is not None:
        params["standard"] = choice.standard.code
    if area.zone is not None:
        params["zone"] = area.zone.code
    if area.municipality is not None:
        params["municipality"] = area.municipality.istat_code
    query = urlencode(params)
    map_url = reverse("admin:dashboard-map", args=[area.city.slug]) + "?" + query
    # Other parameters of the page (period, …) ride along in the form.
    ours = {"standard", "lens", "level"}
    hidden = [(k, v) for k, values in request.GET.lists() if k not in ours for v in values]

    tables = []
    legend_entries: list[dict[str, object]] = []
    if choice.standard is not None:
        legend_entries = legend(area, choice.standard, choice.lens, choice.level)
        tables.append(gaps_table(area, choice.standard, choice.lens).publish())
    if area.municipality is None or ambiti_of(area).exists():
        tables.append(social_workers_table(area).publish())
    exports = {
        table.key: {
            fmt: reverse("admin:dashboard-export", args=[area.city.slug, table.key, fmt])
            + "?"
            + urlencode([*hidden, *params.items()])
            for fmt in ("csv", "xlsx")
        }
        for table in tables
    }
    return {
        "choice": choice,
        "standards": [(s.code, standard_name(s)) for s in choice.standards],
        "lenses": [(lens, lens_label(lens)) for lens in LENSES],
        "levels": [(level, level_label(level)) for level in LEVELS],
        "hidden": hidden,
        "map_url": map_url,
        "standard_name": standard_name(choice.standard) if choice.standard else "",
        "lens_name": lens_label(choice.lens),
        "legend": legend_entries,
        "tables": [_table_view(table, exports[table.key]) for table in tables],
        "error": error,
    }


def _cell(value) -> str:
    if value is None:
        return "—"
    if isinstance(value, str):
        return value
    if isinstance(value, float) and not value.is_integer():
        return format_number(value, 2)
    return format_number(value)


def _is_number(value) -> bool:
    """A number or its suppression marker: aligned right, as the shared table partial does."""
    return suppressed(value) or is_number(value)


def _table_view(table: Table, exports: dict[str, str]) -> dict[str, object]:
    """A published table as the partial renders it (cells in column order, formatted;
    numbers and their suppression markers aligned right, as in every dashboard table)."""
    if not table.published:
        raise ValueError("only published tables leave the server")

    def cells(row: Row) -> list[dict[str, object]]:
        values = [row.cells.get(column.key) for column in table.columns]
        return [
            {"text": _cell(v), "number": _is_number(v), "suppressed": suppressed(v)} for v in values
        ]

    def numeric(column: Column) -> bool:
        return any(_is_number(row.cells.get(column.key)) for row in table.rows)

    return {
        "table": table,
        "headers": [
            {
                "label": f"{column.label} ({column.unit})" if column.unit else column.label,
                "number": numeric(column),
            }
            for column in table.columns
        ],
        "rows": [{"label": r.label, "link": r.link, "cells": cells(r)} for r in table.rows],
        "total": None
        if table.total is None
        else {"label": table.total.label, "cells": cells(table.total)},
        "exports": exports,
    }
