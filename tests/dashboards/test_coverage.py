"""The coverage picture of the dashboards on the small city of tests/gaps/small_city.py.

Three municipalities on one meridian: A (20,000 inhabitants) and B (10,000) 5.6 km apart,
C (5,000) 67 km away; an Ambito of A and B. One women's shelter in A with 6 places
(standard: 1 per 10,000), someone of B wait-listed for it. Worked out by hand:

=========  ===========  ======  ===========  ===  =======  ===============  =======
area       population   supply  requirement  gap  ratio    2SFCA / 10,000   waiting
=========  ===========  ======  ===========  ===  =======  ===============  =======
Ambito     30,000       6       3            0    200%     2                1 → <5
A          20,000       6       2            0    300%     2                0
B          10,000       0       1            1    0%       2                1 → <5
C          5,000        0       0.5          0.5  0%       0                0
=========  ===========  ======  ===========  ===  =======  ===============  =======
"""

import json
from decimal import Decimal

import pytest
from django.db import connection
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from dashboards.coverage import (
    BadParameter,
    choice_from,
    coverage_context,
    gaps_table,
    latest_run,
    map_features,
    social_workers_table,
    standards_for,
    state_contribution,
)
from dashboards.indicators import Area
from gaps.models import Standard
from gaps.runs import run_coverage
from registry.models import ZoneKind
from services.models import CapacityUnit, LegalForm, Role, ServiceCategory, Site
from tests.auth import verified_login
from tests.factories import (
    CapacityFactory,
    MunicipalityFactory,
    OrganisationFactory,
    ServiceAtSiteFactory,
    ServiceFactory,
    SiteFactory,
    ZoneFactory,
)
from tests.gaps.small_city import build_small_city

pytestmark = pytest.mark.django_db

SHELTER = "shelter-family-places"
# The shelter's (secret) location: must never appear in anything the map sends.
SITE_LAT, SITE_LON = "41.90123", "12.51234"


def square(lon, lat, size=0.05):
    ring = [[lon, lat], [lon + size, lat], [lon + size, lat + size], [lon, lat + size]]
    return {"type": "Polygon", "coordinates": [[*ring, ring[0]]]}


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def city():
    city = build_small_city()
    Site.objects.update(latitude=float(SITE_LAT), longitude=float(SITE_LON))
    for name, lon, lat in (("a", 11.0, 43.0), ("b", 11.1, 43.0), ("c", 11.2, 43.0)):
        municipality = city[name]
        municipality.name = {"a": "Aprilia", "b": "Bracciano", "c": "Cerveteri"}[name]
        municipality.boundary = square(lon, lat)
        municipality.save()
    city["ambito"].name, city["ambito"].code = "Ambito Nord", "ATS-N"
    city["ambito"].save()
    city["run"] = run_coverage(city["metro"])
    return city


@pytest.fixture
def shelter():
    return Standard.objects.get(code=SHELTER)


def official_of(make_member, municipality):
    organisation = OrganisationFactory(municipality=municipality, legal_form=LegalForm.PUBLIC_BODY)
    # Officials reach the admin as staff (services.roles.grant_role_group).
    return make_member(Role.OFFICIAL, organisation=organisation, is_staff=True)


def cells(table, *keys):
    return [(row.key, *(row.cells[key] for key in keys)) for row in table.rows]


# --- The ranked table of gaps ----------------------------------------------------------------


def test_gaps_table_ranks_the_largest_gaps_with_every_lens_figure(city, shelter):
    table = gaps_table(Area(city["metro"]), shelter, "normative")
    a, b, c = (city[name].istat_code for name in "abc")
    assert table.key == "gaps"
    assert [row.label for row in table.rows] == ["Bracciano", "Cerveteri", "Ambito Nord", "Aprilia"]
    columns = ("kind", "population", "supply", "requirement", "gap", "ratio", "accessibility")
    assert cells(table, *columns) == [
        (f"m-{b}", "municipality", 10000, 0.0, 1.0, 1.0, 0.0, 2.0),
        (f"m-{c}", "municipality", 5000, 0.0, 0.5, 0.5, 0.0, 0.0),
        ("z-ATS-N", "Ambito", 30000, 6.0, 3.0, 0.0, 200.0, 2.0),
        (f"m-{a}", "municipality", 20000, 6.0, 2.0, 0.0, 300.0, 2.0),
    ]
    assert table.rows[0].link == reverse("admin:dashboard-municipality", args=["piccola", b])
    assert table.rows[2].link == reverse("admin:dashboard-zone", args=["piccola", "ATS-N"])
    assert table.column("waiting").people


