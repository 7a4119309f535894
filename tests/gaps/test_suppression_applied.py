"""Counts of people in coverage results leave the server with complementary suppression
across the area hierarchy of a run: in the CSV and GeoJSON exports, the API and the admin
alike, and the same whatever subset of rows is shown."""

import csv
import io
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from gaps.exports import as_csv, as_geojson
from gaps.models import AreaKind, CoverageResult, CoverageRun, RunStatus, RunTrigger, Standard
from gaps.publication import published_people_counts
from gaps.runs import run_coverage
from services.models import Role
from services.roles import grant_role_group
from tests.admin_pages import changelist_queries
from tests.auth import verified_login
from tests.factories import MetropolitanCityFactory, MunicipalityFactory, ZoneFactory

pytestmark = pytest.mark.django_db
URL = "/api/v1/coverage-results/"

# (waiting, unmet) per area. The Ambito's waiting is the sum of A, B and C; its unmet
# demand is computed on its sums (11, not 3 + 4 + 9) and is treated as a total anyway.
SHELTER = {"A": (3, 3), "B": (10, 4), "C": (12, 9), "D": (2, 0), "Z": (25, 11)}
# Waiting 3 in A: hidden, and B (10, the smallest other of the Ambito) with it, else
# 25 - 12 - 10 gives it away. Unmet 3 and 4: both "<5", but 11 - 9 = 2 = 1 + 1 would
# give both away (a "<5" is at least 1), so C's 9 is hidden too.
SHELTER_PUBLISHED = {
    "A": ("<5", "<5"),
    "B": ("n.d.", "<5"),
    "C": (12.0, "n.d."),
    "D": ("<5", 0.0),
    "Z": (25.0, 11.0),
}
# A second standard with nothing small: published as it is.
OTHER = {"A": (6, 6), "B": (0, 0), "C": (7, 0), "D": (0, 0), "Z": (13, 6)}


def _result(run, standard, area, waiting, unmet):
    is_zone = area.__class__.__name__ == "Zone"
    return CoverageResult(
        run=run,
        standard=standard,
        area_kind=AreaKind.ZONE if is_zone else AreaKind.MUNICIPALITY,
        municipality=None if is_zone else area,
        zone=area if is_zone else None,
        population_used=1000.0,
        group_known=True,
        supply=0.0,
        site_count=0,
        present=False,
        accessibility=0.0,
        waiting=float(waiting),
        free_places=0.0,
        unmet=float(unmet),
    )


@pytest.fixture
def hierarchy():
    """Municipalities A, B, C in one Ambito, D in none; a complete run by hand."""
    metro = MetropolitanCityFactory(slug="tre")
    areas = {name: MunicipalityFactory(metropolitan_city=metro) for name in "ABCD"}
    areas["Z"] = ZoneFactory(
        metropolitan_city=metro, municipalities=[areas["A"], areas["B"], areas["C"]]
    )
    run = CoverageRun.objects.create(
        metropolitan_city=metro,
        scope="tre",
        trigger=RunTrigger.MANUAL,
        status=RunStatus.COMPLETE,
        progress=100,
        finished_at=timezone.now(),
    )
    shelter = Standard.objects.get(code="shelter-family-places")
    other = Standard.objects.filter(active=True).exclude(pk=shelter.pk).order_by("code").first()
    rows = [_result(run, shelter, areas[k], *v) for k, v in SHELTER.items()]
    rows += [_result(run, other, areas[k], *v) for k, v in OTHER.items()]
    CoverageResult.objects.bulk_create(rows)
    ids = {
        (r.standard_id, r.municipality_id or r.zone_id, r.area_kind): r.pk
        for r in CoverageResult.objects.filter(run=run)
    }

    def result_id(standard, name):
        area = areas[name]
        kind = AreaKind.ZONE if name == "Z" else AreaKind.MUNICIPALITY
        return ids[(standard.pk, area.pk, kind)]

    return {
        "metro": metro,
        "areas": areas,
        "run": run,
        "shelter": shelter,
        "other": other,
        "id": result_id,
    }


