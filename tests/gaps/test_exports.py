"""A run's results as CSV and GeoJSON, for QGIS; no site location ever leaves."""

import csv
import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from gaps.runs import run_coverage

pytestmark = pytest.mark.django_db


def test_csv_has_a_row_per_area_and_standard(city, tmp_path):
    run = run_coverage(city["metro"])
    path = tmp_path / "coverage.csv"
    call_command("export_coverage", path, metro="piccola")
    rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))
    assert len(rows) == run.results.count()
    shelter_a = next(
        row
        for row in rows
        if row["standard"] == "shelter-family-places" and row["area_code"] == city["a"].istat_code
    )
    assert shelter_a["supply"] == "6.0"
    assert shelter_a["requirement"] == "2.0"
    assert shelter_a["standard_source"].startswith("Council of Europe")
    assert shelter_a["run"] == str(run.pk)
    # One person of B is waiting: a count of people under 5 never leaves as such.
    shelter_b = next(
        row
        for row in rows
        if row["standard"] == "shelter-family-places" and row["area_code"] == city["b"].istat_code
    )
    assert (shelter_b["waiting"], shelter_b["unmet"]) == ("<5", "<5")
    assert all(
        row["waiting"] in ("0.0", "<5", "n.d.") or float(row["waiting"]) >= 5 for row in rows
    )


def test_geojson_draws_the_areas_not_the_sites(city, tmp_path):
    city["a"].boundary = {
        "type": "Polygon",
        "coordinates": [[[12.4, 41.8], [12.6, 41.8], [12.6, 42.0], [12.4, 42.0], [12.4, 41.8]]],
    }
    city["a"].save()
    run = run_coverage(city["metro"])
    path = tmp_path / "coverage.geojson"
    call_command("export_coverage", path, run=run.pk, format="geojson")
    text = path.read_text(encoding="utf-8")
    collection = json.loads(text)
    assert collection["type"] == "FeatureCollection"
    feature = next(
        f
        for f in collection["features"]
        if f["properties"]["area_code"] == city["a"].istat_code
        and f["properties"]["standard"] == "shelter-family-places"
    )
    assert feature["geometry"] == city["a"].boundary
    assert feature["properties"]["supply"] == 6.0
    # The confidential shelter's coordinates (41.90, 12.5) appear nowhere as a point.
    assert '"Point"' not in text


def test_no_run_yet_is_said(city, tmp_path):
    with pytest.raises(CommandError, match="No complete run yet"):
        call_command("export_coverage", tmp_path / "x.csv", metro="piccola")


def test_csv_writes_formula_like_names_as_text_and_figures_as_numbers(city, tmp_path):
    """Formula injection (issue 13, item 7): an area named like a formula is text."""
    names = {"a": '=HYPERLINK("http://x","y")', "b": "+1+1", "c": "-2+3", "ambito": "@SUM(A1)"}
    for key, name in names.items():
        type(city[key]).objects.filter(pk=city[key].pk).update(name=name)
    run_coverage(city["metro"])
    path = tmp_path / "coverage.csv"
    call_command("export_coverage", path, metro="piccola")
    rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))
    written = {row["area_name"] for row in rows}
    assert written == {"'" + name for name in names.values()}
    shelter_a = next(
        row
        for row in rows
        if row["standard"] == "shelter-family-places" and row["area_code"] == city["a"].istat_code
    )
    assert shelter_a["area_name"] == '\'=HYPERLINK("http://x","y")'
    assert shelter_a["supply"] == "6.0"
    # The figures are numbers (or the suppression markers), never quoted as text.
    for row in rows:
        for figure in ("supply", "requirement", "gap", "population_used"):
            assert row[figure] == "" or float(row[figure]) == float(row[figure])
        assert row["waiting"] in ("<5", "n.d.") or float(row["waiting"]) >= 0
