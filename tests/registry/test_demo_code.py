"""`manage.py demo_code`: the demo's authenticator code, and never outside the demo."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django_otp.oath import TOTP

from security.mfa.devices import pending_totp_device
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _code(username: str) -> str:
    out = StringIO()
    call_command("demo_code", username, stdout=out)
    return out.getvalue().strip()


def test_it_prints_the_code_of_the_authenticator_being_set_up(settings):
    settings.DEBUG = True
    user = UserFactory(username="demo-social-worker")
    device = pending_totp_device(user)
    expected = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift).token()
    printed = _code("demo-social-worker")
    assert printed == f"{expected:06d}"
    # The code it prints is the one the enrolment page accepts.
    assert device.verify_token(printed)


def test_it_refuses_with_debug_off(settings):
    settings.DEBUG = False
    UserFactory(username="demo-social-worker")
    with pytest.raises(CommandError, match="only with DEBUG on"):
        _code("demo-social-worker")


def test_it_knows_only_the_demo_logins(settings):
    settings.DEBUG = True
    UserFactory(username="someone")
    with pytest.raises(CommandError):
        _code("someone")


def test_a_login_without_an_authenticator_is_told_what_to_do(settings):
    settings.DEBUG = True
    UserFactory(username="demo-official")
    with pytest.raises(CommandError, match="sign in once"):
        _code("demo-official")
