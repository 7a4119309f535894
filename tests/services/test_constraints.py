"""Each constraint of the directory models is enforced by the database itself."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from services.models import (
    Capacity,
    CapacityUnit,
    LegalForm,
    Membership,
    MembershipStatus,
    Organisation,
    Service,
    ServiceCategory,
    Site,
)
from tests.factories import (
    CapacityFactory,
    MembershipFactory,
    OpeningHoursFactory,
    OrganisationFactory,
    ServiceAtSiteFactory,
    ServiceCategoryFactory,
    ServiceFactory,
    SiteFactory,
    UserFactory,
)
from tests.integrity import violates

pytestmark = pytest.mark.django_db


def test_organisation_tax_code_unique():
    organisation = OrganisationFactory()
    with violates("services_organisation_tax_code_key"):
        OrganisationFactory(tax_code=organisation.tax_code)


@pytest.mark.parametrize("tax_code", ["1234567890", "1234567890A", "IT123456789"])
def test_organisation_tax_code_11_digits(tax_code):
    with violates("organisation_tax_code_11_digits"):
        OrganisationFactory(tax_code=tax_code)


@pytest.mark.parametrize("legal_form", [LegalForm.PUBLIC_BODY, LegalForm.PRIVATE_COMPANY])
def test_organisation_runts_only_third_sector(legal_form):
    with violates("organisation_runts_only_third_sector"):
        OrganisationFactory(legal_form=legal_form, runts_number="12345")


def test_organisation_runts_number_allowed_for_third_sector():
    organisation = OrganisationFactory(legal_form=LegalForm.APS, runts_number="12345")
    with violates("organisation_runts_only_third_sector"):
        Organisation.objects.filter(pk=organisation.pk).update(legal_form=LegalForm.PUBLIC_BODY)


def test_membership_one_role_per_organisation():
    membership = MembershipFactory(role="social_worker")
    with violates("membership_one_role_per_organisation"):
        MembershipFactory(
            user=membership.user, organisation=membership.organisation, role="coordinator"
        )


def test_membership_not_requested_by_its_user():
    membership = MembershipFactory()
    with violates("membership_not_requested_by_its_user"):
        Membership.objects.filter(pk=membership.pk).update(requested_by=membership.user)


def test_membership_not_decided_by_its_user():
    membership = MembershipFactory()
    with violates("membership_not_decided_by_its_user"):
        Membership.objects.filter(pk=membership.pk).update(decided_by=membership.user)


def test_membership_decided_by_a_second_person():
    asker = UserFactory()
    membership = MembershipFactory(requested_by=asker)
    with violates("membership_decided_by_a_second_person"):
        Membership.objects.filter(pk=membership.pk).update(decided_by=asker)


def test_membership_pending_is_undecided():
    membership = MembershipFactory(status=MembershipStatus.PENDING, requested_by=UserFactory())
    with violates("membership_pending_is_undecided"):
        Membership.objects.filter(pk=membership.pk).update(
            decided_by=UserFactory(), decided_at=timezone.now()
        )


def test_category_not_own_parent():
    category = ServiceCategoryFactory()
    with violates("category_not_own_parent"):
        ServiceCategory.objects.filter(pk=category.pk).update(parent=category)


def test_seeded_category_is_reused_by_code():
    category = ServiceCategoryFactory(code="housing.housing-first")
    assert category.parent.code == "housing"
    assert ServiceCategory.objects.filter(code="housing.housing-first").count() == 1


def test_service_age_range_ordered():
    ServiceFactory(minimum_age=18, maximum_age=18)
    with violates("service_age_range_ordered"):
        ServiceFactory(minimum_age=65, maximum_age=18)


def test_service_fees_described_when_not_free():
    ServiceFactory(free_of_charge=False, fees_description="€2 a night")
    with violates("service_fees_described_when_not_free"):
        ServiceFactory(free_of_charge=False, fees_description="")


def test_service_confidential_has_public_contact():
    service = ServiceFactory(confidential=True, public_contact="Numero verde 1522")
    with violates("service_confidential_has_public_contact"):
        Service.objects.filter(pk=service.pk).update(public_contact="")


@pytest.mark.parametrize(
    ("latitude", "longitude"), [(90.1, 12.5), (-90.1, 12.5), (41.9, 180.1), (41.9, -180.1)]
)
def test_site_coordinates_in_range(latitude, longitude):
    with violates("site_coordinates_in_range"):
        SiteFactory(latitude=latitude, longitude=longitude)


def test_site_confidential_has_public_contact():
    SiteFactory(confidential=True, public_contact="Numero verde 1522")
    with violates("site_confidential_has_public_contact"):
        SiteFactory(confidential=True, public_contact="")


def test_site_confidential_checked_on_update():
    site = SiteFactory()
    with violates("site_confidential_has_public_contact"):
        Site.objects.filter(pk=site.pk).update(confidential=True)


def test_service_at_site_unique():
    offering = ServiceAtSiteFactory()
    with violates("service_at_site_unique"):
        ServiceAtSiteFactory(service=offering.service, site=offering.site)


def test_capacity_one_per_unit():
    capacity = CapacityFactory(unit=CapacityUnit.BEDS)
    CapacityFactory(offering=capacity.offering, unit=CapacityUnit.STAFF_FTE, available=None)
    with violates("capacity_one_per_unit"):
        CapacityFactory(offering=capacity.offering, unit=CapacityUnit.BEDS)


def test_capacity_total_non_negative():
    with violates("capacity_total_non_negative"):
        CapacityFactory(total=Decimal(-1), available=None)


@pytest.mark.parametrize(("total", "available"), [(10, 11), (10, -1), (0, 1)])
def test_capacity_available_within_total(total, available):
    with violates("capacity_available_within_total"):
        CapacityFactory(total=Decimal(total), available=Decimal(available))


def test_capacity_available_checked_on_bulk_update():
    capacity = CapacityFactory(total=Decimal(10), available=Decimal(10))
    capacity.available = Decimal("10.5")
    with violates("capacity_available_within_total"):
        Capacity.objects.bulk_update([capacity], ["available"])


@pytest.mark.parametrize("weekday", [0, 8])
def test_opening_weekday_1_to_7(weekday):
    with violates("opening_weekday_1_to_7"):
        OpeningHoursFactory(weekday=weekday)


def test_opening_interval_not_empty():
    # Past midnight is fine (a night shelter), an empty interval is not.
    OpeningHoursFactory(opens_at=datetime.time(20), closes_at=datetime.time(8))
    with violates("opening_interval_not_empty"):
        OpeningHoursFactory(opens_at=datetime.time(9), closes_at=datetime.time(9))


def test_opening_validity_ordered():
    OpeningHoursFactory(valid_from=datetime.date(2025, 1, 1), valid_to=datetime.date(2025, 1, 1))
    with violates("opening_validity_ordered"):
        OpeningHoursFactory(
            valid_from=datetime.date(2025, 6, 1), valid_to=datetime.date(2025, 5, 31)
        )
