"""Loading the shipped territory data: complete, exact and idempotent."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from registry.models import MetropolitanCity, Municipality
from registry.territory import LoadReport, load_territory

pytestmark = pytest.mark.django_db

CITIES = 14
MUNICIPALITIES = 1268


def snapshot() -> dict[str, list]:
    """Every row with its physical address and writing transaction: any UPDATE, even one
    that writes the same values, gives a row a new ``ctid`` and ``xmin``."""
    rows = {}
    with connection.cursor() as cursor:
        for table in ("registry_metropolitancity", "registry_municipality"):
            cursor.execute(
                f"SELECT id, ctid::text, xmin::text, t::text FROM {table} t ORDER BY id"  # noqa: S608
            )
            rows[table] = cursor.fetchall()
    return rows


def test_loads_every_city_and_municipality():
    report = load_territory()

    assert report == LoadReport(
        cities_created=CITIES,
        cities_updated=0,
        municipalities_created=MUNICIPALITIES,
        municipalities_updated=0,
        municipalities_unchanged=0,
    )
    assert MetropolitanCity.objects.count() == CITIES
    assert Municipality.objects.count() == MUNICIPALITIES
    assert not Municipality.objects.filter(boundary__isnull=True).exists()
    assert sum(Municipality.objects.values_list("population", flat=True)) == 21_181_927

    roma = Municipality.objects.select_related("metropolitan_city").get(istat_code="058091")
    assert (roma.name, roma.cadastral_code) == ("Roma", "H501")
    assert (roma.population, roma.population_year) == (2_617_175, 2011)
    assert roma.boundary["type"] in ("Polygon", "MultiPolygon")
    assert roma.boundary["coordinates"]
    assert (roma.metropolitan_city.slug, roma.metropolitan_city.istat_code) == ("roma", "058")
    assert roma.metropolitan_city.municipalities.count() == 121


def test_second_run_changes_nothing():
    load_territory()
    before = snapshot()

    report = load_territory()

    assert report == LoadReport(
        cities_created=0,
        cities_updated=0,
        municipalities_created=0,
        municipalities_updated=0,
        municipalities_unchanged=MUNICIPALITIES,
    )
    assert snapshot() == before


def test_a_run_restores_an_edited_municipality_only():
    load_territory()
    Municipality.objects.filter(istat_code="058091").update(population=1)
    before = snapshot()

    report = load_territory()

    assert (report.municipalities_updated, report.municipalities_unchanged) == (1, 1267)
    assert Municipality.objects.get(istat_code="058091").population == 2_617_175
    after = snapshot()
    changed = {
        row[0]
        for row in after["registry_municipality"]
        if row not in before["registry_municipality"]
    }
    assert changed == {Municipality.objects.get(istat_code="058091").pk}
    assert after["registry_metropolitancity"] == before["registry_metropolitancity"]


def test_command_loads_one_metropolitan_city():
    out = StringIO()
    call_command("load_territory", "--metro", "roma", stdout=out)

    assert list(MetropolitanCity.objects.values_list("slug", flat=True)) == ["roma"]
    assert Municipality.objects.count() == 121
    assert not Municipality.objects.exclude(metropolitan_city__slug="roma").exists()
    assert (
        "Metropolitan cities: 1 created, 0 updated. "
        "Municipalities: 121 created, 0 updated, 0 unchanged."
    ) in out.getvalue()
    assert "ISTAT (CC BY)" in out.getvalue()


def test_command_rejects_an_unknown_metropolitan_city():
    with pytest.raises(CommandError, match="invalid choice: 'atlantide'"):
        call_command("load_territory", "--metro", "atlantide", stdout=StringIO())
    assert not MetropolitanCity.objects.exists()


def test_function_rejects_an_unknown_metropolitan_city():
    with pytest.raises(ValueError, match="Unknown metropolitan city: atlantide"):
        load_territory(metro_slugs={"atlantide"})
    assert not Municipality.objects.exists()
