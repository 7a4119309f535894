"""``near``/``radius_km`` and ``open_now``/``open_at`` on /api/v1/sites/ and /services/.

* ``near`` keeps the places within the radius (default 5 km, at most 50), nearest first,
  and gives each site its ``distance_km``; cursor pages follow the distance;
* a confidential place is never found by ``near`` by whoever may not see where it is;
* an opening interval covers a moment in Europe/Rome time from ``opens_at`` (inclusive)
  to ``closes_at`` (exclusive), past midnight and past Sunday too, on the days it is
  valid;
* a malformed or out-of-range parameter answers 400 naming it;
* a list makes as many queries for 100 rows as for 10 with both filters.
"""

import datetime
import math
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from services import opening
from services.distance import Circle, rounded_km
from services.models import OpeningHours, Role, ServiceStatus
from tests.factories import (
    MembershipFactory,
    OpeningHoursFactory,
    OrganisationFactory,
    ServiceAtSiteFactory,
    ServiceFactory,
    SiteFactory,
    UserFactory,
)

API = "/api/v1/"
ROME = ZoneInfo("Europe/Rome")
CENTRE = "41.9,12.5"


def at(text: str) -> datetime.datetime:
    """A wall-clock time in Rome."""
    return datetime.datetime.fromisoformat(text).replace(tzinfo=ROME)


def client_of(user=None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def get(client, endpoint, expected_status=200, **params):
    response = client.get(f"{API}{endpoint}/", params)
    assert response.status_code == expected_status, response.content
    return response.json()


def rows(client, endpoint, **params) -> list[tuple]:
    """(id, distance_km) of the first page, or ids only for services."""
    results = get(client, endpoint, **params)["results"]
    if endpoint == "services":
        return [row["id"] for row in results]
    return [(row["id"], row.get("distance_km", "absent")) for row in results]


# --- Distance maths (no database) ---------------------------------------------------------


def haversine_km(lat0, lon0, lat, lon) -> float:
    p0, p = math.radians(lat0), math.radians(lat)
    dp, dl = p - p0, math.radians(lon - lon0)
    a = math.sin(dp / 2) ** 2 + math.cos(p0) * math.cos(p) * math.sin(dl / 2) ** 2
    return 2 * 6371.0 * math.asin(math.sqrt(a))


@pytest.mark.parametrize(("lat", "lon"), [(41.91, 12.5), (41.9, 12.52), (42.2, 12.9)])
def test_equirectangular_distance_is_close_to_the_great_circle(lat, lon):
    # The constants are those of the ellipsoid, the haversine is on a sphere: within 1 %.
    circle = Circle(41.9, 12.5, 50)
    approximate = math.sqrt(circle.squared_km(lat, lon))
    assert approximate == pytest.approx(haversine_km(41.9, 12.5, lat, lon), rel=1e-2)


def test_bounding_box_holds_the_circle():
    circle = Circle(41.9, 12.5, 10)
    min_lat, max_lat, min_lon, max_lon = circle.bounding_box()
    assert rounded_km(circle.squared_km(max_lat, 12.5)) == 10
    assert rounded_km(circle.squared_km(min_lat, 12.5)) == 10
    assert rounded_km(circle.squared_km(41.9, max_lon)) == 10
    assert rounded_km(circle.squared_km(41.9, min_lon)) == 10
    assert Circle(90, 0, 10).bounding_box()[2:] == (-360, 360)


# --- Opening hours: the Q alone -----------------------------------------------------------


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (at("2026-06-01T07:30:00+00:00").replace(tzinfo=datetime.UTC), at("2026-06-01T09:30")),
        (at("2026-01-05T08:30:00").replace(tzinfo=datetime.UTC), at("2026-01-05T09:30")),
        (datetime.datetime(2026, 6, 1, 9, 30), at("2026-06-01T09:30")),
    ],
)
def test_moments_are_read_in_rome_time(moment, expected):
    assert opening.local_moment(moment) == expected
    assert opening.local_moment(moment).tzinfo == ROME


def open_ids(moment) -> set[int]:
    return set(OpeningHours.objects.filter(opening.open_at_q(moment)).values_list("pk", flat=True))


@pytest.fixture
def hours(db):
    offering = ServiceAtSiteFactory()

    def make(weekday, opens, closes, **validity) -> int:
        return OpeningHoursFactory(
            offering=offering,
            weekday=weekday,
            opens_at=datetime.time.fromisoformat(opens),
            closes_at=datetime.time.fromisoformat(closes),
            **validity,
        ).pk

    return make


