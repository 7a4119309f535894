"""A coverage run's results as CSV (one row per area and standard) and as GeoJSON (one
feature per area and standard, with the municipality's or zone's boundary), for QGIS.

Aggregates only: no person, no site location (confidential shelters are supply inside
an area's total, never a point). Counts of people (waiting, unmet demand) are published
with small-cell suppression (``gaps.publication``): 1 to 4 are written as "<5", and a
municipality or zone hidden so that a small one cannot be recovered from its zone's total
as "n.d." — nobody can be singled out in a small municipality.

The CSV's text cells go through ``core.spreadsheets``: an area or standard named like a
formula is written as text (with a leading apostrophe), numbers stay numbers. GeoJSON is
read as JSON, never by a spreadsheet program, and is written as it is.
"""

from __future__ import annotations

import csv
import io
import json

from core.spreadsheets import safe_record
from core.suppression import publish_count
from gaps.models import AreaKind, CoverageResult, CoverageRun
from gaps.publication import PEOPLE_COUNTS, published_people_counts

# What identifies a row, then the figures of the result as stored.
AREA_COLUMNS = ("run", "standard", "standard_source", "area_kind", "area_code", "area_name")
FIGURES = (
    "population_used",
    "group_known",
    "supply",
    "site_count",
    "present",
    "requirement",
    "gap",
    "ratio",
    "accessibility",
    "sites_in_reach",
    "waiting",
    "free_places",
    "unmet",
)
COLUMNS = AREA_COLUMNS + FIGURES


def _results(run: CoverageRun, *, with_boundaries: bool):
    results = CoverageResult.objects.filter(run=run).select_related(
        "standard", "municipality", "zone"
    )
    if not with_boundaries:
        results = results.defer("municipality__boundary", "zone__boundary")
    return results.order_by("standard__code", "area_kind", "municipality_id", "zone_id")


def suppressed(value: float) -> float | str:
    """A lone count of people with no total beside it: 0, at least 5, or "<5".

    Results of a run go through :func:`gaps.publication.published_people_counts`
    instead, which also hides the cells a small one could be recovered from."""
    return publish_count(value)


def _properties(result: CoverageResult, published: dict[str, float | str]) -> dict:
    area = result.municipality if result.area_kind == AreaKind.MUNICIPALITY else result.zone
    code = area.istat_code if result.area_kind == AreaKind.MUNICIPALITY else area.code
    return {
        "run": result.run_id,
        "standard": result.standard.code,
        "standard_source": result.standard.source,
        "area_kind": result.area_kind,
        "area_code": code,
        "area_name": area.name,
        **{name: getattr(result, name) for name in FIGURES},
        **{name: published[name] for name in PEOPLE_COUNTS},
    }


def as_csv(run: CoverageRun) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    results = list(_results(run, with_boundaries=False))
    published = published_people_counts(results)
    for result in results:
        writer.writerow(safe_record(_properties(result, published[result.pk])))
    return buffer.getvalue()


def as_geojson(run: CoverageRun) -> str:
    features = []
    results = list(_results(run, with_boundaries=True))
    published = published_people_counts(results)
    for result in results:
        area = result.municipality if result.area_kind == AreaKind.MUNICIPALITY else result.zone
        features.append(
            {
                "type": "Feature",
                "geometry": area.boundary,
                "properties": _properties(result, published[result.pk]),
            }
        )
    return json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False)
