"""The differencing attack on the real dashboards (issue 13, item 8).

An official who reads a municipality's figures for the last 6 months and the last 3 (on
the pages, or in their CSV exports) must not learn a count of 1 to 4 by subtracting them;
nor by reading every period the selector offers and the trends' months; nor by
subtracting the Ambito's page from the city page. The attacker here reads only what the
server sends, and does its linear algebra with tests/core's independent reader.
"""

from __future__ import annotations

import csv
import datetime
import io

import pytest
from django.urls import reverse
from django.utils import timezone

from core.suppression import MARKERS
from dashboards.facts import refresh_facts
from dashboards.periods import Family, selectable_years
from dashboards.scope import MONTHS, Period
from tests.auth import verified_login
from tests.core.test_suppression_periods import recoverable_small_unions_long
from tests.dashboards.html_tables import read_page, row
from tests.dashboards.page_fixture import build_dashboard_city, member
from tests.factories import BeneficiaryFactory, CaseFactory, OrganisationFactory
from tests.gaps.small_city import build_small_city

pytestmark = pytest.mark.django_db

OPENED = "Cases opened"
PEOPLE = "People taken in charge"


def months_ago(months: int, day: int = 10) -> datetime.date:
    """A day in the month ``months`` before this one (0: this month, never after today)."""
    start = Period.last_months(months + 1).start
    return min(start.replace(day=day), timezone.localdate())


@pytest.fixture
def town(db):
    """Municipality A: 5 cases opened in the last 3 months, 2 more in months 4 to 6 —
    the last 6 months count 7, the last 3 count 5, the months between 2."""
    from services.models import LegalForm, Role

    city = build_small_city()
    office = OrganisationFactory(municipality=city["a"], legal_form=LegalForm.PUBLIC_BODY)
    for opened in [months_ago(1)] * 5 + [months_ago(4)] * 2:
        person = BeneficiaryFactory(residence_municipality=city["a"], registered_by=office)
        CaseFactory(beneficiary=person, organisation=office, opened_on=opened)
    refresh_facts()
    return {**city, "office": office, "official": member(Role.OFFICIAL, office)}


@pytest.fixture
def official(client, town):
    verified_login(client, town["official"])
    return client


def page(client, town, **query):
    url = reverse("admin:dashboard-municipality", args=[town["metro"].slug, town["a"].istat_code])
    response = client.get(url, query)
    assert response.status_code == 200
    return read_page(response.content.decode())


def cell(table, label, column):
    return row(table, label)[table[0].index(column)]


def exported(client, town, **query):
    url = reverse("admin:dashboard-export", args=[town["metro"].slug, "casework", "csv"])
    response = client.get(url, {"municipality": town["a"].istat_code, **query})
    assert response.status_code == 200
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def as_number(text: str):
    return None if text in MARKERS else int(text)


def test_last_6_less_last_3_months_cannot_be_computed(official, town):
    name = town["a"].name
    six = page(official, town, months=6).tables["casework"]
    three = page(official, town, months=3).tables["casework"]
    for column in (OPENED, PEOPLE):
        a, b = as_number(cell(six, name, column)), as_number(cell(three, name, column))
        # The raw counts are 7 and 5: one of the two is hidden, never both shown.
        assert a is None or b is None, (column, a, b)
        assert {cell(six, name, column), cell(three, name, column)} & set(MARKERS)
        if a is not None:
            assert a == 7
        if b is not None:
            assert b == 5
    # The longer period is the one hidden; the last 3 months stay readable.
    assert cell(three, name, OPENED) == "5" and cell(six, name, OPENED) == "n.d."

    # The CSV exports of both periods publish the very same cells.
    for months, table in ((6, six), (3, three)):
        lines = exported(official, town, months=months)
        header, line = lines[0], next(line for line in lines if line[0] == name)
        for column in (OPENED, PEOPLE):
            assert line[header.index(column)] == cell(table, name, column)