@pytest.mark.parametrize(
    ("moment", "is_open"),
    [
        ("2026-06-01T08:59", False),
        ("2026-06-01T09:00", True),  # opens_at is inclusive
        ("2026-06-01T16:59:59", True),
        ("2026-06-01T17:00", False),  # closes_at is exclusive
        ("2026-06-02T10:00", False),  # Tuesday
    ],
)
def test_interval_opens_inclusive_and_closes_exclusive(hours, moment, is_open):
    monday = hours(1, "09:00", "17:00")
    assert (monday in open_ids(at(moment))) is is_open


@pytest.mark.parametrize(
    ("moment", "is_open"),
    [
        ("2026-06-01T19:59", False),
        ("2026-06-01T20:00", True),
        ("2026-06-01T23:59", True),
        ("2026-06-02T00:00", True),
        ("2026-06-02T03:00", True),  # Monday 20:00-08:00 covers Tuesday 03:00
        ("2026-06-02T08:00", False),
        ("2026-06-02T21:00", False),  # no interval starts on Tuesday
        ("2026-06-01T03:00", False),  # Sunday has none running into Monday
    ],
)
def test_interval_past_midnight(hours, moment, is_open):
    night = hours(1, "20:00", "08:00")
    assert (night in open_ids(at(moment))) is is_open


@pytest.mark.parametrize(
    ("moment", "is_open"),
    [
        ("2026-06-07T21:59", False),
        ("2026-06-07T23:00", True),
        ("2026-06-08T02:00", True),  # Sunday 22:00-06:00 covers Monday 02:00
        ("2026-06-08T06:00", False),
        ("2026-06-06T23:00", False),  # Saturday
    ],
)
def test_interval_past_midnight_wraps_from_sunday_to_monday(hours, moment, is_open):
    sunday_night = hours(7, "22:00", "06:00")
    assert (sunday_night in open_ids(at(moment))) is is_open


def test_interval_until_midnight(hours):
    evening = hours(1, "18:00", "00:00")
    assert evening in open_ids(at("2026-06-01T23:59"))
    assert evening not in open_ids(at("2026-06-02T00:00"))


@pytest.mark.parametrize(
    ("moment", "is_open"),
    [
        ("2026-05-25T10:00", False),
        ("2026-06-01T10:00", True),  # valid_from is inclusive
        ("2026-06-29T10:00", True),
        ("2026-07-06T10:00", False),
    ],
)
def test_validity_dates(hours, moment, is_open):
    june = hours(1, "09:00", "17:00", valid_from="2026-06-01", valid_to="2026-06-30")
    assert (june in open_ids(at(moment))) is is_open


def test_validity_is_that_of_the_day_an_overnight_interval_starts(hours):
    ends_sunday = hours(7, "22:00", "06:00", valid_to="2026-06-07")
    starts_monday = hours(7, "22:00", "06:00", valid_from="2026-06-08")
    monday_night = open_ids(at("2026-06-08T02:00"))
    assert ends_sunday in monday_night
    assert starts_monday not in monday_night
    assert starts_monday in open_ids(at("2026-06-15T02:00"))
    assert ends_sunday not in open_ids(at("2026-06-15T02:00"))


# --- near on the API -----------------------------------------------------------------------


@pytest.fixture
def rome(db):
    """Sites hand-placed around 41.9,12.5, with their distances from it."""
    organisation = OrganisationFactory()
    placed = {}
    for name, lat, lon in [
        ("east_1_66", 41.9, 12.52),
        ("far_5_53", 41.95, 12.5),
        ("centre_0", 41.9, 12.5),
        ("north_1_11", 41.91, 12.5),
        ("south_west_1_38", 41.89, 12.49),
        ("milan", 45.46, 9.19),
    ]:
        placed[name] = SiteFactory(
            organisation=organisation, name=name, latitude=lat, longitude=lon
        )
    return placed


def test_sites_near_are_ordered_by_distance_with_it(rome):
    assert rows(client_of(), "sites", near=CENTRE) == [
        (rome["centre_0"].pk, 0.0),
        (rome["north_1_11"].pk, 1.11),
        (rome["south_west_1_38"].pk, 1.38),
        (rome["east_1_66"].pk, 1.66),
    ]


