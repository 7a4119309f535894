"""Sign-ins, failed sign-ins, sign-outs and lockouts become security events.

Django sends the first three for every door that uses ``authenticate``/``login`` (the
workspace, the admin, re-authentication); django-axes sends ``user_locked_out``. The
failed-login signal carries the credentials with the password already masked by Django;
only the username is kept.
"""

from __future__ import annotations

from axes.signals import user_locked_out
from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.http import HttpRequest

from security.events import record_event


def _path(request: HttpRequest | None) -> dict:
    return {"path": request.path} if request is not None else {}


def _account(username: str):
    """The account the typed username names, if any (to list its failures with it)."""
    if not username:
        return None
    model = get_user_model()
    return model._default_manager.filter(**{model.USERNAME_FIELD: username}).first()


def on_logged_in(sender, request=None, user=None, **kwargs) -> None:
    record_event(request, "login_ok", user=user, details=_path(request))


def on_login_failed(sender, credentials=None, request=None, **kwargs) -> None:
    username = str((credentials or {}).get(get_user_model().USERNAME_FIELD, "") or "")
    record_event(
        request,
        "login_failed",
        user=_account(username),
        username=username,
        details=_path(request),
    )


def on_logged_out(sender, request=None, user=None, **kwargs) -> None:
    record_event(request, "logout", user=user, details=_path(request))


def on_locked_out(sender, request=None, username=None, ip_address=None, **kwargs) -> None:
    username = str(username or "")
    record_event(
        request,
        "login_locked",
        user=_account(username),
        username=username,
        details=_path(request),
    )


def connect() -> None:
    user_logged_in.connect(on_logged_in, dispatch_uid="security.login_ok")
    user_login_failed.connect(on_login_failed, dispatch_uid="security.login_failed")
    user_logged_out.connect(on_logged_out, dispatch_uid="security.logout")
    user_locked_out.connect(on_locked_out, dispatch_uid="security.login_locked")
