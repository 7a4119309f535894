"""The second factor: the code step after the password, enrolment, recovery codes."""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django_otp import login as otp_login

from security.events import record_event
from security.mfa.devices import (
    has_any_device,
    has_device,
    mfa_required,
    pending_totp_device,
    recovery_device,
    regenerate_recovery_codes,
)
from security.mfa.forms import CodeForm, EnrolForm
from security.mfa.qr import qr_data_uri, readable_secret
from security.mfa.verification import check_code, normalise
from security.reauth import mark_recent, reauth_required


def safe_next(request: HttpRequest, default: str | None = None) -> str:
    """The ``next`` parameter if it points into this site, else ``default`` (the home)."""
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return resolve_url(default or settings.LOGIN_REDIRECT_URL)


@never_cache
@sensitive_post_parameters("otp_token")
@login_required
def verify(request: HttpRequest) -> HttpResponse:
    """The code step of the login."""
    user = request.user
    if user.is_verified():
        return redirect(safe_next(request))
    if not has_any_device(user):
        if mfa_required(user):
            return redirect(_with_next("security:mfa-enrol", request))
        return redirect(safe_next(request))
    form = CodeForm(request.POST or None, user=user)
    if request.method == "POST":
        if form.is_valid():
            outcome = form.outcome
            otp_login(request, outcome.device)
            mark_recent(request)
            if outcome.recovery:
                record_event(request, "recovery_code_used", user=user)
                left = outcome.device.token_set.count()
                _recovery_message(request, left)
            record_event(request, "mfa_verified", user=user, details={"recovery": outcome.recovery})
            return redirect(safe_next(request))
        record_event(request, "mfa_failed", user=user, details={"step": "login"})
    return render(request, "security/mfa_verify.html", {"form": form, "next": safe_next(request)})


def _recovery_message(request: HttpRequest, left: int) -> None:
    messages.warning(
        request,
        _(
            "You signed in with a recovery code; it cannot be used again. "
            "%(left)d recovery codes are left."
        )
        % {"left": left},
    )


def _with_next(name: str, request: HttpRequest) -> str:
    return f"{reverse(name)}?{urlencode({'next': safe_next(request)})}"


@never_cache
@sensitive_post_parameters("otp_token")
@login_required
def enrol(request: HttpRequest) -> HttpResponse:
    """Add an authenticator app: scan the QR code (or type the secret), confirm with a
    code, then see the recovery codes once."""
    user = request.user
    if has_device(user):
        # One authenticator per person: a lost phone is replaced by the administrators
        # (who delete the device), never by whoever holds the session.
        return redirect(safe_next(request))
    device = pending_totp_device(user)
    form = EnrolForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        code = normalise(form.cleaned_data["otp_token"])
        outcome = check_code(device, code)
        if outcome.ok:
            device = outcome.device
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            codes = regenerate_recovery_codes(user)
            otp_login(request, device)
            mark_recent(request)
            record_event(request, "mfa_enrolled", user=user)
            return render(
                request,
                "security/mfa_recovery_codes.html",
                {"codes": codes, "next": safe_next(request), "enrolled": True},
            )
        form.add_error("otp_token", outcome.error)
        record_event(request, "mfa_failed", user=user, details={"step": "enrol"})
    return render(
        request,
        "security/mfa_enrol.html",
        {
            "form": form,
            "qr": qr_data_uri(device.config_url),
            "secret": readable_secret(device.bin_key),
            "required": mfa_required(user),
            "next": safe_next(request),
        },
    )


@never_cache
@login_required
def recovery_codes(request: HttpRequest) -> HttpResponse:
    """How many recovery codes are left, and a button to make a new set."""
    if not has_device(request.user):
        return redirect(_with_next("security:mfa-enrol", request))
    device = recovery_device(request.user)
    left = device.token_set.count() if device else 0
    return render(request, "security/mfa_recovery_status.html", {"left": left})


@never_cache
@login_required
@reauth_required
def recovery_codes_regenerate(request: HttpRequest) -> HttpResponse:
    """A new set of codes (the old ones stop working), shown once. Behind re-authentication:
    whoever holds a session left open must not be able to mint codes for themselves."""
    if not has_device(request.user):
        return redirect(_with_next("security:mfa-enrol", request))
    if request.method != "POST":
        return redirect("security:mfa-recovery-codes")
    codes = regenerate_recovery_codes(request.user)
    record_event(request, "mfa_enrolled", user=request.user, details={"recovery_codes": "new"})
    return render(
        request,
        "security/mfa_recovery_codes.html",
        {"codes": codes, "next": resolve_url(settings.LOGIN_REDIRECT_URL), "enrolled": False},
    )
