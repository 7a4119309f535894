"""The dashboard indicators on a small city whose raw tables are worked out by hand.

The city: Ambito ATS-A (Aprilia, Ardea), Ambito ATS-B (Bracciano, Bassano) and Ostia,
in no Ambito; another city's municipality whose people, homes and services never count.
The period is the first half of 2025; "today" for the housing stock is its last day.
"""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from beneficiaries.models import CaseOutcome, CaseStatus, ReferralStatus
from dashboards.facts import refresh_facts
from dashboards.indicators import (
    Area,
    casework_table,
    housing_first_table,
    housing_table,
    referrals_table,
    services_table,
    trends_table,
)
from dashboards.scope import Period
from housing.models import UnitStatus, UnitType
from services.models import CapacityUnit, ServiceCategory, ServiceStatus
from tests.factories import (
    BeneficiaryFactory,
    CapacityFactory,
    CaseFactory,
    HousingUnitFactory,
    MetropolitanCityFactory,
    MunicipalityFactory,
    OrganisationFactory,
    PlacementFactory,
    ReferralFactory,
    ServiceAtSiteFactory,
    ServiceFactory,
    SiteFactory,
    ZoneFactory,
)

D = datetime.date
PERIOD = Period(D(2025, 1, 1), D(2025, 6, 30))
TODAY = D(2025, 6, 30)


def category(code):
    return ServiceCategory.objects.get(code=code)


def case(resident, organisation, opened_on, closed_on=None):
    person = BeneficiaryFactory(
        residence_municipality=resident, homeless=resident is None, registered_by=organisation
    )
    closed = {}
    if closed_on:
        closed = {
            "status": CaseStatus.CLOSED,
            "closed_on": closed_on,
            "outcome": CaseOutcome.GOALS_MET,
        }
    return CaseFactory(beneficiary=person, organisation=organisation, opened_on=opened_on, **closed)


def answered(case_, service, referred_on, days, **fields):
    return ReferralFactory(
        case=case_,
        service=service,
        referred_on=referred_on,
        responded_on=referred_on + datetime.timedelta(days=days),
        **{"status": ReferralStatus.ACCEPTED, **fields},
    )


def offer(service, site, **capacity):
    offering = ServiceAtSiteFactory(service=service, site=site)
    if capacity:
        CapacityFactory(offering=offering, **capacity)
    return offering


