"""The small city the coverage tests compute by hand.

Three municipalities on one meridian: A (20,000 inhabitants) and B (10,000) 5.6 km
apart, C (5,000) 67 km away; an Ambito of A and B. One women's shelter in A with 6
places, 2 of them free. Someone resident in B is wait-listed for it.
"""

from beneficiaries.models import ReferralStatus
from registry.models import ZoneKind
from services.models import CapacityUnit, ServiceCategory
from tests.factories import (
    BeneficiaryFactory,
    CapacityFactory,
    CaseFactory,
    MetropolitanCityFactory,
    MunicipalityFactory,
    ReferralFactory,
    ServiceAtSiteFactory,
    ServiceFactory,
    SiteFactory,
    ZoneFactory,
)


def build_small_city() -> dict:
    metro = MetropolitanCityFactory(slug="piccola")
    a = MunicipalityFactory(metropolitan_city=metro, population=20000, centroid_lat=41.90)
    b = MunicipalityFactory(metropolitan_city=metro, population=10000, centroid_lat=41.95)
    c = MunicipalityFactory(metropolitan_city=metro, population=5000, centroid_lat=42.50)
    ambito = ZoneFactory(metropolitan_city=metro, kind=ZoneKind.AMBITO, municipalities=[a, b])
    shelter = ServiceFactory(
        categories=[ServiceCategory.objects.get(code="gender-violence.shelter")],
        confidential=True,
        public_contact="1522",
    )
    site = SiteFactory(
        organisation=shelter.organisation, municipality=a, latitude=41.90, longitude=12.5
    )
    offering = ServiceAtSiteFactory(service=shelter, site=site)
    CapacityFactory(offering=offering, unit=CapacityUnit.PLACES, total=6, available=2)
    person = BeneficiaryFactory(residence_municipality=b)
    ReferralFactory(
        case=CaseFactory(beneficiary=person),
        service=shelter,
        status=ReferralStatus.WAITING,
    )
    return {"metro": metro, "a": a, "b": b, "c": c, "ambito": ambito}
