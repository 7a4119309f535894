"""Re-authentication before sensitive steps (unprotecting a case, changing who may do
what, exporting an access report): the user proves their password, and their second
factor if they have one, again; the proof holds for ``REAUTH_MAX_AGE`` seconds.

The time of the last proof lives in the session (server side), never in a cookie the
browser could forge. It is set by the re-authentication page and by the second-factor
step of the login, both of which have just checked the user's credentials.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import wraps
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.urls import reverse
from django.utils.translation import gettext as _

# Seconds since the epoch of the last successful proof of the user's credentials.
SESSION_KEY = "security_reauth_at"
DEFAULT_MAX_AGE = 300


def max_age() -> int:
    return int(getattr(settings, "REAUTH_MAX_AGE", DEFAULT_MAX_AGE))


def mark_recent(request: HttpRequest) -> None:
    """Record that the user has just proved their credentials (called only after the
    password, and the code when they have a device, were checked)."""
    request.session[SESSION_KEY] = time.time()


def is_recent(request: HttpRequest) -> bool:
    """Whether the signed-in user proved their credentials within ``REAUTH_MAX_AGE``."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return False
    proved_at = request.session.get(SESSION_KEY)
    if not isinstance(proved_at, int | float):
        return False
    elapsed = time.time() - proved_at
    return 0 <= elapsed <= max_age()


def _wants_fragment_or_json(request: HttpRequest) -> bool:
    """htmx swaps and API clients cannot follow a redirect to a form page."""
    if request.headers.get("HX-Request") == "true":
        return True
    accept = request.headers.get("Accept", "")
    return (
        request.content_type == "application/json"
        or ("application/json" in accept and "text/html" not in accept)
        or request.path.startswith("/api/")
    )


def reauth_url(next_path: str) -> str:
    return f"{reverse('security:reauth')}?{urlencode({'next': next_path})}"


def require_recent_auth(request: HttpRequest) -> HttpResponse | None:
    """The answer to send when the user must re-authenticate first, or None when their
    last proof is recent. For class-based views and the admin: ``if (r := ...): return r``.

    A POST is not kept: after re-authenticating the user comes back to the page (the
    current path) and submits again, so nothing is changed without a fresh proof."""
    if is_recent(request):
        return None
    message = _(
        "This step needs you to confirm your identity again: "
        "re-enter your password (and your code) on the confirmation page, then try again."
    )
    if _wants_fragment_or_json(request):
        response = JsonResponse(
            {"detail": message, "reauth_url": reauth_url(request.get_full_path())}, status=403
        )
        # htmx: send the whole page to the confirmation form instead of swapping an error.
        if request.headers.get("HX-Request") == "true":
            current = urlsplit(request.headers.get("HX-Current-URL", ""))
            back = current.path + (f"?{current.query}" if current.query else "")
            response["HX-Redirect"] = reauth_url(back or request.get_full_path())
        return response
    return HttpResponseRedirect(reauth_url(request.get_full_path()))


def reauth_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Decorator for function views: the view runs only after a recent re-authentication."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        refusal = require_recent_auth(request)
        if refusal is not None:
            return refusal
        return view(request, *args, **kwargs)

    return wrapped
