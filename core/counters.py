"""Counting events in a time window, in the shared cache (Redis in production), so that
every web process counts the same caller together: login-adjacent throttles such as the
token lockout, the password-reset form and the codice fiscale checks."""

from __future__ import annotations

from django.core.cache import cache


def count_in_window(key: str, seconds: int) -> int:
    """Count one event under ``key`` and return how many the window holds now. The window
    starts at the first event (the key's expiry); counting does not extend it."""
    cache.add(key, 0, timeout=seconds)
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr: a new window
        cache.add(key, 1, timeout=seconds)
        return 1
