"""Password reset by email: the answer never says whether an address has an account,
the link works once and for PASSWORD_RESET_TIMEOUT, the form is throttled per address,
and the new password meets the rules."""

import datetime
import re

import pytest
from axes.models import AccessAttempt
from django.core import mail
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from freezegun import freeze_time

from security.models import SecurityEvent
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

HERE = "203.0.113.10"
NEW = "a brand new passphrase 2026"
RESET = "/account/password/reset/"


@pytest.fixture(autouse=True)
def empty_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def user():
    return UserFactory(username="mrossi", email="m.rossi@comune.example.it", password="old pw 1")


def ask(email, address=HERE):
    return Client(REMOTE_ADDR=address).post(RESET, {"email": email}, follow=True)


def link_in(message) -> str:
    return re.search(r"https?://[^/\s]+(/\S+)", message.body).group(1)


def without_csrf(response) -> str:
    """The page with its per-client CSRF tokens blanked: all else must be identical."""
    page = response.content.decode()
    page = re.sub(r'("X-CSRFToken": ")[^"]+', r"\1", page)
    return re.sub(r'(name="csrfmiddlewaretoken" value=")[^"]+', r"\1", page)


def test_the_login_page_links_to_the_reset_form():
    page = Client().get(reverse("workspace:login")).content.decode()
    assert f'href="{RESET}"' in page
    assert "Forgot your password?" in page


def test_the_answer_is_the_same_whether_or_not_the_address_has_an_account(user):
    known = ask("m.rossi@comune.example.it")
    unknown = ask("nobody@example.org", address="198.51.100.20")
    assert known.status_code == unknown.status_code == 200
    assert known.redirect_chain == unknown.redirect_chain == [(RESET + "sent/", 302)]
    assert without_csrf(known) == without_csrf(unknown)
    # Only the known address gets an email, with a link to its own account.
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["m.rossi@comune.example.it"]
    assert "mrossi" in message.body
    assert "within 60 minutes" in message.body
    assert link_in(message).startswith(RESET)
    # Both requests are security events; the unknown address typed is not kept.
    events = SecurityEvent.objects.filter(kind="password_reset_requested").order_by("pk")
    assert [(e.user, e.details) for e in events] == [
        (user, {"accounts": 1}),
        (None, {"accounts": 0}),
    ]
    assert "nobody@example.org" not in str(list(events.values()))


def test_the_address_is_matched_without_regard_to_case(user):
    ask("M.Rossi@Comune.Example.IT")
    assert [m.to for m in mail.outbox] == [["m.rossi@comune.example.it"]]


def test_an_invalid_address_gets_a_precise_message_and_keeps_what_was_typed():
    response = Client().post(RESET, {"email": "not-an-address"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "Enter a valid email address." in page
    assert 'value="not-an-address"' in page


def test_the_link_sets_a_new_password_once(user):
    ask(user.email)
    client = Client(REMOTE_ADDR=HERE)
    form_page = client.get(link_in(mail.outbox[0]), follow=True)
    assert form_page.status_code == 200
    assert form_page.context["validlink"]
    set_url = form_page.redirect_chain[-1][0]

    # The rules apply, with a precise message, and nothing is changed.
    short = client.post(set_url, {"new_password1": "short1", "new_password2": "short1"})
    assert "This password is too short. It must contain at least 12 characters." in (
        short.content.decode()
    )
    user.refresh_from_db()
    assert user.check_password("old pw 1")

    done = client.post(set_url, {"new_password1": NEW, "new_password2": NEW}, follow=True)
    assert done.redirect_chain == [(RESET + "complete/", 302)]
    user.refresh_from_db()
    assert user.check_password(NEW)
    # The link does not sign anyone in: the login, with its second factor, comes next.
    assert "_auth_user_id" not in client.session
    changed = SecurityEvent.objects.get(kind="password_changed")
    assert (changed.user, changed.address, changed.details) == (user, HERE, {"via": "reset"})
    # The owner is told, with a way to act if it was not them.
    notice = mail.outbox[1]
    assert notice.to == ["m.rossi@comune.example.it"]
    assert notice.subject == "Atlante: your password was changed"
    assert "http://testserver/account/password/reset/" in notice.body
    assert NEW not in notice.body
    # Used once: the same link is no longer valid.
    again = Client().get(link_in(mail.outbox[0]), follow=True)
    assert not again.context["validlink"]
    assert "This link is not valid" in again.content.decode()


def test_the_link_expires(user, settings):
    assert settings.PASSWORD_RESET_TIMEOUT == 3600
    start = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC)
    with freeze_time(start):
        ask(user.email)
    with freeze_time(start + datetime.timedelta(minutes=59)):
        assert Client().get(link_in(mail.outbox[0]), follow=True).context["validlink"]
    with freeze_time(start + datetime.timedelta(minutes=61)):
        expired = Client().get(link_in(mail.outbox[0]), follow=True)
    assert not expired.context["validlink"]


def test_the_form_is_throttled_per_address(user, settings):
    assert settings.PASSWORD_RESET_RATE_LIMIT == 5
    client = Client(REMOTE_ADDR=HERE)
    codes = [client.post(RESET, {"email": user.email}).status_code for _ in range(6)]
    assert codes == [302] * 5 + [429]
    refused = client.post(RESET, {"email": user.email})
    assert refused.status_code == 429
    assert refused["Retry-After"] == "3600"
    assert "Too many password reset requests from your address." in refused.content.decode()
    assert len(mail.outbox) == 5
    # Another address is counted apart.
    assert (
        Client(REMOTE_ADDR="198.51.100.20").post(RESET, {"email": "x@example.org"}).status_code
        == 302
    )


def test_a_new_password_clears_the_lockouts_of_the_account(user, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        Client(REMOTE_ADDR=HERE).post(
            reverse("workspace:login"), {"username": "mrossi", "password": "wrong"}
        )
    assert AccessAttempt.objects.filter(username="mrossi").exists()
    ask(user.email)
    client = Client(REMOTE_ADDR=HERE)
    set_url = client.get(link_in(mail.outbox[0]), follow=True).redirect_chain[-1][0]
    client.post(set_url, {"new_password1": NEW, "new_password2": NEW})
    assert not AccessAttempt.objects.filter(username="mrossi").exists()
    signed_in = client.post(reverse("workspace:login"), {"username": "mrossi", "password": NEW})
    assert signed_in.status_code == 302


@pytest.mark.parametrize("path", [RESET, RESET + "sent/", RESET + "complete/"])
def test_the_pages_carry_no_inline_style_or_script(path):
    response = Client().get(path)
    assert response.status_code == 200
    page = response.content.decode()
    assert "style=" not in page and "<style" not in page and "<script>" not in page
