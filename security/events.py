"""Writing a security event: one function, so every door records the same facts."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone

from core.client_ip import client_ip
from security.models import MIN_RETENTION_DAYS, USER_AGENT_MAX, USERNAME_MAX, SecurityEvent


def record_event(
    request: HttpRequest | None,
    kind: str,
    *,
    user=None,
    username: str = "",
    details: dict[str, Any] | None = None,
) -> SecurityEvent:
    """Append one security event. ``username`` is what was typed (never a password);
    ``details`` holds non-personal facts only. The address is ``client_ip`` (a forged
    X-Forwarded-For moves nothing unless trusted proxies are configured)."""
    if user is not None and not getattr(user, "is_authenticated", False):
        user = None
    if not username and user is not None:
        username = user.get_username()
    address = None
    agent = ""
    if request is not None:
        address = client_ip(request)
        agent = request.META.get("HTTP_USER_AGENT", "") or ""
    return SecurityEvent.objects.create(
        kind=kind,
        user=user,
        username=str(username or "")[:USERNAME_MAX],
        address=address,
        user_agent=agent[:USER_AGENT_MAX],
        details=details or {},
    )


def purge_old_events(now: datetime | None = None) -> int:
    """Delete the events older than SECURITY_EVENT_RETENTION_DAYS (never fewer than the
    24 months the database itself enforces); returns how many went. For a periodic job."""
    days = max(int(settings.SECURITY_EVENT_RETENTION_DAYS), MIN_RETENTION_DAYS)
    # A minute's margin: the database compares with its own clock.
    cutoff = (now or timezone.now()) - timedelta(days=days, minutes=1)
    deleted, _ = SecurityEvent.objects.filter(at__lt=cutoff).delete()
    return deleted