def test_radius_widens_and_narrows_the_search(rome):
    client = client_of()
    assert [pk for pk, _km in rows(client, "sites", near=CENTRE, radius_km=6)][-1] == rome[
        "far_5_53"
    ].pk
    assert rows(client, "sites", near=CENTRE, radius_km="1.2") == [
        (rome["centre_0"].pk, 0.0),
        (rome["north_1_11"].pk, 1.11),
    ]
    assert len(rows(client, "sites", near=CENTRE, radius_km=50)) == 5


def test_radius_boundary(db):
    edge = SiteFactory(latitude=42.0, longitude=12.5)  # 11.057 km north
    assert rows(client_of(), "sites", near=CENTRE, radius_km="11.06") == [(edge.pk, 11.06)]
    assert rows(client_of(), "sites", near=CENTRE, radius_km="11.05") == []


def test_no_distance_without_near(rome):
    assert {km for _pk, km in rows(client_of(), "sites")} == {"absent"}


def test_explicit_ordering_still_applies_with_near(rome):
    names = [
        row["name"] for row in get(client_of(), "sites", near=CENTRE, ordering="name")["results"]
    ]
    assert names == ["centre_0", "east_1_66", "north_1_11", "south_west_1_38"]


def test_cursor_pages_follow_the_distance_without_overlap(rome):
    twin = SiteFactory(name="twin", latitude=41.91, longitude=12.5)  # tie with north_1_11
    client = client_of()
    page = get(client, "sites", near=CENTRE, page_size=2)
    seen = []
    while True:
        seen += [(row["distance_km"], row["id"]) for row in page["results"]]
        if not page["next"]:
            break
        response = client.get(page["next"])
        assert response.status_code == 200
        page = response.json()
    assert seen == sorted(seen)
    assert [pk for _km, pk in seen] == [
        rome["centre_0"].pk,
        *sorted([rome["north_1_11"].pk, twin.pk]),
        rome["south_west_1_38"].pk,
        rome["east_1_66"].pk,
    ]
    previous = client.get(page["previous"]).json()
    assert [row["id"] for row in previous["results"]] == [pk for _km, pk in seen[2:4]]


def test_services_near_are_ordered_by_their_nearest_site(rome):
    organisation = rome["centre_0"].organisation

    def service_at(*sites, **fields):
        service = ServiceFactory(organisation=organisation, **fields)
        for site in sites:
            ServiceAtSiteFactory(service=service, site=site)
        return service

    both = service_at(rome["milan"], rome["north_1_11"])
    east = service_at(rome["east_1_66"])
    centre = service_at(rome["centre_0"])
    service_at(rome["far_5_53"])
    service_at(rome["milan"])
    service_at(rome["centre_0"], status=ServiceStatus.DEFUNCT)
    closed_site = SiteFactory(organisation=organisation, active=False)
    service_at(closed_site)
    assert rows(client_of(), "services", near=CENTRE) == [centre.pk, both.pk, east.pk]
    page = get(client_of(), "services", near=CENTRE, page_size=2)
    assert "distance_km" not in page["results"][0]
    following = client_of().get(page["next"]).json()
    assert [row["id"] for row in following["results"]] == [east.pk]


@pytest.fixture
def hidden_places(provider_organisation):
    """A confidential site and a site hosting a confidential service, both at the centre."""
    refuge = SiteFactory(
        organisation=provider_organisation,
        confidential=True,
        public_contact="1522",
        latitude=41.9,
        longitude=12.501,
    )
    shelter = ServiceFactory(
        organisation=provider_organisation, confidential=True, public_contact="1522"
    )
    hosting = SiteFactory(organisation=provider_organisation, latitude=41.9, longitude=12.502)
    ServiceAtSiteFactory(service=shelter, site=hosting)
    open_service = ServiceFactory(organisation=provider_organisation)
    ServiceAtSiteFactory(service=open_service, site=refuge)
    return {"refuge": refuge, "hosting": hosting, "shelter": shelter, "service": open_service}


