"""The OAuth2 token endpoint locks a client id from an address after repeated failed
client authentication: counted in the shared Redis cache, 429 with Retry-After, the right
secret included, while another client id or another address is unaffected; a token
issued resets the count; each failure and lockout is a security event."""

import base64
import time

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from partners.onboarding import register_partner
from security.models import SecurityEvent
from services.models import Role

pytestmark = pytest.mark.django_db

TOKEN_URL = "/api/v1/oauth/token/"
HERE = "203.0.113.10"
ELSEWHERE = "198.51.100.20"
LIMIT = 30


@pytest.fixture(autouse=True)
def empty_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def partner(provider_organisation):
    return register_partner("Uno", provider_organisation, Role.PROVIDER_STAFF, ["directory:read"])


@pytest.fixture
def other_partner(provider_organisation):
    return register_partner("Due", provider_organisation, Role.PROVIDER_STAFF, ["directory:read"])


def ask(client_id, secret, address=HERE):
    return APIClient(REMOTE_ADDR=address).post(
        TOKEN_URL,
        {"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret},
    )


def fail(client_id, times, address=HERE) -> list[int]:
    return [ask(client_id, "wrong-secret", address).status_code for _ in range(times)]


def test_the_cache_is_redis(settings):
    assert settings.CACHES["default"]["BACKEND"].endswith("RedisCache")
    assert settings.TOKEN_FAILURE_LIMIT == LIMIT


def test_after_the_limit_the_right_secret_is_refused_from_that_address(partner, other_partner):
    codes = fail(partner.client_id, LIMIT)
    assert codes == [401] * (LIMIT - 1) + [429]
    locked = ask(partner.client_id, partner.client_secret)
    assert locked.status_code == 429
    assert 0 < int(locked["Retry-After"]) <= 30 * 60
    assert locked.json()["error"] == "too_many_requests"
    assert "access_token" not in locked.json()
    # Another client id from the same address, and the same one from elsewhere, get tokens.
    assert ask(other_partner.client_id, other_partner.client_secret).status_code == 200
    assert ask(partner.client_id, partner.client_secret, ELSEWHERE).status_code == 200


def test_failures_and_lockouts_are_security_events(partner):
    fail(partner.client_id, LIMIT)
    ask(partner.client_id, partner.client_secret)
    kinds = list(SecurityEvent.objects.order_by("pk").values_list("kind", flat=True))
    assert kinds == ["token_failed"] * LIMIT + ["token_locked", "token_locked"]
    event = SecurityEvent.objects.filter(kind="token_failed").first()
    assert (event.username, event.address) == (partner.client_id, HERE)
    assert event.details == {"client_id": partner.client_id}
    # The secret, right or wrong, is never written.
    text = str(list(SecurityEvent.objects.values()))
    assert partner.client_secret not in text and "wrong-secret" not in text


def test_a_token_issued_resets_the_count(partner):
    assert fail(partner.client_id, LIMIT - 1) == [401] * (LIMIT - 1)
    assert ask(partner.client_id, partner.client_secret).status_code == 200
    assert fail(partner.client_id, LIMIT - 1) == [401] * (LIMIT - 1)
    assert ask(partner.client_id, partner.client_secret).status_code == 200


def test_client_authentication_by_http_basic_is_counted_too(partner):
    def basic(secret):
        credentials = base64.b64encode(f"{partner.client_id}:{secret}".encode()).decode()
        return APIClient(REMOTE_ADDR=HERE).post(
            TOKEN_URL,
            {"grant_type": "client_credentials"},
            HTTP_AUTHORIZATION=f"Basic {credentials}",
        )

    assert [basic("wrong").status_code for _ in range(LIMIT)] == [401] * (LIMIT - 1) + [429]
    # The lock is on the client id, however it is presented.
    assert ask(partner.client_id, partner.client_secret).status_code == 429
    assert basic(partner.client_secret).status_code == 429


def test_an_unknown_client_id_is_counted_and_locked_like_any_other(partner):
    assert fail("no-such-client", LIMIT) == [401] * (LIMIT - 1) + [429]
    assert ask(partner.client_id, partner.client_secret).status_code == 200


def test_a_forged_forwarded_header_does_not_escape_the_lock(partner, settings):
    settings.TRUSTED_PROXY_COUNT = 0
    for n in range(LIMIT):
        APIClient(REMOTE_ADDR=HERE).post(
            TOKEN_URL,
            {
                "grant_type": "client_credentials",
                "client_id": partner.client_id,
                "client_secret": "wrong",
            },
            HTTP_X_FORWARDED_FOR=f"192.0.2.{n}",
        )
    assert ask(partner.client_id, partner.client_secret).status_code == 429


def test_the_lock_ends_after_the_cool_off(partner, settings):
    settings.TOKEN_COOLOFF_SECONDS = 2
    fail(partner.client_id, LIMIT)
    assert ask(partner.client_id, partner.client_secret).status_code == 429
    time.sleep(2.2)  # Redis expires the lock by itself
    assert ask(partner.client_id, partner.client_secret).status_code == 200
