"""Security events: who tried to sign in, from where, and what became of it.

One append-only table (registro degli eventi di sicurezza), separate from the change
audit: it records attempts and refusals that change no domain data. A row names the
kind of event, the account (when one is known), the username as typed (never a
password), the client's address and user agent, and non-personal details. The database
refuses UPDATE and DELETE (two pgtrigger triggers on PostgreSQL) except for the two
things the law and Django need: unlinking an account that is deleted (the username stays)
and deleting rows older than the minimum retention of 24 months.
"""

from __future__ import annotations

import pgtrigger
from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

# Rows younger than this may never be deleted: the database enforces it. The purge job
# reads SECURITY_EVENT_RETENTION_DAYS, which may be longer but not shorter (the trigger
# refuses a younger row whatever the setting says). A constant, not the setting, because
# the trigger's SQL lives in a migration.
MIN_RETENTION_DAYS = 730

USERNAME_MAX = 150
USER_AGENT_MAX = 300


class EventKind(models.TextChoices):
    LOGIN_OK = "login_ok", _("signed in")
    LOGIN_FAILED = "login_failed", _("sign-in failed")
    LOGIN_LOCKED = "login_locked", _("sign-in locked out")
    LOGOUT = "logout", _("signed out")
    PASSWORD_RESET_REQUESTED = "password_reset_requested", _("password reset requested")
    PASSWORD_CHANGED = "password_changed", _("password changed")
    TOKEN_FAILED = "token_failed", _("API token refused")
    TOKEN_LOCKED = "token_locked", _("API token locked out")
    MFA_ENROLLED = "mfa_enrolled", _("second factor enrolled")
    MFA_VERIFIED = "mfa_verified", _("second factor verified")
    MFA_FAILED = "mfa_failed", _("second factor failed")
    MFA_RESET = "mfa_reset", _("second factor reset")
    RECOVERY_CODE_USED = "recovery_code_used", _("recovery code used")
    REAUTH_OK = "reauth_ok", _("re-authenticated")
    REAUTH_FAILED = "reauth_failed", _("re-authentication failed")
    CF_LOOKUP = "cf_lookup", _("tax-code lookup")
    ACCESS_REPORT = "access_report", _("access report viewed")


class SecurityEvent(models.Model):
    """One sign-in, refusal, lockout or sensitive look-up, as the server saw it."""

    kind = models.CharField(_("kind"), max_length=32, choices=EventKind.choices)
    at = models.DateTimeField(_("at"), auto_now_add=True, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("account"),
    )
    # As typed at the sign-in form or token endpoint, truncated; may name no account.
    username = models.CharField(_("username"), max_length=USERNAME_MAX, blank=True)
    address = models.GenericIPAddressField(_("address"), null=True, blank=True)
    user_agent = models.CharField(_("user agent"), max_length=USER_AGENT_MAX, blank=True)
    # Non-personal facts only: a path, a reason code, a client id, a count.
    details = models.JSONField(_("details"), default=dict, blank=True)

    class Meta:
        verbose_name = _("security event")
        verbose_name_plural = _("security events")
        ordering = ["-at", "-pk"]
        indexes = [
            models.Index(fields=["kind", "-at"], name="secevent_kind"),
            models.Index(fields=["user", "-at"], name="secevent_user"),
            models.Index(fields=["username", "-at"], name="secevent_username"),
        ]
        triggers = [
            # Only Django's SET_NULL when an account is deleted may touch a row.
            pgtrigger.Protect(
                name="security_event_no_update",
                operation=pgtrigger.Update,
                condition=pgtrigger.Condition(
                    "NOT (OLD.user_id IS NOT NULL AND NEW.user_id IS NULL"
                    " AND (OLD.id, OLD.kind, OLD.at, OLD.username, OLD.address,"
                    " OLD.user_agent, OLD.details)"
                    " IS NOT DISTINCT FROM (NEW.id, NEW.kind, NEW.at, NEW.username,"
                    " NEW.address, NEW.user_agent, NEW.details))"
                ),
            ),
            # Kept at least 24 months; older rows may be purged.
            pgtrigger.Protect(
                name="security_event_retention",
                operation=pgtrigger.Delete,
                condition=pgtrigger.Condition(
                    f"OLD.at > now() - interval '{MIN_RETENTION_DAYS} days'"
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.username or '-'} {self.at:%Y-%m-%d %H:%M}"
