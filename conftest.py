"""Root pytest configuration: the suite runs on the machine's PostgreSQL and Redis.

Shared fixtures: organisations and one user per role, each with an active membership.
"""

import pytest

from gaps.models import Standard
from gaps.reference_standards import sync_standards
from services.models import Language, LegalForm, Role, ServiceCategory
from services.reference_data import sync_reference_data
from services.roles import sync_role_groups
from tests.factories import MembershipFactory, OrganisationFactory, UserFactory


def _ensure_reference_data() -> None:
    sync_reference_data(ServiceCategory, Language)
    sync_standards(Standard, ServiceCategory)
    sync_role_groups()


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Data migrations' rows (taxonomy, languages, standards, role groups) are emptied by the flush
    that ends a transactional test; a reused test database may start without them."""
    with django_db_blocker.unblock():
        _ensure_reference_data()


@pytest.fixture
def reference_data(transactional_db):
    """For transactional tests, which start after another one's flush."""
    _ensure_reference_data()


@pytest.fixture
def organisation(db):
    """A municipality's social services: the organisation that takes people in charge."""
    return OrganisationFactory(legal_form=LegalForm.PUBLIC_BODY)


@pytest.fixture
def other_organisation(db):
    """Another municipality's social services, for "wrong organisation" tests."""
    return OrganisationFactory(legal_form=LegalForm.PUBLIC_BODY)


@pytest.fixture
def provider_organisation(db):
    """A third-sector provider that receives referrals and owns housing units."""
    return OrganisationFactory(legal_form=LegalForm.SOCIAL_COOPERATIVE)


@pytest.fixture
def make_member(db, organisation):
    """Make a user with a membership: ``make_member(Role.COORDINATOR, organisation=...)``."""

    def make(role, *, organisation=organisation, active=True, **user_fields):
        user = UserFactory(**user_fields)
        MembershipFactory(user=user, organisation=organisation, role=role, active=active)
        return user

    return make


@pytest.fixture
def social_worker(make_member):
    return make_member(Role.SOCIAL_WORKER)


@pytest.fixture
def coordinator(make_member):
    return make_member(Role.COORDINATOR)


@pytest.fixture
def provider_staff(make_member, provider_organisation):
    return make_member(Role.PROVIDER_STAFF, organisation=provider_organisation)


@pytest.fixture
def official(make_member):
    return make_member(Role.OFFICIAL)


@pytest.fixture
def administrator(make_member):
    return make_member(Role.ADMINISTRATOR)


@pytest.fixture
def superuser(db):
    """A superuser without any membership: grants nothing over personal data."""
    return UserFactory(is_superuser=True, is_staff=True)
