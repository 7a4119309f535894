"""Re-authentication: the password (and the code) again, before a sensitive step."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django_otp import login as otp_login

from security.events import record_event
from security.mfa.devices import has_any_device
from security.mfa.forms import ReauthForm
from security.reauth import mark_recent, max_age
from security.views.mfa import safe_next


@never_cache
@sensitive_post_parameters("password", "otp_token")
@login_required
def reauth(request: HttpRequest) -> HttpResponse:
    needs_code = has_any_device(request.user)
    form = ReauthForm(request.POST or None, request=request, needs_code=needs_code)
    if request.method == "POST":
        if form.is_valid():
            if form.outcome is not None:
                otp_login(request, form.outcome.device)
                if form.outcome.recovery:
                    record_event(request, "recovery_code_used", user=request.user)
            mark_recent(request)
            record_event(request, "reauth_ok", user=request.user)
            return redirect(safe_next(request))
        record_event(
            request,
            "reauth_failed",
            user=request.user,
            details={"fields": sorted(form.errors)},
        )
    return render(
        request,
        "security/reauth.html",
        {
            "form": form,
            "next": safe_next(request),
            "needs_code": needs_code,
            "minutes": max(1, max_age() // 60),
        },
    )