def build_city():
    metro = MetropolitanCityFactory(slug="lido")
    town = {
        name: MunicipalityFactory(metropolitan_city=metro, name=name)
        for name in ("Aprilia", "Ardea", "Bracciano", "Bassano", "Ostia")
    }
    elsewhere = MunicipalityFactory(name="Altrove")  # another metropolitan city
    zone_a = ZoneFactory(
        metropolitan_city=metro, code="ATS-A", name="Ambito A",
        municipalities=[town["Aprilia"], town["Ardea"]],
    )  # fmt: skip
    zone_b = ZoneFactory(
        metropolitan_city=metro, code="ATS-B", name="Ambito B",
        municipalities=[town["Bracciano"], town["Bassano"]],
    )  # fmt: skip
    org_a = OrganisationFactory(municipality=town["Aprilia"])
    org_b = OrganisationFactory(municipality=town["Bracciano"])

    # Services: Housing First (two housing categories) at a site in Aprilia; temporary
    # beds that are also a night shelter at a confidential site in Bracciano; a canteen
    # at Ostia and at the Aprilia site; an inactive canteen and one in another city.
    hf = ServiceFactory(
        organisation=org_a,
        categories=[category("housing.housing-first"), category("housing.housing-led")],
    )
    temporary = ServiceFactory(
        organisation=org_b,
        categories=[category("housing.temporary"), category("low-threshold.night-shelter")],
    )
    canteen = ServiceFactory(organisation=org_a, categories=[category("low-threshold.canteen")])
    closed_canteen = ServiceFactory(
        organisation=org_a,
        categories=[category("low-threshold.canteen")],
        status=ServiceStatus.INACTIVE,
    )
    far_canteen = ServiceFactory(categories=[category("low-threshold.canteen")])
    s1 = SiteFactory(organisation=org_a, municipality=town["Aprilia"])
    s2 = SiteFactory(
        organisation=org_b, municipality=town["Bracciano"], confidential=True, public_contact="1522"
    )
    s3 = SiteFactory(organisation=org_a, municipality=town["Ostia"])
    offer(hf, s1, unit=CapacityUnit.PLACES, total=4, available=1)
    shelter = offer(temporary, s2, unit=CapacityUnit.BEDS, total=10, available=3)
    CapacityFactory(offering=shelter, unit=CapacityUnit.STAFF_FTE, total=2, available=None)
    offer(canteen, s3)
    offer(canteen, s1)
    offer(closed_canteen, s3, unit=CapacityUnit.PLACES, total=50, available=50)
    offer(far_canteen, SiteFactory(organisation=far_canteen.organisation, municipality=elsewhere))

    # Casework.
    case1 = case(town["Aprilia"], org_a, D(2025, 2, 10))
    case2 = case(town["Aprilia"], org_a, D(2024, 11, 5), closed_on=D(2025, 3, 1))
    CaseFactory(beneficiary=case2.beneficiary, organisation=org_b, opened_on=D(2025, 4, 1))
    case4 = case(town["Ardea"], org_a, D(2024, 6, 1))
    case5 = case(None, org_b, D(2025, 5, 20))  # no residence: the organisation's town
    case(town["Bassano"], org_b, D(2025, 7, 5))  # after the period
    case7 = case(town["Ostia"], org_a, D(2025, 1, 1), closed_on=D(2025, 6, 30))
    case(town["Bassano"], org_b, D(2025, 3, 15), closed_on=D(2025, 8, 1))
    stranger = case(elsewhere, org_a, D(2025, 2, 1))  # lives in another city

    # Referrals: five answered in 2, 4, 6, 8 and 10 days, one declined in 16.
    for referred_on, days in (
        (D(2025, 2, 10), 2),
        (D(2025, 2, 11), 4),
        (D(2025, 2, 12), 6),
        (D(2025, 3, 1), 8),
        (D(2025, 3, 2), 10),
    ):
        answered(case1, hf, referred_on, days)
    answered(case2, canteen, D(2024, 12, 20), 16, status=ReferralStatus.DECLINED, reason="Full.")
    ReferralFactory(case=case4, service=canteen, referred_on=D(2024, 7, 1))
    ReferralFactory(
        case=case5, service=canteen, referred_on=D(2025, 5, 21), status=ReferralStatus.WAITING
    )
    answered(
        case7, temporary, D(2025, 1, 1), 2, status=ReferralStatus.CLOSED, ended_on=D(2025, 2, 1)
    )
    answered(stranger, hf, D(2025, 2, 1), 1)

    # Housing stock and placements (each placement its own person, living elsewhere).
    unit = HousingUnitFactory
    u1 = unit(municipality=town["Aprilia"], places=2, status=UnitStatus.AVAILABLE)
    u2 = unit(municipality=town["Aprilia"], places=1, status=UnitStatus.OCCUPIED)
    unit(
        municipality=town["Ardea"], places=3, unit_type=UnitType.RECOVERED,
        status=UnitStatus.RENOVATING,
    )  # fmt: skip
    unit(
        municipality=town["Bracciano"], places=2, unit_type=UnitType.CONFISCATED,
        status=UnitStatus.IDENTIFIED,
    )  # fmt: skip
    u5 = unit(
        municipality=town["Ostia"], places=1, unit_type=UnitType.TEMPORARY,
        status=UnitStatus.UNAVAILABLE,
    )  # fmt: skip
    u7 = unit(municipality=town["Bracciano"], places=1, status=UnitStatus.AVAILABLE)
    far = unit(municipality=elsewhere, places=1)
    for place, starts_on, ends_on in (
        (u1, D(2023, 1, 1), D(2023, 5, 1)),  # left before 6 months
        (u1, D(2023, 6, 1), D(2024, 9, 1)),  # housed after 6 and 12 months
        (u1, D(2024, 10, 1), None),  # housed after 6 months, 12 not yet due
        (u1, D(2024, 3, 1), D(2024, 9, 1)),  # left on the day the 6 months were up
        (u1, D(2024, 12, 30), None),  # 6 months up on the period's last day
        (u2, D(2025, 2, 1), None),
        (u7, D(2025, 6, 30), None),
        (u5, D(2025, 1, 15), D(2025, 6, 30)),  # ended today: not occupied today
        (far, D(2025, 2, 1), None),
    ):
        PlacementFactory(unit=place, case=CaseFactory(), starts_on=starts_on, ends_on=ends_on)
    return {"metro": metro, "zone_a": zone_a, "zone_b": zone_b, "elsewhere": elsewhere, **town}