@pytest.mark.parametrize(
    ("viewer", "finds"),
    [
        ("anonymous", False),
        ("owner_staff", True),
        ("inactive_owner_staff", False),
        ("other_staff", False),
        ("superuser", False),
    ],
)
def test_confidential_places_are_found_near_only_by_their_organisation(
    make_member, provider_organisation, superuser, hidden_places, viewer, finds
):
    user = {
        "anonymous": lambda: None,
        "owner_staff": lambda: make_member(Role.PROVIDER_STAFF, organisation=provider_organisation),
        "inactive_owner_staff": lambda: make_member(
            Role.PROVIDER_STAFF, organisation=provider_organisation, active=False
        ),
        "other_staff": lambda: make_member(Role.PROVIDER_STAFF, organisation=OrganisationFactory()),
        "superuser": lambda: superuser,
    }[viewer]()
    client = client_of(user)
    found_sites = rows(client, "sites", near=CENTRE)
    found_services = rows(client, "services", near=CENTRE)
    if finds:
        assert found_sites == [
            (hidden_places["refuge"].pk, 0.08),
            (hidden_places["hosting"].pk, 0.17),
        ]
        assert found_services == [hidden_places["service"].pk, hidden_places["shelter"].pk]
    else:
        assert found_sites == []
        assert found_services == []
    # Without near the places are listed, masked, as before.
    listed = {row["id"]: row for row in get(client, "sites")["results"]}
    assert listed[hidden_places["refuge"].pk]["latitude"] == (41.9 if finds else None)
    assert "distance_km" not in listed[hidden_places["refuge"].pk]


@pytest.mark.parametrize("endpoint", ["sites", "services"])
@pytest.mark.parametrize(
    ("params", "errors"),
    [
        (
            {"near": "rome"},
            {"near": ["Give the point as <latitude>,<longitude> in decimal degrees."]},
        ),
        (
            {"near": "41.9"},
            {"near": ["Give the point as <latitude>,<longitude> in decimal degrees."]},
        ),
        (
            {"near": "41.9,12.5,3"},
            {"near": ["Give the point as <latitude>,<longitude> in decimal degrees."]},
        ),
        ({"near": "nan,12.5"}, {"near": ["The latitude must be between -90 and 90."]}),
        ({"near": "90.5,12.5"}, {"near": ["The latitude must be between -90 and 90."]}),
        ({"near": "41.9,-180.1"}, {"near": ["The longitude must be between -180 and 180."]}),
        (
            {"near": CENTRE, "radius_km": "0"},
            {"radius_km": ["The radius must be above 0 and at most 50 km."]},
        ),
        (
            {"near": CENTRE, "radius_km": "-2"},
            {"radius_km": ["The radius must be above 0 and at most 50 km."]},
        ),
        (
            {"near": CENTRE, "radius_km": "50.01"},
            {"radius_km": ["The radius must be above 0 and at most 50 km."]},
        ),
        ({"near": CENTRE, "radius_km": "far"}, {"radius_km": ["Enter a number."]}),
        ({"radius_km": "3"}, {"radius_km": ["Give near as well."]}),
        ({"open_now": "maybe"}, {"open_now": ["Give true or false."]}),
        ({"open_at": "monday"}, {"open_at": ["Enter a valid date/time."]}),
        (
            {"open_now": "true", "open_at": "2026-06-01T10:00"},
            {"open_at": ["Give either open_now or open_at."]},
        ),
    ],
)
def test_bad_parameters_answer_400_naming_them(db, endpoint, params, errors):
    assert get(client_of(), endpoint, 400, **params) == errors


def test_extreme_but_valid_points_are_accepted(db):
    for near in ("-90,-180", "90,180", " 41.9 , 12.5 "):
        get(client_of(), "sites", near=near, radius_km=50)


# --- open_now / open_at on the API --------------------------------------------------------


@pytest.fixture
def schedules(db):
    """A day centre open Monday 09-17 and a night shelter Sunday 22 to Monday 06, each at
    its own site; a defunct service open all Monday at the day centre's site."""
    day = ServiceAtSiteFactory()
    OpeningHoursFactory(
        offering=day, weekday=1, opens_at=datetime.time(9), closes_at=datetime.time(17)
    )
    night = ServiceAtSiteFactory()
    OpeningHoursFactory(
        offering=night, weekday=7, opens_at=datetime.time(22), closes_at=datetime.time(6)
    )
    defunct = ServiceAtSiteFactory(
        service=ServiceFactory(status=ServiceStatus.DEFUNCT), site=day.site
    )
    OpeningHoursFactory(
        offering=defunct, weekday=1, opens_at=datetime.time(0), closes_at=datetime.time(23, 59)
    )
    return {"day": day, "night": night}


