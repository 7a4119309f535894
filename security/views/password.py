"""Password reset by email (Django's views, with these additions).

* The "sent" page is the same whether or not the address belongs to an account: the
  form never says which addresses exist (Django's PasswordResetView already behaves so).
* Requests are counted per client address (``PASSWORD_RESET_RATE_LIMIT`` an hour, in the
  shared cache): above that the form answers 429 and sends nothing, which says nothing
  about accounts either.
* Each request and each new password is a security event; a new password also clears the
  login lockouts of the account (its owner has just proved control of the mailbox) and
  is told to the owner by email.
* The link never signs anyone in: the login, with its second factor, comes next.
"""

from __future__ import annotations

import hashlib

from axes.utils import reset as axes_reset
from django.conf import settings
from django.contrib.auth import views as auth_views
from django.core.mail import send_mail
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.urls import reverse, reverse_lazy
from django.utils.translation import gettext as _

from core.client_ip import client_ip
from core.counters import count_in_window
from security.events import record_event

RESET_WINDOW_SECONDS = 3600


def _rate_key(request: HttpRequest) -> str:
    address = client_ip(request) or "unknown"
    return "security:password-reset:" + hashlib.sha256(address.encode()).hexdigest()


def _over_limit(request: HttpRequest) -> bool:
    """Count this request; True when the address already made the allowed number."""
    count = count_in_window(_rate_key(request), RESET_WINDOW_SECONDS)
    return count > int(getattr(settings, "PASSWORD_RESET_RATE_LIMIT", 5))


class PasswordResetView(auth_views.PasswordResetView):
    template_name = "security/password_reset_form.html"
    email_template_name = "security/password_reset_email.txt"
    subject_template_name = "security/password_reset_subject.txt"
    success_url = reverse_lazy("security:password-reset-sent")

    @property
    def extra_email_context(self) -> dict:
        return {"minutes": max(1, settings.PASSWORD_RESET_TIMEOUT // 60)}

    def post(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if _over_limit(request):
            form = self.get_form()
            form.is_valid()  # keeps what was typed on the page
            form.add_error(
                None,
                _("Too many password reset requests from your address. Try again in an hour."),
            )
            response = self.render_to_response(self.get_context_data(form=form))
            response.status_code = 429
            response["Retry-After"] = str(RESET_WINDOW_SECONDS)
            return response
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        # Who would receive the link: the event names them (an account, not the address
        # typed, which may be anyone's); the page shown is the same either way.
        accounts = list(form.get_users(form.cleaned_data["email"]))
        response = super().form_valid(form)
        record_event(
            self.request,
            "password_reset_requested",
            user=accounts[0] if len(accounts) == 1 else None,
            details={"accounts": len(accounts)},
        )
        return response


class PasswordResetSentView(auth_views.PasswordResetDoneView):
    template_name = "security/password_reset_sent.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "security/password_reset_confirm.html"
    success_url = reverse_lazy("security:password-reset-complete")
    # Never signed in by the link: the login, with its second factor, comes next.
    post_reset_login = False

    def form_valid(self, form):
        response = super().form_valid(form)
        user = form.user
        record_event(self.request, "password_changed", user=user, details={"via": "reset"})
        _clear_lockouts(user)
        _tell_the_owner(self.request, user)
        return response


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "security/password_reset_complete.html"


def _tell_the_owner(request: HttpRequest, user) -> None:
    """Tell the account's owner that its password changed: if it was not them, they know
    to act (ASVS 6.3.7)."""
    email = getattr(user, "email", "")
    if not email:
        return
    context = {
        "user": user,
        "reset_url": request.build_absolute_uri(reverse("security:password-reset")),
    }
    send_mail(
        render_to_string("security/password_changed_subject.txt", context).strip(),
        render_to_string("security/password_changed_email.txt", context),
        None,
        [email],
    )


def _clear_lockouts(user) -> None:
    axes_reset(username=user.get_username())
