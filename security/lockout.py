"""Lockout after repeated failures, keyed on who was claimed and from where.

* Logins (workspace, admin, re-authentication) go through django-axes: the settings are in
  config/settings.py; ``lockout_response`` is the page a locked-out pair gets.
* The OAuth2 token endpoint has no Django ``authenticate`` call for axes to watch, so
  failed client authentication is counted here, per (client_id, address), in the shared
  cache (Redis): every worker process sees the same count.
"""

from __future__ import annotations

import hashlib
import math
import time

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from core.counters import count_in_window


def cooloff_seconds() -> int:
    return int(getattr(settings, "LOGIN_COOLOFF_MINUTES", 30)) * 60


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials=None
) -> HttpResponse:
    """The page for a username and address that failed too often (AXES_LOCKOUT_CALLABLE):
    429 with Retry-After. Each refused attempt restarts the cool-off (axes'
    AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT), so the wait is the whole cool-off."""
    seconds = cooloff_seconds()
    response = render(
        request,
        "security/lockout.html",
        {"minutes": max(1, math.ceil(seconds / 60))},
        status=429,
    )
    response["Retry-After"] = str(seconds)
    return response


# --- The token endpoint -----------------------------------------------------------------


def _key(kind: str, client_id: str, address: str | None) -> str:
    # Hashed: a client id is whatever the caller sent, of any length and alphabet.
    digest = hashlib.sha256(f"{client_id}\x00{address or ''}".encode()).hexdigest()
    return f"security:token:{kind}:{digest}"


def token_failure_limit() -> int:
    return int(getattr(settings, "TOKEN_FAILURE_LIMIT", 30))


def token_cooloff_seconds() -> int:
    return int(getattr(settings, "TOKEN_COOLOFF_SECONDS", cooloff_seconds()))


def token_locked_for(client_id: str, address: str | None) -> int:
    """Seconds left on the lock of this client id and address, 0 when not locked."""
    until = cache.get(_key("lock", client_id, address))
    if until is None:
        return 0
    return max(0, math.ceil(until - time.time()))


def token_failed(client_id: str, address: str | None) -> bool:
    """Count one failed client authentication; True when this failure locks the pair.
    Failures are forgotten a cool-off after the last one."""
    window = token_cooloff_seconds()
    key = _key("fail", client_id, address)
    failures = count_in_window(key, window)
    cache.touch(key, timeout=window)
    if failures < token_failure_limit():
        return False
    cache.set(_key("lock", client_id, address), time.time() + window, timeout=window)
    cache.delete(key)
    return True


def token_succeeded(client_id: str, address: str | None) -> None:
    """A token was issued: the count starts again."""
    cache.delete(_key("fail", client_id, address))
