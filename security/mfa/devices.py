"""Who must have a second factor, and the devices that provide it.

django-otp holds the devices: a TOTP device (an authenticator app) and a static device
whose tokens are the one-time recovery codes. A session is "verified" when django-otp's
session key names one of the user's confirmed devices (django_otp.login).
"""

from __future__ import annotations

from django.conf import settings
from django_otp import user_has_device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from services.memberships import scope_of

RECOVERY_CODE_COUNT = 10
TOTP_DEVICE_NAME = "authenticator"
RECOVERY_DEVICE_NAME = "recovery codes"


def mfa_required(user) -> bool:
    """Whether the user may not work without a second factor: superusers, every active
    member in a role of ``MFA_REQUIRED_ROLES`` (personal data, administration), and staff
    without any membership (operators' accounts). Officials see aggregates only: their
    back-office staff flag alone does not force them, though they may enrol."""
    if not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    roles = set(scope_of(user).roles)
    if roles & set(settings.MFA_REQUIRED_ROLES):
        return True
    return bool(user.is_staff and not roles)


def second_factor_satisfied(user) -> bool:
    """The session may open pages: verified by a code, or the user has no device and
    needs none. What the gate (middleware) and the admin's ``has_permission`` check."""
    if not user.is_authenticated:
        return False
    # ``is_verified`` is installed by django_otp's OTPMiddleware; without it, not verified.
    is_verified = getattr(user, "is_verified", None)
    if is_verified is not None and is_verified():
        return True
    return not has_any_device(user) and not mfa_required(user)


def has_device(user) -> bool:
    """A confirmed authenticator (recovery codes alone do not count as enrolment)."""
    return TOTPDevice.objects.devices_for_user(user, confirmed=True).exists()


def has_any_device(user) -> bool:
    return user.is_authenticated and user_has_device(user, confirmed=True)


def totp_device(user) -> TOTPDevice | None:
    return TOTPDevice.objects.devices_for_user(user, confirmed=True).order_by("pk").first()


def pending_totp_device(user) -> TOTPDevice:
    """The unconfirmed device being enrolled: the same secret until it is confirmed, so
    that reloading the page does not invalidate the QR code already scanned."""
    device = TOTPDevice.objects.devices_for_user(user, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=TOTP_DEVICE_NAME, confirmed=False)
    return device


def recovery_device(user) -> StaticDevice | None:
    return StaticDevice.objects.devices_for_user(user, confirmed=True).order_by("pk").first()


def regenerate_recovery_codes(user) -> list[str]:
    """A fresh set of recovery codes; the old ones stop working. Returned once, in clear:
    only the device's table keeps them afterwards, for verification."""
    device = recovery_device(user)
    if device is None:
        device = StaticDevice.objects.create(user=user, name=RECOVERY_DEVICE_NAME, confirmed=True)
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes
