"""Two metropolitan cities with known figures for the dashboards' browser tests.

*Piccola* is the dashboard pages' small city (tests/dashboards/page_fixture.py): Aprilia
(20,000 inhabitants) and Bracciano (10,000) in "Ambito Nord", Cerveteri (5,000) in
"Ambito Sud"; a women's shelter in Aprilia with 6 places (the standard: 1 per 10,000);
7 people of Aprilia and 2 of Cerveteri taken in charge 40 days ago; 6 of Aprilia's wait
for the shelter, and one person of Bracciano too; 4 homes available in Aprilia.

*Seconda*: Dorgali (40,000) in "Ambito Est", Esine (10,000) in "Ambito Ovest"; a shelter
in Dorgali with 3 places (75% of the 4 its 40,000 inhabitants need); 12 people of Dorgali
and 6 of Esine taken in charge 40 days ago; 3 recovered homes available in Dorgali.

Every municipality has a square boundary, so the map draws one shape per municipality.
"""

import datetime

from django.utils import timezone

from dashboards.facts import refresh_facts
from gaps.runs import run_coverage
from housing.models import UnitStatus, UnitType
from registry.models import ZoneKind
from services.models import CapacityUnit, LegalForm, Role, ServiceCategory
from tests.dashboards.page_fixture import build_dashboard_city, member
from tests.factories import (
    BeneficiaryFactory,
    CapacityFactory,
    CaseFactory,
    HousingUnitFactory,
    MetropolitanCityFactory,
    MunicipalityFactory,
    OrganisationFactory,
    ServiceAtSiteFactory,
    ServiceFactory,
    SiteFactory,
    ZoneFactory,
)

SHELTER = "shelter-family-places"
PEOPLE_D, PEOPLE_E = 12, 6


def square(lon, lat, size=0.05):
    ring = [[lon, lat], [lon + size, lat], [lon + size, lat + size], [lon, lat + size]]
    return {"type": "Polygon", "coordinates": [[*ring, ring[0]]]}


def _name(obj, **fields):
    for key, value in fields.items():
        setattr(obj, key, value)
    obj.save()
    return obj


def build_first_city() -> dict:
    city = build_dashboard_city()
    _name(city["metro"], name="Piccola")
    for key, name, lon in (
        ("a", "Aprilia", 11.0),
        ("b", "Bracciano", 11.05),
        ("c", "Cerveteri", 11.1),
    ):
        _name(city[key], name=name, boundary=square(lon, 43.0))
    _name(city["ambito"], name="Ambito Nord", code="ATS-N")
    _name(city["second"], name="Ambito Sud", code="ATS-S")
    return city


def build_second_city() -> dict:
    metro = MetropolitanCityFactory(slug="seconda", name="Seconda")
    d = MunicipalityFactory(
        metropolitan_city=metro,
        name="Dorgali",
        population=40000,
        centroid_lat=40.025,
        centroid_lon=9.025,
        boundary=square(9.0, 40.0),
    )
    e = MunicipalityFactory(
        metropolitan_city=metro,
        name="Esine",
        population=10000,
        centroid_lat=40.025,
        centroid_lon=9.075,
        boundary=square(9.05, 40.0),
    )
    east = ZoneFactory(
        metropolitan_city=metro,
        kind=ZoneKind.AMBITO,
        code="ATS-E",
        name="Ambito Est",
        municipalities=[d],
    )
    west = ZoneFactory(
        metropolitan_city=metro,
        kind=ZoneKind.AMBITO,
        code="ATS-O",
        name="Ambito Ovest",
        municipalities=[e],
    )
    office = OrganisationFactory(municipality=d, legal_form=LegalForm.PUBLIC_BODY)
    shelter = ServiceFactory(
        organisation=office,
        categories=[ServiceCategory.objects.get(code="gender-violence.shelter")],
        confidential=True,
        public_contact="1522",
    )
    site = SiteFactory(organisation=office, municipality=d, latitude=40.025, longitude=9.025)
    offering = ServiceAtSiteFactory(service=shelter, site=site)
    CapacityFactory(offering=offering, unit=CapacityUnit.PLACES, total=3, available=1)
    opened = timezone.localdate() - datetime.timedelta(days=40)
    people = []
    for municipality, count in ((d, PEOPLE_D), (e, PEOPLE_E)):
        for _ in range(count):
            person = BeneficiaryFactory(residence_municipality=municipality, registered_by=office)
            people.append(person)
            CaseFactory(beneficiary=person, organisation=office, opened_on=opened)
    for _ in range(3):
        HousingUnitFactory(
            municipality=d, owner=office, unit_type=UnitType.RECOVERED, status=UnitStatus.AVAILABLE
        )
    run_coverage(metro)
    return {"metro": metro, "d": d, "e": e, "east": east, "west": west, "people": people}


def build_two_cities(administrator) -> dict:
    first, second = build_first_city(), build_second_city()
    from services.roles import grant_role_group

    grant_role_group(administrator, Role.ADMINISTRATOR)
    refresh_facts()  # the dashboards read the facts of cases and referrals
    return {
        "first": first,
        "second": second,
        "administrator": administrator,
        "official": first["official"],
    }


__all__ = ["SHELTER", "build_two_cities", "member"]
