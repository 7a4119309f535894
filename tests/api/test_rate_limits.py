"""Rate limits per client, counted in the shared Redis cache: above the limit the API
answers 429 with Retry-After, and one client's burst does not throttle another."""

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from partners.onboarding import register_partner
from services.models import Role
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/service-categories/"


@pytest.fixture
def small_limits(settings):
    settings.API_RATE_LIMITS = {"partner": 4, "user": 3, "anonymous": 2}
    cache.clear()
    yield
    cache.clear()


def test_the_cache_is_redis(settings):
    assert settings.CACHES["default"]["BACKEND"].endswith("RedisCache")


def test_an_anonymous_caller_above_the_limit_gets_429(small_limits):
    client = APIClient()
    assert [client.get(URL).status_code for _ in range(3)] == [200, 200, 429]
    refused = client.get(URL)
    assert refused.status_code == 429
    assert 0 < int(refused["Retry-After"]) <= 60
    assert refused.json()["detail"].startswith("Request was throttled.")


def test_each_client_has_its_own_count(small_limits, organisation):
    anonymous = APIClient()
    assert [anonymous.get(URL).status_code for _ in range(3)] == [200, 200, 429]
    worker = UserFactory()
    MembershipFactory(user=worker, organisation=organisation, role=Role.SOCIAL_WORKER)
    signed_in = APIClient()
    signed_in.force_authenticate(worker)
    assert [signed_in.get(URL).status_code for _ in range(4)] == [200, 200, 200, 429]


def test_a_partner_is_counted_per_application(small_limits, provider_organisation):
    credentials = [
        register_partner(name, provider_organisation, Role.PROVIDER_STAFF, ["directory:read"])
        for name in ("Uno", "Due")
    ]
    clients = []
    for partner in credentials:
        token = APIClient().post(
            "/api/v1/oauth/token/",
            {
                "grant_type": "client_credentials",
                "client_id": partner.client_id,
                "client_secret": partner.client_secret,
            },
        )
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {token.json()['access_token']}")
        clients.append(client)
    first, second = clients
    assert [first.get(URL).status_code for _ in range(5)] == [200] * 4 + [429]
    assert second.get(URL).status_code == 200


def test_a_forged_forwarded_header_does_not_make_a_new_caller(small_limits, settings):
    # No trusted proxy: X-Forwarded-For is the caller's own text and counts for nothing.
    settings.TRUSTED_PROXY_COUNT = 0
    client = APIClient()
    codes = [client.get(URL, HTTP_X_FORWARDED_FOR=f"198.51.100.{n}").status_code for n in range(4)]
    assert codes == [200, 200, 429, 429]


def test_behind_a_trusted_proxy_forwarded_clients_are_counted_apart(small_limits, settings):
    # One trusted proxy: the client is the address it appended, the last entry.
    settings.TRUSTED_PROXY_COUNT = 1
    client = APIClient()
    first = [
        client.get(URL, HTTP_X_FORWARDED_FOR="1.2.3.4, 203.0.113.7").status_code for _ in range(3)
    ]
    assert first == [200, 200, 429]
    # The same forged left part with another proxy-seen address is another caller...
    assert client.get(URL, HTTP_X_FORWARDED_FOR="1.2.3.4, 203.0.113.8").status_code == 200
    # ...and changing the forged left part does not escape the count.
    assert client.get(URL, HTTP_X_FORWARDED_FOR="9.9.9.9, 203.0.113.7").status_code == 429