@pytest.fixture
def city(db):
    built = build_city()
    refresh_facts()  # the dashboards read the facts of cases and referrals
    return built


def cells(table, *columns):
    """{row key: (cells...)} for the rows and the total."""
    rows = [*table.rows, table.total]
    return {row.key: tuple(row.cells[column] for column in columns) for row in rows}


CASEWORK = ("people", "active", "opened", "closed", "referrals", "waiting_days", "waiting_now")


def test_casework_for_the_city(city):
    table = casework_table(Area(city["metro"]), PERIOD)
    assert table.key == "casework"
    assert [column.key for column in table.columns] == list(CASEWORK)
    assert {c.key for c in table.columns if c.people} == set(CASEWORK) - {"waiting_days"}
    assert cells(table, *CASEWORK) == {
        "ATS-A": (2, 3, 2, 1, 5, 7.7, 1),  # waits 2+4+6+8+10+16 days over 6 answers
        "ATS-B": (2, 2, 2, 0, 1, None, 1),
        "outside": (1, 0, 1, 1, 1, None, 0),
        "total": (5, 5, 5, 2, 7, 6.9, 2),  # 48 days over 7 answers
    }
    assert [row.link for row in table.rows] == [
        reverse("admin:dashboard-zone", args=["lido", "ATS-A"]),
        reverse("admin:dashboard-zone", args=["lido", "ATS-B"]),
        None,
    ]
    assert [row.label for row in table.rows][:2] == ["Ambito A", "Ambito B"]
    assert "5" in table.note


def test_casework_for_an_ambito_and_a_municipality(city):
    table = casework_table(Area(city["metro"], zone=city["zone_a"]), PERIOD)
    aprilia, ardea = city["Aprilia"], city["Ardea"]
    assert cells(table, *CASEWORK) == {
        aprilia.istat_code: (2, 2, 2, 1, 5, 7.7, 0),
        ardea.istat_code: (0, 1, 0, 0, 0, None, 1),
        "total": (2, 3, 2, 1, 5, 7.7, 1),
    }
    assert table.rows[0].link == reverse(
        "admin:dashboard-municipality", args=["lido", aprilia.istat_code]
    )
    table = casework_table(Area(city["metro"], municipality=city["Bracciano"]), PERIOD)
    assert cells(table, *CASEWORK) == {
        city["Bracciano"].istat_code: (1, 1, 1, 0, 1, None, 1),  # the homeless person
        "total": (1, 1, 1, 0, 1, None, 1),
    }


def test_casework_ignores_the_category(city):
    area = Area(city["metro"], category=category("low-threshold"))
    assert cells(casework_table(area, PERIOD), *CASEWORK) == cells(
        casework_table(Area(city["metro"]), PERIOD), *CASEWORK
    )


STATUSES = [status.value for status in ReferralStatus] + ["total"]


def referral_cells(table):
    return {
        row.key: {k: v for k, v in row.cells.items() if v} for row in [*table.rows, table.total]
    }


def test_referrals_by_status(city):
    table = referrals_table(Area(city["metro"]), PERIOD)
    assert [column.key for column in table.columns] == STATUSES
    assert all(column.people for column in table.columns)
    assert referral_cells(table) == {
        "ATS-A": {"accepted": 5, "total": 5},
        "ATS-B": {"waiting": 1, "total": 1},
        "outside": {"closed": 1, "total": 1},
        "total": {"accepted": 5, "waiting": 1, "closed": 1, "total": 7},
    }
    table = referrals_table(Area(city["metro"], zone=city["zone_b"]), PERIOD)
    assert referral_cells(table) == {
        city["Bassano"].istat_code: {},
        city["Bracciano"].istat_code: {"waiting": 1, "total": 1},
        "total": {"waiting": 1, "total": 1},
    }


def test_a_category_restricts_referrals_to_its_branch(city):
    housing = referrals_table(Area(city["metro"], category=category("housing")), PERIOD)
    assert referral_cells(housing) == {
        "ATS-A": {"accepted": 5, "total": 5},
        "ATS-B": {},
        "outside": {"closed": 1, "total": 1},  # temporary housing, also a night shelter
        "total": {"accepted": 5, "closed": 1, "total": 6},
    }
    low = referrals_table(Area(city["metro"], category=category("low-threshold")), PERIOD)
    assert referral_cells(low)["total"] == {"waiting": 1, "closed": 1, "total": 2}
    leaf = Area(city["metro"], category=category("housing.housing-first"))
    assert referral_cells(referrals_table(leaf, PERIOD))["total"] == {"accepted": 5, "total": 5}