def _code(hierarchy, name):
    area = hierarchy["areas"][name]
    return area.code if name == "Z" else area.istat_code


def test_the_zone_protects_its_municipalities(hierarchy):
    results = list(CoverageResult.objects.filter(run=hierarchy["run"]))
    with CaptureQueriesContext(connection) as queries:
        published = published_people_counts(results)
    assert len(queries) == 3  # the runs' starts, the run's results, the Ambiti's members
    shelter, other, result_id = hierarchy["shelter"], hierarchy["other"], hierarchy["id"]
    assert {
        name: (
            published[result_id(shelter, name)]["waiting"],
            published[result_id(shelter, name)]["unmet"],
        )
        for name in SHELTER
    } == SHELTER_PUBLISHED
    assert {
        name: (
            published[result_id(other, name)]["waiting"],
            published[result_id(other, name)]["unmet"],
        )
        for name in OTHER
    } == {name: (float(w), float(u)) for name, (w, u) in OTHER.items()}


def test_one_row_is_published_as_in_the_whole_run(hierarchy):
    b = CoverageResult.objects.get(pk=hierarchy["id"](hierarchy["shelter"], "B"))
    with CaptureQueriesContext(connection) as queries:
        published = published_people_counts([b])
    assert len(queries) == 3
    # Kept for the run: the same again in one query (the runs' starts).
    with CaptureQueriesContext(connection) as again:
        assert published_people_counts([b]) == published
    assert len(again) == 1
    # Only B asked for: still hidden, because the Ambito's 25 and C's 12 are published.
    assert published[b.pk] == {"waiting": "n.d.", "unmet": "<5"}


def test_csv_and_geojson_exports(hierarchy):
    rows = list(csv.DictReader(io.StringIO(as_csv(hierarchy["run"]))))
    shelter = {
        row["area_code"]: (row["waiting"], row["unmet"])
        for row in rows
        if row["standard"] == "shelter-family-places"
    }
    assert shelter == {
        _code(hierarchy, name): tuple(str(v) for v in values)
        for name, values in SHELTER_PUBLISHED.items()
    }
    collection = json.loads(as_geojson(hierarchy["run"]))
    shown = {
        f["properties"]["area_code"]: (f["properties"]["waiting"], f["properties"]["unmet"])
        for f in collection["features"]
        if f["properties"]["standard"] == "shelter-family-places"
    }
    assert shown == {_code(hierarchy, name): v for name, v in SHELTER_PUBLISHED.items()}


def test_exports_take_a_fixed_number_of_queries(hierarchy):
    with CaptureQueriesContext(connection) as few:
        as_csv(hierarchy["run"])
    metro, run = hierarchy["metro"], hierarchy["run"]
    more = [MunicipalityFactory(metropolitan_city=metro) for _ in range(5)]
    zone = ZoneFactory(metropolitan_city=metro, municipalities=more)
    CoverageResult.objects.bulk_create(
        [_result(run, hierarchy["shelter"], m, 1, 1) for m in more]
        + [_result(run, hierarchy["shelter"], zone, 5, 5)]
    )
    with CaptureQueriesContext(connection) as many:
        text = as_csv(run)
    assert len(many) == len(few)
    rows = list(csv.DictReader(io.StringIO(text)))
    new = {m.istat_code for m in more}
    assert [(r["waiting"], r["unmet"]) for r in rows if r["area_code"] in new] == [("<5", "<5")] * 5
    (total,) = [r for r in rows if r["area_code"] == zone.code]
    assert (total["waiting"], total["unmet"]) == ("n.d.", "n.d.")


@pytest.fixture
def official_client(make_member):
    client = APIClient()
    client.force_authenticate(make_member(Role.OFFICIAL))
    return client


