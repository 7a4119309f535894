"""The client's address, as far as this installation can know it.

Behind ``TRUSTED_PROXY_COUNT`` reverse proxies (each appending the address it saw to
``X-Forwarded-For``), the client is the entry that many places from the right: entries
further left were written by the caller and can be anything. With no trusted proxy the
header is ignored and the address is the connection's peer. One function, used by the
access log, the login lockout and the API's rate limits, so that a forged header moves
none of them.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def _valid(address: str) -> str | None:
    try:
        return str(ipaddress.ip_address(address.strip()))
    except ValueError:
        return None


def client_ip(request: HttpRequest) -> str | None:
    """The client's address: the peer, or the one the outermost trusted proxy saw."""
    peer = _valid(request.META.get("REMOTE_ADDR", "") or "")
    hops = int(getattr(settings, "TRUSTED_PROXY_COUNT", 0) or 0)
    if hops <= 0:
        return peer
    forwarded = [
        part for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()
    ]
    if len(forwarded) < hops:
        # Fewer entries than proxies: the request did not come through all of them.
        return peer
    return _valid(forwarded[-hops]) or peer
