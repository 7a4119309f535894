"""Coverage results through the API: the latest complete run by default, another run on
request, counts of people under 5 as "<5", only for the roles that plan."""

import pytest
from rest_framework.test import APIClient

from gaps.runs import run_coverage
from services.models import Role
from tests.gaps.small_city import build_small_city

pytestmark = pytest.mark.django_db
URL = "/api/v1/coverage-results/"


@pytest.fixture
def city():
    return build_small_city()


@pytest.fixture
def official_client(make_member):
    client = APIClient()
    client.force_authenticate(make_member(Role.OFFICIAL))
    return client


def test_exact_row_of_the_latest_run(city, official_client):
    run_coverage(city["metro"])
    latest = run_coverage(city["metro"])
    response = official_client.get(
        URL, {"standard": "shelter-family-places", "municipality": city["b"].istat_code}
    )
    assert response.status_code == 200, response.content
    (row,) = response.json()["results"]
    assert row == {
        "id": row["id"],
        "run": latest.pk,
        "scope": "piccola",
        "standard": "shelter-family-places",
        "area_kind": "municipality",
        "municipality": city["b"].istat_code,
        "zone": None,
        "population_used": 10000.0,
        "group_known": True,
        "supply": 0.0,
        "site_count": 0,
        "present": False,
        "requirement": 1.0,
        "gap": 1.0,
        "ratio": 0.0,
        "accessibility": pytest.approx(0.0002, rel=1e-12),
        "sites_in_reach": 1,
        "waiting": "<5",
        "free_places": 0.0,
        "unmet": "<5",
    }


def test_an_older_run_on_request(city, official_client):
    older = run_coverage(city["metro"])
    run_coverage(city["metro"])
    rows = official_client.get(URL, {"run": older.pk, "standard": "shelter-family-places"})
    assert {row["run"] for row in rows.json()["results"]} == {older.pk}
    assert len(rows.json()["results"]) == 4  # three municipalities and the Ambito


def test_a_social_worker_may_not_read_them(city, make_member):
    client = APIClient()
    client.force_authenticate(make_member(Role.SOCIAL_WORKER))
    assert client.get(URL).status_code == 403
