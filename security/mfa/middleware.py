"""The second-factor gate: a signed-in user who has a device, or whose role requires one,
reaches nothing but the sign-in pages until the session is verified by a code.

Placed right after django_otp's OTPMiddleware (which tells whether the session is
verified). One gate for every door that uses the session: the workspace, the admin and
the API; partner systems calling the API with an OAuth2 bearer token are not sessions and
pass (DRF authenticates the token and refuses a bad one, never falling back to a session).
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.urls import Resolver404, resolve, reverse
from django.utils.translation import gettext as _

from security.mfa.devices import has_any_device, mfa_required

# The pages a half-signed-in user needs: to finish signing in, or to leave.
EXEMPT_URL_NAMES = frozenset(
    {
        "workspace:login",
        "workspace:logout",
        "admin:logout",
        "security:mfa-verify",
        "security:mfa-enrol",
        "security:reauth",
        "set_language",
    }
)
# Password reset (security/views/password.py): names starting with this (not a
# password change: that needs a verified session).
EXEMPT_NAME_PREFIX = "security:password-reset"


def _is_exempt(request: HttpRequest) -> bool:
    path = request.path_info
    static_url = settings.STATIC_URL or "/static/"
    if path.startswith(static_url if static_url.startswith("/") else "/" + static_url):
        return True
    if path.startswith("/api/") and request.headers.get("Authorization", "").lower().startswith(
        "bearer "
    ):
        return True
    try:
        match = resolve(path)
    except Resolver404:
        return False
    name = match.view_name
    return name in EXEMPT_URL_NAMES or name.startswith(EXEMPT_NAME_PREFIX)


def _is_htmx(request: HttpRequest) -> bool:
    # django-htmx's middleware runs after this one: read the header itself.
    return request.headers.get("HX-Request") == "true"


def _return_path(request: HttpRequest) -> str:
    """Where to come back after the code: for an htmx swap, the page it was made from."""
    if _is_htmx(request):
        current = urlsplit(request.headers.get("HX-Current-URL", ""))
        if current.path:
            return current.path + (f"?{current.query}" if current.query else "")
    return request.get_full_path()


class MFARequiredMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        refusal = self._gate(request)
        return refusal if refusal is not None else self.get_response(request)

    def _gate(self, request: HttpRequest) -> HttpResponse | None:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or user.is_verified():
            return None
        if _is_exempt(request):
            return None
        if has_any_device(user):
            target = "security:mfa-verify"
            message = _("Enter the code of your second factor to continue.")
        elif mfa_required(user):
            target = "security:mfa-enrol"
            message = _("Set up your second factor (an authenticator app) to continue.")
        else:
            return None  # e.g. an official who has chosen not to enrol
        url = f"{reverse(target)}?{urlencode({'next': _return_path(request)})}"
        if request.path_info.startswith("/api/") or _is_htmx(request):
            response = JsonResponse({"detail": message}, status=403)
            if _is_htmx(request):
                response["HX-Redirect"] = url
            return response
        return HttpResponseRedirect(url)
