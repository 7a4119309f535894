"""Workspace fixtures: a case of ``organisation`` led by ``social_worker``, and clients."""

import pytest

from services.models import Role
from tests.auth import verified_login
from tests.factories import BeneficiaryFactory, CaseFactory


@pytest.fixture
def person(organisation):
    return BeneficiaryFactory(registered_by=organisation, given_name="Anna", family_name="Rossi")


@pytest.fixture
def case(person, social_worker):
    return CaseFactory(
        beneficiary=person, organisation=person.registered_by, lead_worker=social_worker
    )


@pytest.fixture
def other_worker(make_member, other_organisation):
    """A social worker of another organisation."""
    return make_member(Role.SOCIAL_WORKER, organisation=other_organisation)


@pytest.fixture
def login(client):
    """Log a user in on the test client and return the client."""

    def as_user(user):
        verified_login(client, user)
        return client

    return as_user
