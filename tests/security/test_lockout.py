"""Lockout keyed on username + address (django-axes), on every login door.

After AXES_FAILURE_LIMIT (30) wrong passwords for one username from one address, that
pair is refused for the cool-off, even with the right password: 429, Retry-After and a
page that says why. The same username from another address still signs in; a success
resets the count; the address is core.client_ip's, so a forged X-Forwarded-For changes
nothing.
"""

import datetime

import pytest
from django.test import Client
from django.urls import reverse
from freezegun import freeze_time

from tests.auth import verified_login
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

RIGHT = "correct horse battery staple"
WRONG = "not the password"
HERE = "203.0.113.10"
ELSEWHERE = "198.51.100.20"
LIMIT = 30


@pytest.fixture
def user():
    return UserFactory(username="mrossi", password=RIGHT)


@pytest.fixture
def staff():
    return UserFactory(username="admin.bianchi", password=RIGHT, is_staff=True)


def post_login(url, username, password, address, **extra):
    return Client(REMOTE_ADDR=address).post(
        url, {"username": username, "password": password}, **extra
    )


def signed_in_as(response, user) -> bool:
    return response.wsgi_request.session.get("_auth_user_id") == str(user.pk)


def fail(url, username, times, address=HERE, **extra):
    return [post_login(url, username, WRONG, address, **extra).status_code for _ in range(times)]


def test_the_31st_attempt_is_refused_even_with_the_right_password(user):
    url = reverse("workspace:login")
    codes = fail(url, "mrossi", LIMIT)
    # 29 wrong passwords get the form again; the 30th locks the pair.
    assert codes == [200] * (LIMIT - 1) + [429]

    refused = post_login(url, "mrossi", RIGHT, HERE)
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) == 30 * 60
    assert not signed_in_as(refused, user)
    page = refused.content.decode()
    assert "Too many failed sign-ins" in page
    assert "Try again in 30 minutes" in page
    assert reverse("security:password-reset") in page
    # Under the Content-Security-Policy: no inline style or script on the page.
    assert "style=" not in page and "<style" not in page
    assert "<script>" not in page

    # The same username from another address is not locked out.
    elsewhere = post_login(url, "mrossi", RIGHT, ELSEWHERE)
    assert elsewhere.status_code == 302
    assert signed_in_as(elsewhere, user)


def test_the_lock_is_per_username_too(user):
    other = UserFactory(username="lverdi", password=RIGHT)
    url = reverse("workspace:login")
    fail(url, "mrossi", LIMIT)
    # Another account from the same address still signs in.
    response = post_login(url, "lverdi", RIGHT, HERE)
    assert response.status_code == 302
    assert signed_in_as(response, other)


def test_the_lockout_page_speaks_the_language_of_the_url(user):
    fail("/it/workspace/login/", "mrossi", LIMIT)
    refused = post_login("/it/workspace/login/", "mrossi", RIGHT, HERE)
    assert refused.status_code == 429
    assert '<html lang="it">' in refused.content.decode()
    # The Italian login page links to the Italian reset form.
    assert 'href="/it/account/password/reset/"' in refused.content.decode()


def test_a_success_resets_the_count(user):
    url = reverse("workspace:login")
    assert fail(url, "mrossi", LIMIT - 1) == [200] * (LIMIT - 1)
    assert post_login(url, "mrossi", RIGHT, HERE).status_code == 302
    # A fresh 29 wrong passwords do not lock: the count started again.
    assert fail(url, "mrossi", LIMIT - 1) == [200] * (LIMIT - 1)
    assert post_login(url, "mrossi", RIGHT, HERE).status_code == 302


def test_the_lock_ends_after_the_cool_off(user, settings):
    url = reverse("workspace:login")
    start = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC)
    with freeze_time(start):
        fail(url, "mrossi", LIMIT)
    with freeze_time(start + datetime.timedelta(minutes=29)):
        assert post_login(url, "mrossi", RIGHT, HERE).status_code == 429
    # Each refused attempt restarts the cool-off: 30 minutes after the last one it ends.
    with freeze_time(start + datetime.timedelta(minutes=29 + 31)):
        response = post_login(url, "mrossi", RIGHT, HERE)
    assert response.status_code == 302
    assert signed_in_as(response, user)


def test_a_forged_forwarded_header_does_not_escape_the_lock(user, settings):
    settings.TRUSTED_PROXY_COUNT = 0
    url = reverse("workspace:login")
    codes = [
        post_login(url, "mrossi", WRONG, HERE, HTTP_X_FORWARDED_FOR=f"192.0.2.{n}").status_code
        for n in range(LIMIT)
    ]
    assert codes[-1] == 429
    response = post_login(url, "mrossi", RIGHT, HERE, HTTP_X_FORWARDED_FOR="192.0.2.200")
    assert response.status_code == 429


def test_behind_a_trusted_proxy_the_forwarded_client_is_the_address(user, settings):
    # One proxy at 10.0.0.1 in front of the app: clients are told apart by what it saw.
    settings.TRUSTED_PROXY_COUNT = 1
    url = reverse("workspace:login")
    fail(url, "mrossi", LIMIT, address="10.0.0.1", HTTP_X_FORWARDED_FOR=HERE)
    locked = post_login(url, "mrossi", RIGHT, "10.0.0.1", HTTP_X_FORWARDED_FOR=HERE)
    assert locked.status_code == 429
    other = post_login(url, "mrossi", RIGHT, "10.0.0.1", HTTP_X_FORWARDED_FOR=ELSEWHERE)
    assert other.status_code == 302


def test_the_admin_login_is_locked_likewise(staff):
    url = reverse("admin:login")
    assert fail(url, "admin.bianchi", LIMIT) == [200] * (LIMIT - 1) + [429]
    refused = post_login(url, "admin.bianchi", RIGHT, HERE)
    assert refused.status_code == 429
    assert not signed_in_as(refused, staff)
    # From elsewhere the password step succeeds (the second factor comes next).
    elsewhere = post_login(url, "admin.bianchi", RIGHT, ELSEWHERE)
    assert elsewhere.status_code == 302
    assert signed_in_as(elsewhere, staff)


def test_a_lockout_at_the_workspace_holds_at_the_admin(staff):
    # One count per username and address, whichever door the guesses came through.
    fail(reverse("workspace:login"), "admin.bianchi", LIMIT)
    refused = post_login(reverse("admin:login"), "admin.bianchi", RIGHT, HERE)
    assert refused.status_code == 429


def test_re_authentication_counts_and_locks_like_a_login(user):
    client = Client(REMOTE_ADDR=HERE)
    verified_login(client, user)
    url = reverse("security:reauth")
    codes = [client.post(url, {"password": WRONG}).status_code for _ in range(LIMIT)]
    assert codes == [200] * (LIMIT - 1) + [429]
    # The right password no longer helps from this address.
    assert client.post(url, {"password": RIGHT}).status_code == 429
    # Nor does the login page with the same username and address.
    assert post_login(reverse("workspace:login"), "mrossi", RIGHT, HERE).status_code == 429