def test_the_api_publishes_the_same_whatever_the_filter(hierarchy, official_client):
    response = official_client.get(
        URL, {"metropolitan_city": "tre", "standard": "shelter-family-places"}
    )
    assert response.status_code == 200, response.content
    by_id = {row["id"]: (row["waiting"], row["unmet"]) for row in response.json()["results"]}
    assert by_id == {
        hierarchy["id"](hierarchy["shelter"], name): value
        for name, value in SHELTER_PUBLISHED.items()
    }
    # Asked for B alone, B is still hidden.
    b = hierarchy["areas"]["B"]
    (row,) = official_client.get(
        URL, {"standard": "shelter-family-places", "municipality": b.istat_code}
    ).json()["results"]
    assert (row["waiting"], row["unmet"]) == ("n.d.", "<5")
    detail = official_client.get(f"{URL}{row['id']}/").json()
    assert (detail["waiting"], detail["unmet"]) == ("n.d.", "<5")


def test_the_api_takes_a_fixed_number_of_queries(hierarchy, official_client):
    official_client.get(URL)  # the user's permissions, loaded once
    with CaptureQueriesContext(connection) as one:
        official_client.get(URL, {"municipality": hierarchy["areas"]["A"].istat_code})
    with CaptureQueriesContext(connection) as all_rows:
        response = official_client.get(URL, {"metropolitan_city": "tre"})
    assert len(response.json()["results"]) == 10
    assert len(all_rows) == len(one)


def test_the_admin_list_and_page(hierarchy, client, make_member):
    official = make_member(Role.OFFICIAL)
    grant_role_group(official, Role.OFFICIAL)
    verified_login(client, official)
    page = client.get(
        reverse("admin:gaps_coverageresult_changelist"),
        {"standard__id__exact": hierarchy["shelter"].pk},
    )
    assert page.status_code == 200
    shown = {result.pk: result.published_people_counts for result in page.context["cl"].result_list}
    result_id = hierarchy["id"]
    shelter = hierarchy["shelter"]
    for name, (waiting, unmet) in SHELTER_PUBLISHED.items():
        assert shown[result_id(shelter, name)] == {"waiting": waiting, "unmet": unmet}
    # The list shows unmet demand: the published values, never C's 9.
    assert page.content.decode().count("n.d.") >= 1
    b = result_id(shelter, "B")
    detail = client.get(reverse("admin:gaps_coverageresult_change", args=[b]))
    assert detail.status_code == 200
    text = detail.content.decode()
    assert "n.d." in text and "10.0" not in text


def test_a_computed_run_publishes_the_same_way(city):
    """The small city of tests/gaps: one person of B waiting, B and its Ambito "<5"."""
    run = run_coverage(city["metro"])
    rows = list(csv.DictReader(io.StringIO(as_csv(run))))
    shelter = {
        row["area_code"]: (row["waiting"], row["unmet"])
        for row in rows
        if row["standard"] == "shelter-family-places"
    }
    assert shelter == {
        city["a"].istat_code: ("0.0", "0.0"),
        city["b"].istat_code: ("<5", "<5"),
        city["c"].istat_code: ("0.0", "0.0"),
        # The Ambito's unmet demand is on its sums: 1 waiting against A's 2 free places
        # is 0. Not B's "<5" plus A's 0, so it gives nothing away and is shown.
        city["ambito"].code: ("<5", "0.0"),
    }


def test_the_admin_list_takes_a_fixed_number_of_queries(hierarchy, client, make_member):
    official = make_member(Role.OFFICIAL)
    grant_role_group(official, Role.OFFICIAL)
    verified_login(client, official)
    before = changelist_queries(client, CoverageResult)
    metro, run = hierarchy["metro"], hierarchy["run"]
    more = [MunicipalityFactory(metropolitan_city=metro) for _ in range(8)]
    zone = ZoneFactory(metropolitan_city=metro, municipalities=more)
    CoverageResult.objects.bulk_create(
        [_result(run, hierarchy["shelter"], m, 2, 0) for m in more]
        + [_result(run, hierarchy["shelter"], zone, 16, 0)]
    )
    assert changelist_queries(client, CoverageResult) == before