HOUSING = (
    "identified", "renovating", "available", "occupied", "unavailable",
    "recovered", "confiscated", "places", "occupied_places",
)  # fmt: skip


def test_housing_stock(city):
    table = housing_table(Area(city["metro"]), today=TODAY)
    assert [column.key for column in table.columns] == list(HOUSING)
    assert [c.key for c in table.columns if c.people] == ["occupied_places"]
    assert cells(table, *HOUSING) == {
        "ATS-A": (0, 1, 1, 1, 0, 1, 0, 6, 3),
        "ATS-B": (1, 0, 1, 0, 0, 0, 1, 3, 1),
        "outside": (0, 0, 0, 0, 1, 0, 0, 1, 0),
        "total": (1, 1, 2, 1, 1, 1, 1, 10, 4),
    }
    table = housing_table(Area(city["metro"], municipality=city["Ardea"]), today=TODAY)
    assert cells(table, *HOUSING)["total"] == (0, 1, 0, 0, 0, 1, 0, 3, 0)
    # A day earlier the flat in Bracciano was not yet occupied, the one in Ostia was.
    table = housing_table(Area(city["metro"]), today=TODAY - datetime.timedelta(days=1))
    assert cells(table, "occupied_places")["ATS-B"] == (0,)
    assert cells(table, "occupied_places")["outside"] == (1,)


HOUSING_FIRST = (
    "started", "due_6", "housed_6", "rate_6", "due_12", "housed_12", "rate_12",
)  # fmt: skip


def test_housing_first_still_housed_after_6_and_12_months(city):
    table = housing_first_table(Area(city["metro"]), PERIOD)
    assert table.key == "housing-first"
    assert [column.key for column in table.columns] == list(HOUSING_FIRST)
    assert {c.key for c in table.columns if not c.people} == {"rate_6", "rate_12"}
    assert cells(table, *HOUSING_FIRST) == {
        "ATS-A": (1, 5, 3, 60.0, 3, 1, None),
        "ATS-B": (1, 0, 0, None, 0, 0, None),
        "outside": (0, 0, 0, None, 0, 0, None),  # a temporary flat, not Housing First
        "total": (2, 5, 3, 60.0, 3, 1, None),
    }
    # At the end of 2024 the placement of 30 December 2024 is not yet due.
    table = housing_first_table(Area(city["metro"]), Period(D(2024, 7, 1), D(2024, 12, 31)))
    assert cells(table, *HOUSING_FIRST)["total"] == (2, 3, 1, None, 2, 1, None)


SERVICES = ("services", "sites", "free_places", "total_places")


def test_services_by_top_level_category(city):
    table = services_table(Area(city["metro"]))
    top = list(
        ServiceCategory.objects.filter(parent=None).order_by("code").values_list("code", flat=True)
    )
    assert [row.key for row in table.rows] == top
    assert not any(column.people for column in table.columns)
    figures = {key: values for key, values in cells(table, *SERVICES).items() if any(values)}
    assert figures == {
        "housing": (2, 2, 4, 14),  # Housing First counted once though in two categories
        "low-threshold": (2, 3, 3, 10),  # staff hours and the inactive canteen left out
        "total": (3, 3, 4, 14),
    }
    assert table.rows[top.index("housing")].link == reverse(
        "admin:dashboard-category", args=["lido", "housing"]
    )
    zone_b = services_table(Area(city["metro"], zone=city["zone_b"]))
    figures = {key: values for key, values in cells(zone_b, *SERVICES).items() if any(values)}
    assert figures == {  # the confidential site counts
        "housing": (1, 1, 3, 10),
        "low-threshold": (1, 1, 3, 10),
        "total": (1, 1, 3, 10),
    }


def test_services_of_a_category_by_sub_category(city):
    table = services_table(Area(city["metro"], category=category("housing")))
    assert [row.key for row in table.rows] == list(
        ServiceCategory.objects.filter(parent__code="housing")
        .order_by("code")
        .values_list("code", flat=True)
    )
    figures = {key: values for key, values in cells(table, *SERVICES).items() if any(values)}
    assert figures == {
        "housing.housing-first": (1, 1, 1, 4),
        "housing.housing-led": (1, 1, 1, 4),
        "housing.temporary": (1, 1, 3, 10),
        "total": (2, 2, 4, 14),
    }
    leaf = services_table(Area(city["metro"], category=category("housing.housing-first")))
    assert cells(leaf, *SERVICES) == {
        "housing.housing-first": (1, 1, 1, 4),
        "total": (1, 1, 1, 4),
    }