def test_every_period_and_month_together_give_nothing_away(official, town):
    """The attacker reads A's cases opened for every period the selector offers and for
    every month of every trends table, and solves for any union of months."""
    today = timezone.localdate()
    family = Family.on(today, selectable_years(today))
    name = town["a"].name
    exact: dict[tuple[int, int], int] = {}
    queries = [{"months": m} for m in MONTHS] + [{"year": y} for y in selectable_years(today)]
    for query in queries:
        tables = page(official, town, **query).tables
        period = (
            Period.last_months(query["months"], today)
            if "months" in query
            else Period.calendar_year(query["year"], today)
        )
        value = as_number(cell(tables["casework"], name, OPENED))
        if value is not None:
            exact[family.interval(period)] = value
        trends = tables["trends"]
        column = trends[0].index(OPENED)
        for line in trends[1:]:
            if line[0] == "Total":
                interval = family.interval(period.trend())
            else:
                year, month = map(int, line[0].split("-"))
                k = family.index(datetime.date(year, month, 1))
                interval = (k, k + 1)
            value = as_number(line[column])
            if value is not None:
                exact[interval] = value
    # The true months, as the attacker would like to know them.
    counts = [0] * family.atoms
    for k in range(family.atoms):
        if family.month(k) == months_ago(1).replace(day=1):
            counts[k] = 5
        elif family.month(k) == months_ago(4).replace(day=1):
            counts[k] = 2
    # What is shown is true ...
    prefix = [0]
    for count in counts:
        prefix.append(prefix[-1] + count)
    for (start, stop), value in exact.items():
        assert prefix[stop] - prefix[start] == value
    # ... and no union of months it determines counts 1 to 4.
    assert recoverable_small_unions_long(counts, list(exact)) == []
    assert exact  # the attack had material: the current months' 5, the zeros


def test_the_ambito_on_the_city_page_is_its_page_total(client, db):
    """City page row of an Ambito = the Ambito page's total, for every people column and
    period; and the Ambito page's row of a municipality = that municipality's page."""
    data = build_dashboard_city()
    verified_login(client, data["official"])
    slug, ambito, a = data["metro"].slug, data["ambito"], data["a"]
    urls = {
        "city": reverse("admin:dashboard-city", args=[slug]),
        "zone": reverse("admin:dashboard-zone", args=[slug, ambito.code]),
        "municipality": reverse("admin:dashboard-municipality", args=[slug, a.istat_code]),
    }
    for query in [{"months": m} for m in MONTHS] + [{"year": timezone.localdate().year}]:
        pages = {
            key: read_page(client.get(url, query).content.decode()) for key, url in urls.items()
        }
        for key in ("casework", "referrals"):
            city, zone = pages["city"].tables[key], pages["zone"].tables[key]
            municipality = pages["municipality"].tables[key]
            assert row(city, ambito.name)[1:] == row(zone, "Total")[1:], (key, query)
            assert row(zone, a.name)[1:] == row(municipality, "Total")[1:], (key, query)
        # The fixture: 7 people in the Ambito, 2 in the other one, 9 in all. Were the
        # Ambito's page to show 7, the city page's 9 would give the other Ambito's 2 away.
        casework = pages["city"].tables["casework"]
        assert cell(casework, "Total", PEOPLE) == "9"
        assert cell(casework, data["second"].name, PEOPLE) == "<5"
        assert cell(casework, ambito.name, PEOPLE) == "n.d."
        assert cell(pages["zone"].tables["casework"], "Total", PEOPLE) == "n.d."
        if query == {"months": 24}:
            # The Ambito's trends total is its last 24 months: the city page's figure.
            trends = pages["zone"].tables["trends"]
            assert cell(trends, "Total", OPENED) == cell(casework, ambito.name, OPENED)


def test_the_ambito_export_matches_the_city_page(client, db):
    data = build_dashboard_city()
    verified_login(client, data["official"])
    slug, ambito = data["metro"].slug, data["ambito"]
    city = read_page(client.get(reverse("admin:dashboard-city", args=[slug])).content.decode())
    url = reverse("admin:dashboard-export", args=[slug, "casework", "csv"])
    lines = list(
        csv.reader(io.StringIO(client.get(url, {"zone": ambito.code}).content.decode("utf-8-sig")))
    )
    total = next(line for line in lines if line[0] == "Total")
    shown = row(city.tables["casework"], ambito.name)
    assert len(total) == len(shown)
    for exported_cell, page_cell in zip(total[1:], shown[1:], strict=True):
        # An average not shown is "–" on the page and an empty cell in the export.
        assert exported_cell == page_cell or (page_cell == "–" and exported_cell == "")
