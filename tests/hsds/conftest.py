"""A small published directory for the HSDS tests, with a confidential shelter whose
whereabouts must never leave the server."""

import datetime
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.utils import translation

from services.models import CapacityUnit, ServiceCategory, ServiceStatus
from tests.factories import (
    CapacityFactory,
    LanguageFactory,
    MetropolitanCityFactory,
    MunicipalityFactory,
    OpeningHoursFactory,
    OrganisationFactory,
    ServiceAtSiteFactory,
    ServiceCategoryFactory,
    ServiceFactory,
    SiteFactory,
)

# Distinctive values: a search of the raw bytes for them finds nothing else.
SECRET_ADDRESS = "Vicolo Nascosto 77"
SECRET_POSTAL_CODE = "00777"
SECRET_LATITUDE = 41.777123
SECRET_LONGITUDE = 12.777456
HIDDEN_ADDRESS = "Via Riservata 55"
HIDDEN_POSTAL_CODE = "00555"
HIDDEN_LATITUDE = 41.555321
HIDDEN_LONGITUDE = 12.555987
SECRETS = [
    SECRET_ADDRESS,
    SECRET_POSTAL_CODE,
    str(SECRET_LATITUDE),
    str(SECRET_LONGITUDE),
    HIDDEN_ADDRESS,
    HIDDEN_POSTAL_CODE,
    str(HIDDEN_LATITUDE),
    str(HIDDEN_LONGITUDE),
]


@dataclass
class World:
    organisation: object
    service: object
    site: object
    offering: object
    capacity: object
    hours: object
    shelter: object
    shelter_site: object
    hidden_site: object
    category: object


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def world(db) -> World:
    metro = MetropolitanCityFactory(name="Città metropolitana di Prova", region="Lazio")
    town = MunicipalityFactory(metropolitan_city=metro, name="Prova", istat_code="958001")
    organisation = OrganisationFactory(
        name="Cooperativa Aurora",
        tax_code="12345678903",
        municipality=town,
        description="Servizi per la casa.",
        phone="06 1234567",
        email="info@aurora.example",
    )
    parent = ServiceCategoryFactory(code="hsdstest", name_it="Prova", name_en="Test")
    category = ServiceCategoryFactory(
        code="hsdstest.night", parent=parent, name_it="Notte", name_en="Night"
    )
    service = ServiceFactory(
        organisation=organisation,
        name="Dormitorio Aurora",
        description="Posti letto per la notte.",
        email="dormitorio@aurora.example",
        categories=[category],
    )
    service.languages.set([LanguageFactory(code="it", name_it="italiano", name_en="Italian")])
    site = SiteFactory(
        organisation=organisation,
        name="Sede Aurora",
        address="Via Aurora 1",
        postal_code="00100",
        municipality=town,
        latitude=41.9,
        longitude=12.5,
        barrier_free=True,
    )
    offering = ServiceAtSiteFactory(service=service, site=site)
    capacity = CapacityFactory(
        offering=offering, unit=CapacityUnit.BEDS, total=Decimal(20), available=Decimal(4)
    )
    hours = OpeningHoursFactory(
        offering=offering,
        weekday=1,
        opens_at=datetime.time(20),
        closes_at=datetime.time(8),
        valid_from=datetime.date(2025, 1, 1),
    )
    # A women's shelter: confidential service at an ordinary-looking site.
    shelter = ServiceFactory(
        organisation=organisation,
        name="Casa rifugio",
        confidential=True,
        public_contact="Numero antiviolenza 1522",
        email="segreto@aurora.example",
        categories=[category],
    )
    shelter_site = SiteFactory(
        organisation=organisation,
        name="Sede rifugio",
        address=SECRET_ADDRESS,
        postal_code=SECRET_POSTAL_CODE,
        municipality=town,
        latitude=SECRET_LATITUDE,
        longitude=SECRET_LONGITUDE,
    )
    shelter_offering = ServiceAtSiteFactory(service=shelter, site=shelter_site)
    CapacityFactory(offering=shelter_offering, total=Decimal(8), available=Decimal(1))
    OpeningHoursFactory(offering=shelter_offering)
    # A site flagged confidential, hosting the ordinary service.
    hidden_site = SiteFactory(
        organisation=organisation,
        name="Sede riservata",
        address=HIDDEN_ADDRESS,
        postal_code=HIDDEN_POSTAL_CODE,
        municipality=town,
        latitude=HIDDEN_LATITUDE,
        longitude=HIDDEN_LONGITUDE,
        confidential=True,
        public_contact="Chiamare la sede",
    )
    ServiceAtSiteFactory(service=service, site=hidden_site)
    # Not listed at all.
    ServiceFactory(organisation=organisation, name="Chiuso", status=ServiceStatus.DEFUNCT)
    OrganisationFactory(name="Inattiva", active=False)
    return World(
        organisation=organisation,
        service=service,
        site=site,
        offering=offering,
        capacity=capacity,
        hours=hours,
        shelter=shelter,
        shelter_site=shelter_site,
        hidden_site=hidden_site,
        category=ServiceCategory.objects.get(pk=category.pk),
    )
