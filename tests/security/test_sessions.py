"""Sessions end after 30 idle minutes and 8 hours from the login; answers that may hold
personal data are never cached (security/sessions.py; issue 13, item 6)."""

from __future__ import annotations

import datetime

import pytest
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.test import Client
from django.urls import reverse
from freezegun import freeze_time
from rest_framework.test import APIClient

# Imported before any clock is frozen: DRF's throttles keep ``time.time`` as a class
# attribute, which a first import under freezegun would bind to the fake clock for good.
import core.api.throttling  # noqa: F401
from partners.onboarding import register_partner
from security.sessions import LOGIN_AT, SEEN_AT
from services.models import Role
from services.roles import grant_role_group
from tests.auth import verified_login

pytestmark = pytest.mark.django_db

START = datetime.datetime(2026, 3, 2, 8, 0, tzinfo=datetime.UTC)


def cache_control(response) -> set[str]:
    return {part.strip() for part in response.get("Cache-Control", "").split(",") if part}


def assert_no_store(response) -> None:
    assert {"no-store", "no-cache", "private"} <= cache_control(response), response.get(
        "Cache-Control"
    )
    assert response["Pragma"] == "no-cache"


def home() -> str:
    return reverse("workspace:home")


@pytest.fixture
def staff_official(official):
    """An official with the admin's door open (staff and groups from the membership)."""
    grant_role_group(official, Role.OFFICIAL)
    return official


def client_for(user) -> Client:
    client = Client()
    verified_login(client, user)
    return client


def test_the_settings_default_to_30_minutes_and_8_hours():
    assert settings.SESSION_IDLE_TIMEOUT == 30 * 60
    assert settings.SESSION_ABSOLUTE_LIMIT == 8 * 60 * 60


def test_a_session_idle_for_31_minutes_is_logged_out_and_sent_to_login(client, social_worker):
    with freeze_time(START) as clock:
        verified_login(client, social_worker)
        assert client.get(home()).status_code == 200
        clock.tick(datetime.timedelta(minutes=31))

        response = client.get(home())

        login = reverse("workspace:login")
        assert response.status_code == 302
        assert response["Location"] == f"{login}?next={home()}"
        assert SESSION_KEY not in client.session
        page = client.get(response["Location"])
        assert page.status_code == 200
        assert "Your session expired after 30 minutes of inactivity." in page.content.decode()
        # Logged out for good: the next request is anonymous too.
        assert client.get(home())["Location"].startswith(login)


def test_29_idle_minutes_are_not_enough(client, social_worker):
    with freeze_time(START) as clock:
        verified_login(client, social_worker)
        assert client.get(home()).status_code == 200
        clock.tick(datetime.timedelta(minutes=29))
        assert client.get(home()).status_code == 200
        clock.tick(datetime.timedelta(minutes=29))
        assert client.get(home()).status_code == 200


def test_an_active_session_lasts_until_the_absolute_limit(client, social_worker):
    with freeze_time(START) as clock:
        verified_login(client, social_worker)
        assert client.get(home()).status_code == 200
        # A request every 10 minutes for 8 hours: never idle, always signed in.
        for _ in range(8 * 6):
            clock.tick(datetime.timedelta(minutes=10))
            assert client.get(home()).status_code == 200
        clock.tick(datetime.timedelta(minutes=1))

        response = client.get(home())

        assert response.status_code == 302
        assert SESSION_KEY not in client.session
        page = client.get(response["Location"])
        assert "Your session reached its limit of 8 hours." in page.content.decode()


def test_the_clocks_start_at_the_login_form(client, make_member):
    user = make_member(Role.OFFICIAL, password="a long enough password 42")
    grant_role_group(user, Role.OFFICIAL)
    with freeze_time(START) as clock:
        response = client.post(
            reverse("workspace:login"),
            {"username": user.username, "password": "a long enough password 42"},
        )
        assert response.status_code == 302
        session = client.session
        assert session[LOGIN_AT] == session[SEEN_AT] == START.timestamp()
        clock.tick(datetime.timedelta(minutes=31))
        client.get(reverse("admin:index"))
        assert SESSION_KEY not in client.session


def test_the_last_use_is_written_at_most_once_a_minute(client, social_worker):
    with freeze_time(START) as clock:
        verified_login(client, social_worker)
        client.get(home())
        first = client.session[SEEN_AT]
        clock.tick(datetime.timedelta(seconds=30))
        client.get(home())
        assert client.session[SEEN_AT] == first
        clock.tick(datetime.timedelta(seconds=45))
        client.get(home())
        assert client.session[SEEN_AT] == first + 75
        assert client.session[LOGIN_AT] == first


def test_an_idle_admin_session_goes_to_the_admin_login(client, staff_official):
    with freeze_time(START) as clock:
        verified_login(client, staff_official)
        assert client.get(reverse("admin:index")).status_code == 200
        clock.tick(datetime.timedelta(minutes=45))
        response = client.get(reverse("admin:index"))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("admin:login") + "?next=")


def test_an_idle_htmx_request_is_told_where_to_log_in(client, social_worker):
    with freeze_time(START) as clock:
        verified_login(client, social_worker)
        client.get(home())
        clock.tick(datetime.timedelta(minutes=31))
        response = client.get(home(), HTTP_HX_REQUEST="true")
        assert response.status_code == 401
        assert response["HX-Redirect"] == reverse("workspace:login")


def test_an_idle_api_session_is_answered_as_anonymous(client, social_worker):
    with freeze_time(START) as clock:
        verified_login(client, social_worker)
        assert client.get("/api/v1/cases/").status_code == 200
        clock.tick(datetime.timedelta(minutes=31))
        response = client.get("/api/v1/cases/")
        assert response.status_code in (401, 403)
        assert SESSION_KEY not in client.session
        assert_no_store(response)


def test_personal_api_answers_to_a_session_are_not_stored(client, social_worker):
    verified_login(client, social_worker)
    for path in ("/api/v1/cases/", "/api/v1/beneficiaries/", "/api/v1/referrals/"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert_no_store(response)
    # Even the directory, when a signed-in user asks: the answer is theirs.
    assert_no_store(client.get("/api/v1/services/"))


def test_api_answers_to_a_bearer_token_are_not_stored(provider_organisation):
    partner = register_partner(
        "Cartella sociale", provider_organisation, Role.SOCIAL_WORKER, ["cases:read"]
    )
    token = APIClient().post(
        "/api/v1/oauth/token/",
        {
            "grant_type": "client_credentials",
            "client_id": partner.client_id,
            "client_secret": partner.client_secret,
            "scope": "cases:read",
        },
    )
    assert token.status_code == 200
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {token.json()['access_token']}")
    response = api.get("/api/v1/cases/")
    assert response.status_code == 200
    assert_no_store(response)
    # A token call creates no session.
    assert settings.SESSION_COOKIE_NAME not in response.cookies


def test_anonymous_personal_endpoints_are_not_stored_either(client):
    response = client.get("/api/v1/cases/")
    assert response.status_code in (401, 403)
    assert_no_store(response)


def test_workspace_and_admin_pages_are_not_stored(client, social_worker, staff_official):
    verified_login(client, social_worker)
    assert_no_store(client.get(home()))
    response = client_for(staff_official).get(reverse("admin:index"))
    assert response.status_code == 200
    assert_no_store(response)


def test_the_public_directory_stays_cacheable(client):
    for path in ("/api/v1/services/", "/api/v1/service-categories/", "/api/hsds/services"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert "no-store" not in cache_control(response), path
        assert "Pragma" not in response
        assert settings.SESSION_COOKIE_NAME not in response.cookies
