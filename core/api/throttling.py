"""Rate limits per client: an OAuth2 application, a signed-in user, or an anonymous
address; the limits per minute come from ``settings.API_RATE_LIMITS`` at each request."""

from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle


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
        return "anonymous", self.get_ident(request)

    def allow_request(self, request, view) -> bool:
        kind, ident = self.kind_and_ident(request)
        self.rate = f"{settings.API_RATE_LIMITS[kind]}/min"
        self.num_requests, self.duration = self.parse_rate(self.rate)
        self._key = f"throttle:{kind}:{ident}"
        return super().allow_request(request, view)

    def get_cache_key(self, request, view) -> str:
        return self._key
