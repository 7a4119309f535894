"""The facts the dashboards aggregate: where a case counts, when new cases show, the
refresh by hand, by the page's note and by a real Celery worker."""

import datetime
import io

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from config.celery import app as celery_app
from dashboards.facts import last_refreshed, refresh_facts
from dashboards.indicators import Area, casework_table
from dashboards.models import CaseFact, FactsRefresh, ReferralFact
from dashboards.scope import Period
from tests.auth import verified_login
from tests.dashboards.page_fixture import build_dashboard_city
from tests.factories import BeneficiaryFactory, CaseFactory, OrganisationFactory, ReferralFactory
from tests.gaps.test_worker import wait_for, worker  # noqa: F401 - the real worker fixture


def test_a_case_counts_where_its_person_lives_else_where_its_organisation_is(db):
    data = build_dashboard_city()
    homeless = BeneficiaryFactory(
        residence_municipality=None, homeless=True, registered_by=data["office"]
    )
    resident = BeneficiaryFactory(residence_municipality=data["c"], registered_by=data["office"])
    no_home = CaseFactory(beneficiary=homeless, organisation=data["office"])
    at_home = CaseFactory(beneficiary=resident, organisation=data["office"])
    referral = ReferralFactory(case=no_home, referred_on=no_home.opened_on)
    refresh_facts()

    assert CaseFact.objects.get(case=no_home).municipality_id == data["office"].municipality_id
    assert CaseFact.objects.get(case=at_home).municipality_id == data["c"].pk
    fact = ReferralFact.objects.get(referral=referral)
    assert (fact.municipality_id, fact.service_id, fact.status, fact.referred_on) == (
        data["office"].municipality_id,
        referral.service_id,
        referral.status,
        referral.referred_on,
    )
    assert CaseFact.objects.count() == no_home.__class__.objects.count()


def test_new_cases_show_after_the_refresh_and_the_page_says_when(client, db):
    data = build_dashboard_city()
    area, period = Area(data["metro"]), Period.last_months(12, timezone.localdate())
    before = casework_table(area, period).total.cells["opened"]
    office = OrganisationFactory(municipality=data["a"])
    for _ in range(5):
        person = BeneficiaryFactory(residence_municipality=data["a"], registered_by=office)
        CaseFactory(beneficiary=person, organisation=office, opened_on=timezone.localdate())
    # Until the refresh, the dashboard shows the figures as of the last one.
    assert casework_table(area, period).total.cells["opened"] == before

    out = io.StringIO()
    call_command("refresh_dashboard_facts", stdout=out)
    assert out.getvalue().startswith("Dashboard facts refreshed in ")
    assert casework_table(area, period).total.cells["opened"] == before + 5

    refreshed = last_refreshed()
    assert timezone.now() - refreshed < datetime.timedelta(minutes=1)
    verified_login(client, data["official"])
    page = client.get(reverse("admin:dashboard-city", args=[data["metro"].slug]))
    shown = date_format(timezone.localtime(refreshed), "SHORT_DATETIME_FORMAT")
    assert f"Cases and referrals as of {shown}<" in page.content.decode()


def test_refreshes_older_than_a_day_are_forgotten(db):
    FactsRefresh.objects.create(
        finished_at=timezone.now() - datetime.timedelta(days=2), seconds=1.0
    )
    refresh_facts()
    assert FactsRefresh.objects.count() == 1
    assert FactsRefresh.objects.get().finished_at > timezone.now() - datetime.timedelta(minutes=1)


@pytest.mark.django_db(transaction=True)
def test_the_beat_job_refreshes_the_facts_in_a_real_worker(worker, reference_data):  # noqa: F811
    data = build_dashboard_city()
    refresh_facts()
    person = BeneficiaryFactory(residence_municipality=data["c"], registered_by=data["office"])
    case = CaseFactory(beneficiary=person, organisation=data["office"])
    assert not CaseFact.objects.filter(case=case).exists()

    result = celery_app.send_task("dashboards.tasks.refresh_dashboard_facts")
    assert result.get(timeout=60) >= 0
    wait_for(lambda: CaseFact.objects.filter(case=case).exists(), 10, "the worker did not refresh")
    assert CaseFact.objects.get(case=case).municipality_id == data["c"].pk


def test_pages_keep_fact_tables_until_the_next_refresh(client, db):
    from django.core.cache import cache
    from django.utils import translation

    from dashboards.memo import FACT_TABLES, _key, warm_city_tables
    from registry.models import MetropolitanCity
    from tests.dashboards.html_tables import read_page

    data = build_dashboard_city()
    verified_login(client, data["official"])
    url = reverse("admin:dashboard-city", args=[data["metro"].slug])
    before = read_page(client.get(url).content.decode()).headline["people"].strip()
    person = BeneficiaryFactory(residence_municipality=data["a"], registered_by=data["office"])
    CaseFactory(beneficiary=person, organisation=data["office"], opened_on=timezone.localdate())
    # Same refresh: the same published table, from the cache.
    assert read_page(client.get(url).content.decode()).headline["people"].strip() == before
    refresh_facts()
    after = read_page(client.get(url).content.decode()).headline["people"].strip()
    assert int(after) == int(before) + 1

    # The refresh job publishes every city's tables for the default period, in each language.
    refresh_facts()
    published = warm_city_tables()
    cities = MetropolitanCity.objects.count()
    assert published == cities * 2 * len(FACT_TABLES)
    area, period = Area(data["metro"]), Period.last_months(12, timezone.localdate())
    with translation.override("it"):
        key = _key("casework", area, period, last_refreshed())
    assert cache.get(key).total.cells["people"] == int(after)