@pytest.mark.parametrize(
    ("open_at", "open_ones"),
    [
        ("2026-06-01T09:00:00+02:00", ["day"]),
        ("2026-06-01T07:00:00Z", ["day"]),  # 09:00 in Rome
        ("2026-06-01T06:59:00Z", []),
        ("2026-06-01T09:00", ["day"]),  # naive: Rome time
        ("2026-06-01T17:00", []),
        ("2026-06-01T02:00", ["night"]),
        ("2026-06-07T23:30", ["night"]),
        ("2026-06-01T18:00", []),  # the defunct service does not keep its site open
    ],
)
def test_open_at(schedules, open_at, open_ones):
    client = client_of()
    expected_sites = sorted(schedules[name].site.pk for name in open_ones)
    expected_services = sorted(schedules[name].service.pk for name in open_ones)
    assert [pk for pk, _km in rows(client, "sites", open_at=open_at)] == expected_sites
    assert rows(client, "services", open_at=open_at) == expected_services


def test_open_now(schedules, monkeypatch):
    monkeypatch.setattr(opening, "current_moment", lambda: at("2026-06-08T03:00"))
    client = client_of()
    assert [pk for pk, _km in rows(client, "sites", open_now="true")] == [
        schedules["night"].site.pk
    ]
    assert rows(client, "services", open_now="true") == [schedules["night"].service.pk]
    assert len(rows(client, "services", open_now="false")) == 2


def test_near_and_open_together_need_the_same_site_for_a_service(db):
    service = ServiceFactory()
    near_closed = ServiceAtSiteFactory(
        service=service,
        site=SiteFactory(organisation=service.organisation, latitude=41.9, longitude=12.5),
    )
    far_open = ServiceAtSiteFactory(
        service=service,
        site=SiteFactory(organisation=service.organisation, latitude=45.0, longitude=9.0),
    )
    OpeningHoursFactory(offering=far_open, weekday=1)
    params = {"near": CENTRE, "open_at": "2026-06-01T10:00"}
    assert rows(client_of(), "services", **params) == []
    assert rows(client_of(), "sites", **params) == []
    OpeningHoursFactory(offering=near_closed, weekday=1)
    assert rows(client_of(), "services", **params) == [service.pk]
    assert rows(client_of(), "sites", **params) == [(near_closed.site.pk, 0.0)]


# --- Queries --------------------------------------------------------------------------------


@pytest.fixture
def crowded_rome(db):
    """Fifteen organisations, each with a service at two sites near the centre (one
    confidential), open every day around the clock."""
    last = None
    for number in range(15):
        last = OrganisationFactory()
        service = ServiceFactory(organisation=last)
        for confidential in (False, True):
            site = SiteFactory(
                organisation=last,
                confidential=confidential,
                public_contact="1522" if confidential else "",
                latitude=41.9 + number / 1000,
                longitude=12.5,
            )
            offering = ServiceAtSiteFactory(service=service, site=site)
            for weekday in range(1, 8):
                OpeningHoursFactory(
                    offering=offering,
                    weekday=weekday,
                    opens_at=datetime.time(0),
                    closes_at=datetime.time(23, 59),
                )
    return last


def _query_count(client, endpoint, page_size, expected_rows) -> int:
    params = {"page_size": page_size, "near": CENTRE, "open_now": "true"}
    user = client.handler._force_user
    if user is not None:
        # A fresh user object, as every real request loads one (memberships are read once
        # per request and kept on it).
        client.force_authenticate(type(user).objects.get(pk=user.pk))
    with CaptureQueriesContext(connection) as queries:
        response = client.get(f"{API}{endpoint}/", params)
    assert response.status_code == 200
    assert len(response.json()["results"]) == min(page_size, expected_rows)
    return len(queries)


@pytest.mark.parametrize("endpoint", ["sites", "services"])
@pytest.mark.parametrize("member", [False, True])
def test_query_count_does_not_depend_on_page_size(crowded_rome, monkeypatch, endpoint, member):
    monkeypatch.setattr(opening, "current_moment", lambda: at("2026-06-01T12:00"))
    user = UserFactory() if member else None
    if member:
        MembershipFactory(user=user, organisation=crowded_rome, role=Role.PROVIDER_STAFF)
    client = client_of(user)
    # The member also finds the confidential site of their own organisation.
    expected_rows = 16 if endpoint == "sites" and member else 15
    count = _query_count(client, endpoint, 10, expected_rows)
    assert count == _query_count(client, endpoint, 100, expected_rows)
