"""A small city with known figures for the dashboard page and export tests.

The coverage tests' small city (tests/gaps/small_city.py: municipalities A and B in one
Ambito, C; a women's shelter in A; one person of B wait-listed for it), with C put in a
second Ambito, a coverage run, and, opened 40 days ago by A's social services:

* 7 people of A taken in charge and 2 of C: the Ambiti's rows publish "n.d." (7, hidden
  so the 2 cannot be recovered from the total) and "<5" (2), the total 9;
* 6 referrals of A's people to the shelter, waiting;
* housing in A: 2 recovered homes available, 1 confiscated property, 1 Housing First flat.
"""

import datetime

from django.utils import timezone

from dashboards.facts import refresh_facts
from gaps.runs import run_coverage
from housing.models import UnitStatus, UnitType
from registry.models import ZoneKind
from services.models import LegalForm, Role, Service
from services.roles import grant_role_group
from tests.factories import (
    BeneficiaryFactory,
    CaseFactory,
    HousingUnitFactory,
    MembershipFactory,
    OrganisationFactory,
    ReferralFactory,
    UserFactory,
    ZoneFactory,
)
from tests.gaps.small_city import build_small_city

PEOPLE_A, PEOPLE_C, REFERRALS = 7, 2, 6


def member(role, organisation):
    user = UserFactory()
    MembershipFactory(user=user, organisation=organisation, role=role)
    grant_role_group(user, role)
    return user


def build_dashboard_city(extra_people: int = 0) -> dict:
    city = build_small_city()
    metro, a, c = city["metro"], city["a"], city["c"]
    second = ZoneFactory(metropolitan_city=metro, kind=ZoneKind.AMBITO, municipalities=[c])
    office = OrganisationFactory(municipality=a, legal_form=LegalForm.PUBLIC_BODY)
    opened = timezone.localdate() - datetime.timedelta(days=40)
    shelter = Service.objects.get(categories__code="gender-violence.shelter")
    people, cases = [], []
    for municipality, count in ((a, PEOPLE_A + extra_people), (c, PEOPLE_C)):
        for _ in range(count):
            person = BeneficiaryFactory(residence_municipality=municipality, registered_by=office)
            people.append(person)
            cases.append(CaseFactory(beneficiary=person, organisation=office, opened_on=opened))
    for case in cases[:REFERRALS]:
        ReferralFactory(case=case, service=shelter, referred_on=opened, status="waiting")
    for unit_type in (UnitType.RECOVERED, UnitType.RECOVERED, UnitType.CONFISCATED):
        HousingUnitFactory(
            municipality=a, owner=office, unit_type=unit_type, status=UnitStatus.AVAILABLE
        )
    HousingUnitFactory(municipality=a, owner=office, unit_type=UnitType.HOUSING_FIRST)
    run_coverage(metro)
    refresh_facts()  # the dashboards read the facts of cases and referrals
    return {
        **city,
        "second": second,
        "office": office,
        "people": people,
        "official": member(Role.OFFICIAL, office),
    }
