"""Partner tokens are stored hashed (RFC 9700, which ``check --deploy`` holds us to):
the database keeps a SHA-256 checksum, never a token that could be replayed, and the
token still works."""

import hashlib

import pytest
from oauth2_provider.models import AccessToken
from rest_framework.test import APIClient

from partners.onboarding import register_partner
from services.models import Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def token(provider_organisation) -> str:
    partner = register_partner(
        "Gestionale", provider_organisation, Role.PROVIDER_STAFF, ["directory:read"]
    )
    response = APIClient().post(
        "/api/v1/oauth/token/",
        {
            "grant_type": "client_credentials",
            "client_id": partner.client_id,
            "client_secret": partner.client_secret,
        },
    )
    assert response.status_code == 200
    return response.json()["access_token"]


def test_only_a_checksum_of_the_token_is_stored(token):
    row = AccessToken.objects.get()
    assert row.token == ""
    assert row.token_checksum == hashlib.sha256(token.encode()).hexdigest()
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    assert api.get("/api/v1/organisations/").status_code == 200
