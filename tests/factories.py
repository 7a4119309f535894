"""factory_boy factories, one per model, with valid and unique codes by default.

Every factory builds the smallest valid row; pass what a test is about explicitly.
Codes that must be unique are derived from the factory sequence, so they are stable
from run to run and never collide with the shipped territory data (metropolitan cities
300-999, municipalities 9xxxxx with cadastral codes X000-Z999, unused by ISTAT).
"""

import datetime
import random
from decimal import Decimal

import factory
from django.contrib.auth import get_user_model
from factory.django import DjangoModelFactory, Password

from beneficiaries import codice_fiscale
from beneficiaries.models import (
    Beneficiary,
    Case,
    Consent,
    ConsentPurpose,
    Gender,
    Goal,
    Need,
    NeedDomain,
    Note,
    Referral,
    Severity,
)
from housing.models import HousingUnit, Placement, UnitStatus, UnitType
from registry.models import MetropolitanCity, Municipality, Zone, ZoneKind
from services.models import (
    Capacity,
    CapacityUnit,
    Language,
    LegalForm,
    Membership,
    OpeningHours,
    Organisation,
    Role,
    Service,
    ServiceAtSite,
    ServiceCategory,
    Site,
)
from services.tax_code import generate_organisation_tax_code

GIVEN_NAMES = {
    Gender.FEMALE: ["Giulia", "Fatima", "Ioana", "Chiara", "Amina", "Svetlana"],
    Gender.MALE: ["Marco", "Ahmed", "Luca", "Ion", "Giuseppe", "Mamadou"],
}
FAMILY_NAMES = ["Rossi", "Esposito", "Popescu", "Bianchi", "Diallo", "Ferrari", "Kowalski"]


class UserFactory(DjangoModelFactory):
    class Meta:
        model = get_user_model()

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.org")
    password = Password("password")


class MetropolitanCityFactory(DjangoModelFactory):
    class Meta:
        model = MetropolitanCity

    istat_code = factory.Sequence(lambda n: f"{300 + n % 700:03d}")
    name = factory.Sequence(lambda n: f"Città metropolitana {n}")
    slug = factory.Sequence(lambda n: f"test-metro-{n}")
    region = "Lazio"


class MunicipalityFactory(DjangoModelFactory):
    class Meta:
        model = Municipality

    metropolitan_city = factory.SubFactory(MetropolitanCityFactory)
    istat_code = factory.Sequence(lambda n: f"9{n % 100_000:05d}")
    cadastral_code = factory.Sequence(lambda n: f"{'XYZ'[n // 1000 % 3]}{n % 1000:03d}")
    name = factory.Sequence(lambda n: f"Comune {n}")
    population = 25_000
    population_year = 2011
    centroid_lat = 41.9
    centroid_lon = 12.5


class ZoneFactory(DjangoModelFactory):
    class Meta:
        model = Zone
        skip_postgeneration_save = True

    metropolitan_city = factory.SubFactory(MetropolitanCityFactory)
    kind = ZoneKind.AMBITO
    code = factory.Sequence(lambda n: f"ATS-{n}")
    name = factory.Sequence(lambda n: f"Ambito {n}")

    @factory.post_generation
    def municipalities(self, create, extracted, **kwargs):
        if create and extracted:
            self.municipalities.set(extracted)


class OrganisationFactory(DjangoModelFactory):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"Organisation {n}")
    legal_form = LegalForm.SOCIAL_COOPERATIVE
    tax_code = factory.Sequence(lambda n: generate_organisation_tax_code(random.Random(n)))
    municipality = factory.SubFactory(MunicipalityFactory)


class MembershipFactory(DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    organisation = factory.SubFactory(OrganisationFactory)
    role = Role.SOCIAL_WORKER


class ServiceCategoryFactory(DjangoModelFactory):
    """Returns the seeded category when given one of its codes (e.g. "housing.housing-first")."""

    class Meta:
        model = ServiceCategory
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"test-{n}")
    name_it = factory.LazyAttribute(lambda category: f"Categoria {category.code}")
    name_en = factory.LazyAttribute(lambda category: f"Category {category.code}")


class LanguageFactory(DjangoModelFactory):
    class Meta:
        model = Language
        django_get_or_create = ("code",)

    code = "it"
    name_it = "italiano"
    name_en = "Italian"


class ServiceFactory(DjangoModelFactory):
    class Meta:
        model = Service
        skip_postgeneration_save = True

    organisation = factory.SubFactory(OrganisationFactory)
    name = factory.Sequence(lambda n: f"Service {n}")

    @factory.post_generation
    def categories(self, create, extracted, **kwargs):
        if create and extracted:
            self.categories.set(extracted)


class SiteFactory(DjangoModelFactory):
    class Meta:
        model = Site

    organisation = factory.SubFactory(OrganisationFactory)
    name = factory.Sequence(lambda n: f"Site {n}")
    address = factory.Sequence(lambda n: f"Via Roma {n}")
    postal_code = "00185"
    municipality = factory.SelfAttribute("organisation.municipality")
    latitude = 41.9
    longitude = 12.5


class ServiceAtSiteFactory(DjangoModelFactory):
    class Meta:
        model = ServiceAtSite

    service = factory.SubFactory(ServiceFactory)
    site = factory.SubFactory(
        SiteFactory, organisation=factory.SelfAttribute("..service.organisation")
    )


