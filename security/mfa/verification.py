"""Checking a code typed by the user: the authenticator's six digits or a recovery code.

django-otp throttles both devices (each wrong code doubles the wait before the next
attempt: 1, 2, 4 … s; OTP_TOTP_THROTTLE_FACTOR / OTP_STATIC_THROTTLE_FACTOR), and a
TOTP code is accepted once only. A refusal says which of these happened.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.formats import time_format
from django.utils.translation import gettext as _
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

TOTP_PATTERN = re.compile(r"^\d{6}$")


@dataclass(frozen=True)
class Outcome:
    device: Device | None
    error: str = ""
    recovery: bool = False

    @property
    def ok(self) -> bool:
        return self.device is not None


def normalise(code: str) -> str:
    """People type codes with spaces or dashes, and recovery codes in capitals."""
    return re.sub(r"[\s-]", "", code or "").lower()


def _throttled_message(device: Device) -> str | None:
    allowed, data = device.verify_is_allowed()
    if allowed:
        return None
    until = (data or {}).get("locked_until")
    if until is None:
        return _("Too many wrong codes. Wait a moment, then try again.")
    return _("Too many wrong codes. Wait until %(time)s, then try again.") % {
        "time": time_format(timezone.localtime(until), "H:i:s")
    }


def check_code(device: Device, code: str) -> Outcome:
    """Verify ``code`` on one device (locked for the check, as django_otp.verify_token
    does, so that two parallel attempts cannot both use the same code or skip a delay)."""
    with transaction.atomic():
        device = type(device).objects.select_for_update().get(pk=device.pk)
        refusal = _throttled_message(device)
        if refusal:
            return Outcome(None, refusal)
        if device.verify_token(code):
            return Outcome(device, recovery=isinstance(device, StaticDevice))
    if isinstance(device, StaticDevice):
        return Outcome(None, _("This recovery code is wrong or has already been used."))
    return Outcome(
        None,
        _(
            "The code is wrong or has expired. Enter the 6 digits your authenticator app "
            "shows now (each code works once)."
        ),
    )


def verify_user_code(user, code: str) -> Outcome:
    """Six digits go to the user's authenticator; anything else to their recovery codes."""
    code = normalise(code)
    if not code:
        return Outcome(None, _("Enter the code from your authenticator app."))
    if TOTP_PATTERN.match(code):
        device = TOTPDevice.objects.devices_for_user(user, confirmed=True).order_by("pk").first()
    else:
        device = StaticDevice.objects.devices_for_user(user, confirmed=True).order_by("pk").first()
    if device is None:
        if TOTP_PATTERN.match(code):
            return Outcome(None, _("You have no authenticator app enrolled."))
        return Outcome(
            None,
            _(
                "The code must be the 6 digits of your authenticator app, "
                "or one of your recovery codes."
            ),
        )
    return check_code(device, code)