TRENDS = ("people", "opened", "referrals", "placements")


def test_trends_month_by_month(city):
    table = trends_table(Area(city["metro"]), PERIOD)
    assert all(column.people for column in table.columns)
    assert cells(table, *TRENDS) == {
        "2025-01": (1, 1, 1, 1),
        "2025-02": (1, 1, 3, 1),
        "2025-03": (1, 1, 2, 0),
        "2025-04": (1, 1, 0, 0),
        "2025-05": (1, 1, 1, 0),
        "2025-06": (0, 0, 0, 1),
        "total": (5, 5, 7, 3),
    }
    zone_a = trends_table(Area(city["metro"], zone=city["zone_a"]), PERIOD)
    assert cells(zone_a, *TRENDS)["total"] == (2, 2, 5, 1)
    housing = trends_table(Area(city["metro"], category=category("low-threshold")), PERIOD)
    assert cells(housing, *TRENDS)["total"] == (5, 5, 2, 3)  # only referrals restricted


def test_trends_over_24_months(city):
    period = Period.last_months(24, today=TODAY)
    table = trends_table(Area(city["metro"]), period)
    assert len(table.rows) == 24
    assert (table.rows[0].label, table.rows[-1].label) == ("2023-07", "2025-06")
    figures = cells(table, *TRENDS)
    assert figures["2024-06"] == (1, 1, 0, 0)
    assert figures["2024-07"] == (0, 0, 1, 0)
    assert figures["2024-11"] == (1, 1, 0, 0)
    assert figures["2024-12"] == (0, 0, 1, 1)
    assert figures["total"] == (7, 7, 9, 6)


def all_tables(area):
    return [
        casework_table(area, PERIOD),
        referrals_table(area, PERIOD),
        housing_table(area, today=TODAY),
        services_table(area),
        housing_first_table(area, PERIOD),
        trends_table(area, Period.last_months(24, today=TODAY)),
    ]


def add_more_of_everything(city):
    """Cases, referrals, placements, units and services in every municipality."""
    towns = [city[name] for name in ("Aprilia", "Ardea", "Bracciano", "Bassano", "Ostia")]
    canteen = category("low-threshold.canteen")
    for index, town in enumerate(towns):
        organisation = OrganisationFactory(municipality=town)
        for day in range(1, 4):
            new = case(town, organisation, D(2025, index + 1, day))
            answered(new, ServiceFactory(categories=[canteen]), D(2025, index + 1, day), day)
            flat = HousingUnitFactory(municipality=town)
            PlacementFactory(unit=flat, case=new, starts_on=D(2024, index + 1, day))
        service = ServiceFactory(organisation=organisation, categories=[canteen])
        offer(service, SiteFactory(organisation=organisation, municipality=town), total=5)
    refresh_facts()


@pytest.mark.parametrize("level", ["city", "zone", "municipality", "category"])
def test_query_counts_do_not_grow_with_the_data(city, level):
    def area_of_a_page():
        # Each page makes its Area, which reads its layout once for all its tables.
        return {
            "city": Area(city["metro"]),
            "zone": Area(city["metro"], zone=city["zone_a"]),
            "municipality": Area(city["metro"], municipality=city["Aprilia"]),
            "category": Area(city["metro"], category=category("housing")),
        }[level]

    with CaptureQueriesContext(connection) as before:
        small = all_tables(area_of_a_page())
    add_more_of_everything(city)
    with CaptureQueriesContext(connection) as after:
        large = all_tables(area_of_a_page())
    area = area_of_a_page()
    assert len(after) == len(before) <= 30
    assert cells(large[0], "opened")["total"] > cells(small[0], "opened")["total"]
    # Per table: a few grouped queries each.
    for build in (
        lambda: casework_table(area, PERIOD),
        lambda: referrals_table(area, PERIOD),
        lambda: housing_table(area, today=TODAY),
        lambda: services_table(area),
        lambda: housing_first_table(area, PERIOD),
        lambda: trends_table(area, PERIOD),
    ):
        with CaptureQueriesContext(connection) as one:
            build()
        assert len(one) <= 5