def test_waiting_people_are_published_with_small_cells_hidden(city, shelter):
    table = gaps_table(Area(city["metro"]), shelter, "demand").publish()
    a, b, c = (city[name].istat_code for name in "abc")
    # B's one person is "<5"; the Ambito's 1 would give it away (Ambito = A + B): "<5".
    assert cells(table, "waiting") == [
        (f"m-{b}", "<5"),
        ("z-ATS-N", "<5"),
        (f"m-{c}", 0),
        (f"m-{a}", 0),
    ]
    assert 1 not in [row.cells["waiting"] for row in table.rows]


def test_accessibility_ranks_the_least_accessible_first_and_limit_cuts(city, shelter):
    table = gaps_table(Area(city["metro"]), shelter, "accessibility", limit=2)
    assert cells(table, "accessibility") == [
        (f"m-{city['c'].istat_code}", 0.0),
        ("z-ATS-N", 2.0),  # ties: the larger population first
    ]


def test_a_zone_page_ranks_the_zone_and_its_municipalities_only(city, shelter):
    table = gaps_table(Area(city["metro"], zone=city["ambito"]), shelter, "normative")
    assert [row.label for row in table.rows] == ["Bracciano", "Ambito Nord", "Aprilia"]


def test_standards_are_those_with_results_in_the_latest_run(city):
    codes = [s.code for s in standards_for(Area(city["metro"]))]
    assert SHELTER in codes and "social-workers-1-per-5000" in codes
    violence = ServiceCategory.objects.get(code="gender-violence")
    assert [s.code for s in standards_for(Area(city["metro"], category=violence))] == [
        "anti-violence-centres",
        "rape-crisis-centres",
        SHELTER,
    ]
    assert standards_for(Area(MunicipalityFactory().metropolitan_city)) == []


def test_a_run_of_every_city_counts_when_it_is_the_latest(city):
    everywhere = run_coverage(None)
    assert latest_run(city["metro"]) == everywhere
    assert everywhere.scope == "all" and city["run"].scope == "piccola"


def test_bad_choices_name_their_parameter(city):
    area = Area(city["metro"])
    for query, name in (
        ({"lens": "colour"}, "lens"),
        ({"level": "street"}, "level"),
        ({"standard": "nope"}, "standard"),
    ):
        with pytest.raises(BadParameter) as raised:
            choice_from(query, area)
        assert raised.value.name == name
    choice = choice_from({}, area)
    assert (choice.standard.code, choice.lens, choice.level) == (
        "anti-violence-centres",
        "normative",
        "municipality",
    )


# --- The map -------------------------------------------------------------------------------


def properties(collection):
    return {f["properties"]["name"]: f["properties"] for f in collection["features"]}


def test_map_features_normative_by_municipality(city, shelter):
    collection = map_features(Area(city["metro"]), shelter, "normative", "municipality")
    assert collection["type"] == "FeatureCollection"
    shown = properties(collection)
    assert shown["Aprilia"] == {
        "code": city["a"].istat_code,
        "name": "Aprilia",
        "kind": "municipality",
        "value": 3.0,
        "value_label": "300% of the standard",
        "class": 4,
        "gap": 0.0,
        "population": 20000,
        "link": reverse("admin:dashboard-municipality", args=["piccola", city["a"].istat_code]),
    }
    assert (shown["Bracciano"]["class"], shown["Bracciano"]["gap"]) == (0, 1.0)
    assert (shown["Cerveteri"]["value"], shown["Cerveteri"]["gap"]) == (0.0, 0.5)
    geometry = next(f for f in collection["features"] if f["properties"]["name"] == "Aprilia")
    assert geometry["geometry"] == square(11.0, 43.0)
    assert [(e["class"], e["count"]) for e in collection["legend"]] == [
        (0, 2),
        (1, 0),
        (2, 0),
        (3, 0),
        (4, 1),
        (None, 0),
    ]


