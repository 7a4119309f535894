"""Rate limits per client: an OAuth2 application, a signed-in user, or an anonymous
address; the limits per minute come from ``settings.API_RATE_LIMITS`` at each request.

An anonymous caller is its address as ``core.client_ip`` sees it, not DRF's
``get_ident``: that one reads X-Forwarded-For whatever the proxies, so a caller who
sent a new header with each request was a new caller each time."""

from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle

from core.client_ip import client_ip


class ClientRateThrottle(SimpleRateThrottle):
    scope = "client"

    def __init__(self):
        # The rate is chosen per request, once the caller is known.
        self.rate = None

    def kind_and_ident(self, request) -> tuple[str, str]:
        application_id = getattr(request.auth, "application_id", None)
        if application_id is not None:
            return "partner", str(application_id)
        if request.user and request.user.is_authenticated:
            return "user", str(request.user.pk)
        return "anonymous", client_ip(request) or "unknown"

    def allow_request(self, request, view) -> bool:
        kind, ident = self.kind_and_ident(request)
        self.rate = f"{settings.API_RATE_LIMITS[kind]}/min"
        self.num_requests, self.duration = self.parse_rate(self.rate)
        self._key = f"throttle:{kind}:{ident}"
        return super().allow_request(request, view)

    def get_cache_key(self, request, view) -> str:
        return self._key
