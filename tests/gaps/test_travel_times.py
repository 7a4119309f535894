"""Accessibility by travel time: an imported matrix decides who reaches what."""

from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from gaps.models import CoverageResult, Standard, TravelTime
from gaps.runs import run_coverage
from services.models import ServiceCategory, Site

pytestmark = pytest.mark.django_db
HEADER = "istat_code,site_id,minutes,source\n"


def write(tmp_path, body):
    path = tmp_path / "times.csv"
    path.write_text(HEADER + body, encoding="utf-8")
    return path


def test_import_and_reimport(city, tmp_path, capsys):
    site = Site.objects.get(municipality=city["a"])
    a, c = city["a"].istat_code, city["c"].istat_code
    call_command(
        "import_travel_times", write(tmp_path, f"{a},{site.pk},5,OSRM\n{c},{site.pk},20,OSRM\n")
    )
    assert "2 created, 0 updated." in capsys.readouterr().out
    call_command("import_travel_times", write(tmp_path, f"{c},{site.pk},25,OSRM 2\n"))
    assert "0 created, 1 updated." in capsys.readouterr().out
    assert TravelTime.objects.get(municipality=city["c"]).minutes == 25


def test_errors_are_named_and_nothing_lands(city, tmp_path, capsys):
    site = Site.objects.get(municipality=city["a"])
    a = city["a"].istat_code
    body = f"{a},{site.pk},5,OSRM\n999999,{site.pk},5,OSRM\n{a},0,5,OSRM\n{a},{site.pk},-3,OSRM\n"
    with pytest.raises(CommandError, match="3 errors"):
        call_command("import_travel_times", write(tmp_path, body))
    assert capsys.readouterr().err.splitlines() == [
        "line 3, istat_code: unknown municipality 999999.",
        "line 4, site_id: unknown site 0.",
        "line 5, minutes: a number of minutes, 0 or more.",
    ]
    assert not TravelTime.objects.exists()


def test_a_minute_catchment_follows_the_matrix_not_the_distance(city):
    site = Site.objects.get(municipality=city["a"])
    # A is 5 minutes away; B, next door, 40 (beyond 30); C, 67 km away, 20.
    for town, minutes in (("a", 5), ("b", 40), ("c", 20)):
        TravelTime.objects.create(municipality=city[town], site=site, minutes=minutes, source="t")
    Standard.objects.create(
        code="shelter-30-minutes",
        name_it="Casa rifugio entro 30 minuti",
        name_en="Women's shelter within 30 minutes",
        kind="accessibility",
        category=ServiceCategory.objects.get(code="gender-violence.shelter"),
        supply_measure="places",
        catchment=Decimal("30"),
        catchment_unit="minutes",
        decay="step",
        source="Test",
    )
    run = run_coverage(city["metro"])
    scores = {
        row.municipality_id: row.accessibility
        for row in CoverageResult.objects.filter(
            run=run, standard__code="shelter-30-minutes", area_kind="municipality"
        )
    }
    # 6 places over A and C (25,000 people).
    assert scores[city["a"].pk] == pytest.approx(6 / 25000, rel=1e-12)
    assert scores[city["c"].pk] == pytest.approx(6 / 25000, rel=1e-12)
    assert scores[city["b"].pk] == 0.0
