"""Partner systems: OAuth2 client credentials, scopes per purpose, short-lived tokens.

* a partner gets a token with its client id and secret, at most with the scopes granted
  to it, and the token expires after the configured lifetime;
* a token acts as the partner's service account: it reaches what a member of the
  partner's organisation with that role reaches, and the scope bounds what it may do;
* a deactivated partner, an expired or revoked token, or a wrong secret gets nothing.
"""

import datetime
import hashlib

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone
from oauth2_provider.models import AccessToken, Application
from rest_framework.test import APIClient

from partners.models import PartnerClient
from partners.onboarding import register_partner
from partners.tasks import clear_expired_tokens
from services.models import Role
from tests.factories import CapacityFactory, ServiceAtSiteFactory, ServiceFactory, SiteFactory

pytestmark = pytest.mark.django_db

TOKEN_URL = "/api/v1/oauth/token/"


def stored(token: str) -> dict:
    """The look-up of a token's row: only its SHA-256 checksum is stored (RFC 9700)."""
    return {"token_checksum": hashlib.sha256(token.encode()).hexdigest()}


def token_response(client_id, secret, scope=None):
    data = {"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret}
    if scope is not None:
        data["scope"] = scope
    return APIClient().post(TOKEN_URL, data)


def bearer(token: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client


@pytest.fixture
def partner(provider_organisation):
    return register_partner(
        "Gestionale Cooperativa",
        provider_organisation,
        Role.PROVIDER_STAFF,
        ["directory:read", "capacity:write"],
    )


def test_client_credentials_give_a_short_lived_token_with_the_granted_scopes(partner, settings):
    response = token_response(partner.client_id, partner.client_secret)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == settings.OAUTH2_PROVIDER["ACCESS_TOKEN_EXPIRE_SECONDS"] == 600
    # No scope asked for: the default, directory:read.
    assert body["scope"] == "directory:read"
    assert "refresh_token" not in body


def test_a_token_may_carry_only_the_scopes_granted_to_the_partner(partner):
    granted = token_response(
        partner.client_id, partner.client_secret, "directory:read capacity:write"
    )
    assert granted.status_code == 200
    assert set(granted.json()["scope"].split()) == {"directory:read", "capacity:write"}
    refused = token_response(partner.client_id, partner.client_secret, "cases:read")
    assert refused.status_code == 400
    assert refused.json()["error"] == "invalid_scope"


def test_a_wrong_secret_gets_no_token(partner):
    response = token_response(partner.client_id, "not-the-secret")
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"
    assert not AccessToken.objects.exists()


def test_the_secret_is_stored_hashed(partner):
    application = Application.objects.get(client_id=partner.client_id)
    assert partner.client_secret not in application.client_secret


def capacity_of(organisation):
    offering = ServiceAtSiteFactory(
        service=ServiceFactory(organisation=organisation),
        site=SiteFactory(organisation=organisation),
    )
    return CapacityFactory(offering=offering, total=10, available=3)


def test_the_scope_bounds_what_the_token_may_do(partner, provider_organisation):
    capacity = capacity_of(provider_organisation)
    read_only = token_response(partner.client_id, partner.client_secret, "directory:read")
    client = bearer(read_only.json()["access_token"])
    url = f"/api/v1/capacities/{capacity.pk}/"
    assert client.get(url).status_code == 200
    refused = client.patch(url, {"available": 2}, format="json", HTTP_IF_MATCH='"1"')
    assert refused.status_code == 403
    assert refused.json() == {"detail": "This token lacks the scope capacity:write."}
    capacity.refresh_from_db()
    assert capacity.available == 3

    writer = token_response(partner.client_id, partner.client_secret, "capacity:write")
    client = bearer(writer.json()["access_token"])
    changed = client.patch(url, {"available": 2}, format="json", HTTP_IF_MATCH='"1"')
    assert changed.status_code == 200, changed.content
    assert changed.json()["available"] == 2.0
    assert changed["ETag"] == '"2"'


def test_a_token_reaches_only_its_own_organisation(
    partner, provider_organisation, other_organisation
):
    theirs = capacity_of(other_organisation)
    token = token_response(partner.client_id, partner.client_secret, "capacity:write")
    client = bearer(token.json()["access_token"])
    response = client.patch(
        f"/api/v1/capacities/{theirs.pk}/", {"available": 0}, format="json", HTTP_IF_MATCH='"1"'
    )
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.available == 3


def test_a_token_without_cases_read_sees_no_personal_data(partner):
    token = token_response(partner.client_id, partner.client_secret).json()["access_token"]
    response = bearer(token).get("/api/v1/referrals/")
    assert response.status_code == 403
    assert response.json() == {"detail": "This token lacks the scope cases:read."}


def test_an_expired_token_authenticates_nobody(partner):
    token = token_response(partner.client_id, partner.client_secret).json()["access_token"]
    AccessToken.objects.filter(**stored(token)).update(
        expires=timezone.now() - datetime.timedelta(seconds=1)
    )
    response = bearer(token).get("/api/v1/organisations/")
    assert response.status_code == 401
    assert response.json() == {"detail": "The token is invalid, expired or revoked."}
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_a_revoked_token_authenticates_nobody(partner):
    token = token_response(partner.client_id, partner.client_secret).json()["access_token"]
    revoked = APIClient().post(
        "/api/v1/oauth/revoke-token/",
        {"token": token, "client_id": partner.client_id, "client_secret": partner.client_secret},
    )
    assert revoked.status_code == 200
    assert bearer(token).get("/api/v1/organisations/").status_code == 401


def test_a_deactivated_partner_loses_access_at_once(partner):
    token = token_response(partner.client_id, partner.client_secret).json()["access_token"]
    PartnerClient.objects.update(active=False)
    response = bearer(token).get("/api/v1/organisations/")
    assert response.status_code == 401
    assert response.json() == {"detail": "This partner system is not active."}
    # Nor can it get a new token with any scope.
    again = token_response(partner.client_id, partner.client_secret, "directory:read")
    assert again.status_code == 400


def test_register_partner_command_prints_credentials_once(provider_organisation, capsys):
    call_command(
        "register_partner",
        "Cartella sociale",
        organisation=provider_organisation.tax_code,
        role=Role.SOCIAL_WORKER,
        scopes=["directory:read", "cases:read"],
    )
    lines = dict(line.split(": ", 1) for line in capsys.readouterr().out.splitlines())
    assert set(lines) == {"client_id", "client_secret", "service account"}
    partner = PartnerClient.objects.get(application__client_id=lines["client_id"])
    assert partner.organisation == provider_organisation
    assert partner.scopes == ["directory:read", "cases:read"]
    assert (
        token_response(lines["client_id"], lines["client_secret"], "cases:read").status_code == 200
    )


def test_register_partner_refuses_an_unknown_scope(provider_organisation):
    with pytest.raises(CommandError, match="Unknown scopes: cases:write"):
        call_command(
            "register_partner",
            "Cartella",
            organisation=provider_organisation.tax_code,
            role=Role.SOCIAL_WORKER,
            scopes=["cases:write"],
        )
    assert not Application.objects.exists()


def test_expired_tokens_are_cleared_by_the_hourly_job(partner, settings):
    assert settings.CELERY_BEAT_SCHEDULE["clear-expired-partner-tokens"]["task"] == (
        "partners.tasks.clear_expired_tokens"
    )
    old = token_response(partner.client_id, partner.client_secret).json()["access_token"]
    fresh = token_response(partner.client_id, partner.client_secret).json()["access_token"]
    AccessToken.objects.filter(**stored(old)).update(
        expires=timezone.now() - datetime.timedelta(minutes=1)
    )
    clear_expired_tokens.delay()
    assert list(AccessToken.objects.values_list("token_checksum", flat=True)) == [
        stored(fresh)["token_checksum"]
    ]