def test_map_features_demand_by_zone_and_areas_without_results(city, shelter):
    # A second Ambito without results (made after the run): "no data".
    ZoneFactory(
        metropolitan_city=city["metro"],
        kind=ZoneKind.AMBITO,
        name="Ambito Sud",
        code="ATS-S",
        municipalities=[city["c"]],
    )
    collection = map_features(Area(city["metro"]), shelter, "demand", "zone")
    shown = properties(collection)
    assert {name: (p["value"], p["value_label"], p["class"]) for name, p in shown.items()} == {
        "Ambito Nord": ("<5", "<5 waiting", 1),
        "Ambito Sud": (None, "no data", None),
    }
    assert (shown["Ambito Nord"]["population"], shown["Ambito Sud"]["population"]) == (
        30000,
        5000,
    )
    # An Ambito without a boundary of its own is drawn as its municipalities.
    nord = next(f for f in collection["features"] if f["properties"]["code"] == "ATS-N")
    assert nord["geometry"]["type"] == "MultiPolygon"
    assert len(nord["geometry"]["coordinates"]) == 2
    assert [(e["class"], e["count"]) for e in collection["legend"]][1] == (1, 1)
    assert collection["legend"][-1]["count"] == 1


def test_map_features_accessibility_and_presence(city, shelter):
    collection = map_features(Area(city["metro"]), shelter, "accessibility", "municipality")
    shown = properties(collection)
    assert shown["Cerveteri"]["class"] == 0
    assert shown["Aprilia"]["class"] == shown["Bracciano"]["class"] == 1  # a tie: one class
    assert shown["Aprilia"]["value_label"] == "2.00 per 10,000 inhabitants"
    presence = Standard.objects.get(code="housing-first-in-every-ambito")
    zones = properties(map_features(Area(city["metro"]), presence, "normative", "zone"))
    assert (zones["Ambito Nord"]["value_label"], zones["Ambito Nord"]["class"]) == ("absent", 0)


def test_map_queries_do_not_grow_with_the_areas(city, shelter):
    def queries():
        with CaptureQueriesContext(connection) as captured:
            map_features(Area(city["metro"]), shelter, "demand", "municipality")
            map_features(Area(city["metro"]), shelter, "normative", "zone")
            gaps_table(Area(city["metro"]), shelter, "demand")
            social_workers_table(Area(city["metro"]))
        return len(captured)

    before = queries()
    more = [MunicipalityFactory(metropolitan_city=city["metro"], population=1000) for _ in range(6)]
    ZoneFactory(metropolitan_city=city["metro"], kind=ZoneKind.AMBITO, municipalities=more[:3])
    ZoneFactory(metropolitan_city=city["metro"], kind=ZoneKind.AMBITO, municipalities=more[3:])
    run_coverage(city["metro"])
    assert queries() == before


# --- The map endpoint ------------------------------------------------------------------------


def map_url(**query):
    from urllib.parse import urlencode

    return reverse("admin:dashboard-map", args=["piccola"]) + "?" + urlencode(query)


