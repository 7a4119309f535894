"""Signing in test clients past the second-factor gate, honestly: the session names a
confirmed TOTP device of the user, exactly as django_otp.login leaves it after a code."""

from __future__ import annotations

import time

from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from security.reauth import SESSION_KEY as REAUTH_SESSION_KEY
from security.sessions import start as start_session_clock


def confirmed_device(user) -> TOTPDevice:
    """The user's confirmed authenticator, made if they have none."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="authenticator", confirmed=True)
    return device


def current_code(device: TOTPDevice) -> str:
    """A code the device accepts now. A TOTP code is accepted only once (the device keeps
    the last time step used), so a second login within the same 30 s uses the next step,
    which the device's tolerance of one step accepts; past that, wait for the clock."""
    device.refresh_from_db()
    for _second in range(device.step + 5):
        totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
        now = totp.t()
        target = max(now, device.last_t + 1)
        if target <= now + device.tolerance:
            totp.drift += target - now
            return f"{totp.token():0{device.digits}d}"
        time.sleep(1)
    raise AssertionError("The clock does not move (frozen?): no unused code to give.")


def verified_login(client, user) -> None:
    """force_login, then mark the session as verified by the user's confirmed device."""
    client.force_login(user)
    device = confirmed_device(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    # Stamped as a login's session is (security/sessions.py), so that the first request
    # does not write the session and query counts stay those of a working session.
    start_session_clock(session, time.time())
    session.save()


def mark_reauthenticated(client) -> None:
    """What the re-authentication page leaves in the session after a right password (and
    code): for tests of a sensitive step that are not about re-authentication itself."""
    session = client.session
    session[REAUTH_SESSION_KEY] = time.time()
    session.save()