class CapacityFactory(DjangoModelFactory):
    class Meta:
        model = Capacity

    offering = factory.SubFactory(ServiceAtSiteFactory)
    unit = CapacityUnit.BEDS
    total = Decimal(10)
    available = Decimal(3)


class OpeningHoursFactory(DjangoModelFactory):
    class Meta:
        model = OpeningHours

    offering = factory.SubFactory(ServiceAtSiteFactory)
    weekday = 1
    opens_at = datetime.time(9)
    closes_at = datetime.time(17)


class BeneficiaryFactory(DjangoModelFactory):
    """A resident with a valid codice fiscale, unique per sequence number (birth date)."""

    class Meta:
        model = Beneficiary

    gender = factory.Sequence(lambda n: (Gender.FEMALE, Gender.MALE)[n % 2])
    given_name = factory.Sequence(
        lambda n: GIVEN_NAMES[(Gender.FEMALE, Gender.MALE)[n % 2]][n // 2 % 6]
    )
    family_name = factory.Sequence(lambda n: FAMILY_NAMES[n % len(FAMILY_NAMES)])
    # One birth day per sequence number: 36,500 different codes before the year repeats.
    birth_date = factory.Sequence(lambda n: datetime.date(1950, 1, 1) + datetime.timedelta(days=n))
    codice_fiscale = factory.LazyAttribute(
        lambda person: codice_fiscale.generate(
            surname=person.family_name,
            given_name=person.given_name,
            birth_date=person.birth_date,
            gender=person.gender,
            cadastral_code="H501",
        )
    )
    residence_municipality = factory.SubFactory(MunicipalityFactory)
    registered_by = factory.SubFactory(OrganisationFactory)


DEFAULT_CASE_CONSENTS = (
    ConsentPurpose.CASE_MANAGEMENT,
    ConsentPurpose.SHARING_WITH_PROVIDERS,
    ConsentPurpose.HOUSING,
)


class CaseFactory(DjangoModelFactory):
    class Meta:
        model = Case
        skip_postgeneration_save = True

    beneficiary = factory.SubFactory(BeneficiaryFactory)
    organisation = factory.SelfAttribute("beneficiary.registered_by")
    lead_worker = factory.SubFactory(UserFactory)
    opened_on = datetime.date(2024, 1, 10)

    @factory.post_generation
    def team(self, create, extracted, **kwargs):
        if create and extracted:
            self.team.set(extracted)

    @factory.post_generation
    def consents(self, create, extracted, **kwargs):
        """The person's consents to the case's organisation, in force from the opening:
        case management, sharing with providers and housing unless told otherwise
        (``consents=[]`` for a case without any, e.g. to test the consent rules)."""
        if not create:
            return
        purposes = DEFAULT_CASE_CONSENTS if extracted is None else extracted
        for purpose in purposes:
            Consent.objects.get_or_create(
                beneficiary=self.beneficiary,
                organisation=self.organisation,
                purpose=purpose,
                withdrawn_on=None,
                defaults={"given_on": self.opened_on, "recorded_by": self.lead_worker},
            )


class NeedFactory(DjangoModelFactory):
    class Meta:
        model = Need

    case = factory.SubFactory(CaseFactory)
    domain = NeedDomain.HOUSING
    severity = Severity.HIGH
    description = "Sleeps in a car."
    identified_on = datetime.date(2024, 1, 10)


class ReferralFactory(DjangoModelFactory):
    class Meta:
        model = Referral

    case = factory.SubFactory(CaseFactory)
    service = factory.SubFactory(ServiceFactory)
    referred_by = factory.SelfAttribute("case.lead_worker")
    referred_on = datetime.date(2024, 1, 15)


class ConsentFactory(DjangoModelFactory):
    class Meta:
        model = Consent

    beneficiary = factory.SubFactory(BeneficiaryFactory)
    purpose = ConsentPurpose.CASE_MANAGEMENT
    given_on = datetime.date(2024, 1, 10)
    recorded_by = factory.SubFactory(UserFactory)
    organisation = factory.SelfAttribute("beneficiary.registered_by")


class NoteFactory(DjangoModelFactory):
    class Meta:
        model = Note

    case = factory.SubFactory(CaseFactory)
    author = factory.SelfAttribute("case.lead_worker")
    body = factory.Sequence(lambda n: f"Interview {n}: looking for a room.")


class GoalFactory(DjangoModelFactory):
    class Meta:
        model = Goal

    case = factory.SubFactory(CaseFactory)
    description = "Find stable housing"
    domain = "housing"


class HousingUnitFactory(DjangoModelFactory):
    class Meta:
        model = HousingUnit

    code = factory.Sequence(lambda n: f"HU-{n:05d}")
    address = factory.Sequence(lambda n: f"Via dei Mille {n}")
    postal_code = "00185"
    municipality = factory.SubFactory(MunicipalityFactory)
    unit_type = UnitType.HOUSING_FIRST
    rooms = 2
    places = 1
    owner = factory.SubFactory(OrganisationFactory)
    status = UnitStatus.AVAILABLE
    status_since = datetime.date(2023, 6, 1)


class PlacementFactory(DjangoModelFactory):
    """A placement; ``beneficiary`` is copied from the case by ``Placement.save``."""

    class Meta:
        model = Placement

    unit = factory.SubFactory(HousingUnitFactory)
    case = factory.SubFactory(CaseFactory)
    starts_on = datetime.date(2024, 2, 1)
