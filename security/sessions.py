"""How long a signed-in session lasts, and what of its answers may be kept in a cache.

**Idle timeout and absolute limit.** A workspace session on a shared office PC or a
street-unit tablet must not stay open for the next person: a session not used for
``SESSION_IDLE_TIMEOUT`` seconds (30 minutes) is ended at its next request, and so is
one older than ``SESSION_ABSOLUTE_LIMIT`` seconds (8 hours, a working day) counted from
the login, however active. The times live in the session (server side): the login's, and
the last request's, refreshed at most once a minute so that a busy user's requests do
not each write the session (the idle time is therefore exact to within that minute).

An ended session is logged out; a page request goes to the login page of its area (the
workspace's or the admin's) with a message saying why, an htmx request is told to go
there (``HX-Redirect``), and an API request goes on as an anonymous one, answered as DRF
answers anybody without credentials (401/403, or the public directory).

**No-store.** Every answer to a caller with credentials (a signed-in session or an
OAuth2 bearer token), and every answer of the API's personal-record endpoints, carries
``Cache-Control: no-store`` (Django's never-cache set) and ``Pragma: no-cache``: pages
and records about people must not stay in a shared device's cache (the back button after
logging out) or in any proxy. The public directory answered to anonymous callers, and
static files (served before any middleware), stay cacheable.

The middleware comes after the authentication, second-factor and messages middlewares
(config/settings.py), so that it knows the user and can leave a message.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib import auth, messages
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import resolve_url
from django.urls import Resolver404, resolve, reverse
from django.utils.cache import add_never_cache_headers
from django.utils.translation import ngettext

# Seconds since the epoch: when the user signed in, and when the session was last used.
LOGIN_AT = "security_login_at"
SEEN_AT = "security_seen_at"
DEFAULT_IDLE_TIMEOUT = 30 * 60
DEFAULT_ABSOLUTE_LIMIT = 8 * 60 * 60
# The last-use time is written again only when it is older than this.
SEEN_REFRESH_SECONDS = 60
# API endpoints of records about people: never cached, whoever asks.
PERSONAL_API_PREFIXES = (
    "/api/v1/beneficiaries/",
    "/api/v1/cases/",
    "/api/v1/referrals/",
    "/api/v1/placements/",
)


def idle_timeout() -> int:
    return int(getattr(settings, "SESSION_IDLE_TIMEOUT", DEFAULT_IDLE_TIMEOUT))


def absolute_limit() -> int:
    return int(getattr(settings, "SESSION_ABSOLUTE_LIMIT", DEFAULT_ABSOLUTE_LIMIT))


def start(session, now: float) -> None:
    """Start counting a signed-in session's idle and absolute time from ``now``."""
    session[LOGIN_AT] = now
    session[SEEN_AT] = now


def expiry_reason(session, now: float) -> str | None:
    """Why a signed-in session has ended, or ``None`` while it lasts."""
    login_at, seen_at = session.get(LOGIN_AT), session.get(SEEN_AT)
    if not isinstance(login_at, int | float) or not isinstance(seen_at, int | float):
        return None  # not stamped yet: started now (see the middleware's answer phase)
    idle = idle_timeout()
    if now - seen_at > idle:
        minutes = max(1, round(idle / 60))
        return ngettext(
            "Your session expired after %(minutes)d minute of inactivity. Please log in again.",
            "Your session expired after %(minutes)d minutes of inactivity. Please log in again.",
            minutes,
        ) % {"minutes": minutes}
    limit = absolute_limit()
    if now - login_at > limit:
        if limit % 3600 == 0:
            hours = limit // 3600
            return ngettext(
                "Your session reached its limit of %(hours)d hour. Please log in again.",
                "Your session reached its limit of %(hours)d hours. Please log in again.",
                hours,
            ) % {"hours": hours}
        minutes = max(1, round(limit / 60))
        return ngettext(
            "Your session reached its limit of %(minutes)d minute. Please log in again.",
            "Your session reached its limit of %(minutes)d minutes. Please log in again.",
            minutes,
        ) % {"minutes": minutes}
    return None


def _signed_in_session(request: HttpRequest) -> bool:
    session = getattr(request, "session", None)
    if session is None:
        return False
    if session.session_key is None and not session.modified:
        # No session cookie and nothing written yet: not signed in, and the (empty)
        # session is left unread, so that an anonymous answer does not vary by cookie.
        return False
    return auth.SESSION_KEY in session


def _is_api(request: HttpRequest) -> bool:
    return request.path_info.startswith("/api/")


def _is_htmx(request: HttpRequest) -> bool:
    # django-htmx's middleware runs after this one: read the header itself.
    return request.headers.get("HX-Request") == "true"


def _login_url(request: HttpRequest) -> str:
    """The login page of the area the request was for: the admin's, or the workspace's."""
    try:
        namespace = resolve(request.path_info).namespace
    except Resolver404:
        namespace = ""
    if namespace == "admin":
        return reverse("admin:login")
    return resolve_url(settings.LOGIN_URL)


def _end(request: HttpRequest, reason: str) -> HttpResponse | None:
    """Log the session out; answer with the way to the login page, or ``None`` to let an
    API request go on as an anonymous one."""
    auth.logout(request)
    # Like django-otp's middleware, so that code asking whether the (now anonymous) user
    # passed the second factor gets "no" rather than an AttributeError.
    request.user.otp_device = None
    request.user.is_verified = lambda: False
    if _is_api(request):
        return None
    messages.warning(request, reason)
    login_url = _login_url(request)
    if _is_htmx(request):
        response = JsonResponse({"detail": reason}, status=401)
        response["HX-Redirect"] = login_url
        return response
    return redirect_to_login(request.get_full_path(), login_url)


def may_carry_personal_data(request: HttpRequest) -> bool:
    """Whether an answer to ``request`` may hold personal data (and so must not be cached):
    the caller had credentials, or asked an API endpoint of records about people."""
    if request.path_info.startswith(PERSONAL_API_PREFIXES):
        return True
    # A bearer token (the only credential besides the session) travels in this header.
    if request.headers.get("Authorization"):
        return True
    return _signed_in_session(request)


def forbid_caching(response: HttpResponse) -> None:
    add_never_cache_headers(response)
    response["Pragma"] = "no-cache"


class SessionLimitsMiddleware:
    """Ends idle and too-old sessions; marks answers that may hold personal data no-store."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        signed_in_before = _signed_in_session(request)
        response = None
        if signed_in_before:
            response = self._check(request)
        if response is None:
            response = self.get_response(request)
        self._stamp_new_login(request, signed_in_before)
        if signed_in_before or may_carry_personal_data(request):
            forbid_caching(response)
        return response

    def _check(self, request: HttpRequest) -> HttpResponse | None:
        session = request.session
        now = time.time()
        reason = expiry_reason(session, now)
        if reason is not None:
            return _end(request, reason)
        seen_at = session.get(SEEN_AT)
        if isinstance(seen_at, int | float) and now - seen_at >= SEEN_REFRESH_SECONDS:
            session[SEEN_AT] = now
        return None

    @staticmethod
    def _stamp_new_login(request: HttpRequest, signed_in_before: bool) -> None:
        """Start the clocks at a login (the session signed in during this request), or at
        the first request of a signed-in session that was never stamped (one signed in
        before this middleware was installed)."""
        if not _signed_in_session(request):
            return
        session = request.session
        if not signed_in_before or LOGIN_AT not in session or SEEN_AT not in session:
            start(session, time.time())
