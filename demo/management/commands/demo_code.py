"""``manage.py demo_code USERNAME``: the current authenticator code of a demo login.

For trying the demo without an authenticator app: at the first sign-in the login asks to
set one up, and this prints the code that app would show (for the device being set up, or
the one already set up). It runs only with ``DEBUG`` on, as the demo itself, and only for
the demo logins: on a real installation the code lives on the person's phone alone.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from demo.users import DEMO_LOGINS


class Command(BaseCommand):
    help = "Print the current authenticator code of a demo login (DEBUG only)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("username", choices=[login.username for login in DEMO_LOGINS])

    def handle(self, *args, username: str, **options) -> None:
        if not settings.DEBUG:
            raise CommandError("demo_code runs only with DEBUG on: it is for the demo.")
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user {username}: run `manage.py seed_demo` first.")
        # The device set up last: the one being enrolled, else the confirmed one.
        device = TOTPDevice.objects.filter(user=user).order_by("confirmed", "-pk").first()
        if device is None:
            raise CommandError(
                f"{username} has no authenticator yet: sign in once, the page that sets it "
                "up creates it; then run this again."
            )
        totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
        self.stdout.write(f"{totp.token():0{device.digits}d}")