def test_the_map_endpoint_sends_areas_and_never_a_site(client, make_member, city):
    verified_login(client, official_of(make_member, city["a"]))
    response = client.get(map_url(standard=SHELTER, lens="demand", level="municipality"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/geo+json"
    collection = json.loads(response.content)
    assert {f["properties"]["name"]: f["properties"]["value"] for f in collection["features"]} == {
        "Aprilia": 0,
        "Bracciano": "<5",
        "Cerveteri": 0,
    }
    body = response.content.decode()
    assert SITE_LAT not in body and SITE_LON not in body
    assert "41.9" not in body and "12.51" not in body
    for feature in collection["features"]:
        assert feature["geometry"]["type"] == "Polygon"
    # One zone of the city: its municipalities only.
    zone = json.loads(client.get(map_url(standard=SHELTER, zone="ATS-N")).content)
    assert sorted(f["properties"]["name"] for f in zone["features"]) == ["Aprilia", "Bracciano"]
    assert client.get(map_url(zone="ATS-X")).status_code == 404


def test_the_map_endpoint_is_not_found_for_another_officials_city(client, make_member, city):
    elsewhere = MunicipalityFactory()
    verified_login(client, official_of(make_member, elsewhere))
    assert client.get(map_url(standard=SHELTER)).status_code == 404
    own = reverse("admin:dashboard-map", args=[elsewhere.metropolitan_city.slug])
    assert client.get(own).status_code == 200


@pytest.mark.parametrize(
    ("query", "parameter"),
    [
        ({"lens": "colour"}, "lens"),
        ({"level": "street"}, "level"),
        ({"standard": "no"}, "standard"),
    ],
)
def test_the_map_endpoint_refuses_a_bad_parameter(client, make_member, city, query, parameter):
    verified_login(client, official_of(make_member, city["b"]))
    response = client.get(map_url(**query))
    assert response.status_code == 400
    assert response.json()["parameter"] == parameter


# --- Social workers per Ambito ---------------------------------------------------------------


def social_workers(municipality, fte):
    service = ServiceFactory(categories=[ServiceCategory.objects.get(code="access.social-work")])
    site = SiteFactory(organisation=service.organisation, municipality=municipality)
    offering = ServiceAtSiteFactory(service=service, site=site)
    CapacityFactory(
        offering=offering, unit=CapacityUnit.STAFF_FTE, total=Decimal(fte), available=None
    )


def test_social_workers_and_the_state_contribution_for_two_ambiti(city):
    d = MunicipalityFactory(metropolitan_city=city["metro"], population=15000, name="Dragona")
    ZoneFactory(
        metropolitan_city=city["metro"],
        kind=ZoneKind.AMBITO,
        code="ATS-S",
        name="Ambito Sud",
        municipalities=[city["c"], d],
    )
    social_workers(city["a"], "5.5")  # Ambito Nord: 30,000 inhabitants
    social_workers(city["c"], "2")  # Ambito Sud: 20,000 inhabitants, 2 + 3 FTE
    social_workers(d, "3")
    run_coverage(city["metro"])

    table = social_workers_table(Area(city["metro"]))
    columns = (
        "population",
        "fte",
        "ratio",
        "per_worker",
        "meets_6500",
        "meets_5000",
        "meets_4000",
        "band_1",
        "band_2",
        "contribution",
    )
    # Nord: 30,000 / 6,500 = 4.615 FTE earn nothing; 5.5 - 4.615 = 0.885 FTE in band 1
    # (up to 30,000 / 5,000 = 6): 0.885 × 40,000 = €35,385.
    # Sud: 20,000 / 6,500 = 3.077; band 1 up to 4 FTE: 0.923 × 40,000 = 36,923.08;
    # band 2 from 4 to 5 FTE: 1 × 20,000; €56,923.
    assert cells(table, *columns) == [
        ("ATS-N", 30000, 5.5, "1 : 5,455", 5455, "yes", "no", "no", 0.88, 0.0, 35385),
        ("ATS-S", 20000, 5.0, "1 : 4,000", 4000, "yes", "yes", "yes", 0.92, 1.0, 56923),
    ]
    assert table.total.cells["contribution"] == 35385 + 56923
    assert (table.total.cells["population"], table.total.cells["fte"]) == (50000, 10.5)
    assert table.total.cells["ratio"] == "1 : 4,762"
    assert table.rows[1].link == reverse("admin:dashboard-zone", args=["piccola", "ATS-S"])
    # A zone's page: that Ambito only.
    zone_table = social_workers_table(Area(city["metro"], zone=city["ambito"]))
    assert [row.key for row in zone_table.rows] == ["ATS-N"] and zone_table.total is None


def test_state_contribution_bands():
    assert state_contribution(65000, 10) == (0.0, 0.0, 0)  # exactly 1 : 6,500
    assert state_contribution(65000, 13) == (pytest.approx(3.0), 0.0, 120000)  # 1 : 5,000
    # 1 : 3,000 is paid only up to 1 : 4,000: 3 FTE in band 1, 3.25 in band 2.
    band_1, band_2, euros = state_contribution(65000, 65000 / 3000)
    assert (band_1, band_2, euros) == (pytest.approx(3.0), pytest.approx(3.25), 185000)


# --- The partial -----------------------------------------------------------------------------


def test_the_partial_has_the_controls_the_map_the_legend_and_the_tables(city):
    request = RequestFactory().get("/", {"standard": SHELTER, "lens": "demand", "period": "12"})
    context = coverage_context(request, Area(city["metro"]))
    html = render_to_string("admin/dashboards/partials/coverage.html", {"coverage": context})
    assert '<option value="demand" selected>' in html
    assert '<input type="hidden" name="period" value="12">' in html
    assert 'data-geojson="/admin/dashboard/piccola/map.geojson?' in html
    assert 'aria-label="Map of Women' in html
    assert "1 to 4 people (shown as &lt;5)" in html and "1 area" in html
    assert "Largest gaps: Women" in html and "Social workers per Ambito (LEPS)" in html
    assert '<td class="num suppressed">&lt;5</td>' in html
    assert "vendor/leaflet-1.9.4/leaflet.js" in html and "dashboards/map.js" in html
    assert SITE_LAT not in html and SITE_LON not in html


def test_the_partial_falls_back_on_a_bad_choice(city):
    request = RequestFactory().get("/", {"lens": "colour"})
    context = coverage_context(request, Area(city["metro"]))
    assert context["choice"].lens == "normative"
    assert "lens" in context["error"]
