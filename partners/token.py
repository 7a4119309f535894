"""The OAuth2 token endpoint, with a lockout on failed client authentication.

django-oauth-toolkit checks the client's secret itself (no Django ``authenticate`` for
axes to watch), so this view counts ``invalid_client`` answers per (client_id, address) in
the shared cache (security/lockout.py). After ``TOKEN_FAILURE_LIMIT`` of them that pair
gets 429 with Retry-After, right secret or not, until the cool-off ends; a token issued
starts the count again. Another client id, or the same one from elsewhere, is unaffected.
"""

from __future__ import annotations

import base64
import binascii
import json
from urllib.parse import unquote_plus

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from oauth2_provider.views import TokenView

from core.client_ip import client_ip
from security.events import record_event
from security.lockout import token_failed, token_locked_for, token_succeeded


def claimed_client_id(request: HttpRequest) -> str:
    """The client id the caller claims: HTTP Basic (RFC 6749 2.3.1, form-encoded) or the
    request body. Whatever was sent, valid or not."""
    header = request.META.get("HTTP_AUTHORIZATION", "")
    scheme, _sep, value = header.partition(" ")
    if scheme.lower() == "basic" and value:
        try:
            decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            decoded = ""
        if ":" in decoded:
            return unquote_plus(decoded.split(":", 1)[0])
    return str(request.POST.get("client_id", "") or "")


def _error(response: HttpResponse) -> str:
    try:
        return str(json.loads(response.content or b"{}").get("error", ""))
    except (ValueError, AttributeError):
        return ""


def _locked(seconds: int) -> JsonResponse:
    response = JsonResponse(
        {
            "error": "too_many_requests",
            "error_description": _(
                "Too many failed attempts for this client from this address. "
                "Try again after the time in Retry-After (seconds)."
            ),
        },
        status=429,
    )
    response["Retry-After"] = str(max(1, seconds))
    response["Cache-Control"] = "no-store"
    return response


class LockoutTokenView(TokenView):
    def post(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        client_id = claimed_client_id(request)
        address = client_ip(request)
        details = {"client_id": client_id[:100]}
        if wait := token_locked_for(client_id, address):
            record_event(request, "token_locked", username=client_id, details=details)
            return _locked(wait)
        response = super().post(request, *args, **kwargs)
        if response.status_code == 200:
            token_succeeded(client_id, address)
        elif _error(response) == "invalid_client":
            record_event(request, "token_failed", username=client_id, details=details)
            if token_failed(client_id, address):
                record_event(request, "token_locked", username=client_id, details=details)
                return _locked(token_locked_for(client_id, address))
        return response
