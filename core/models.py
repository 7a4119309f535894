"""The change audit: one row per domain action, in one table for every door.

A row names who acted, the action, the record (by model and id, never by a person's
name), the names of the fields it changed (never their values) and the channel
(workspace, admin, api, job, command). Personal values stay in their encrypted columns;
the audit says that something changed, not what it changed to.
"""

from __future__ import annotations

from auditlog.models import LogEntry
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.append_only import append_only_triggers
from core.channel import CHANNELS


class AuditEntry(models.Model):
    """Who did which action to which record, which fields it changed, and through which
    door (registro delle modifiche)."""

    at = models.DateTimeField(_("at"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("actor"),
    )
    action = models.CharField(_("action"), max_length=60)
    target_type = models.ForeignKey(
        ContentType, on_delete=models.PROTECT, related_name="+", verbose_name=_("record type")
    )
    target_id = models.CharField(_("record id"), max_length=64)
    # The version the action left the record at (None for records without one).
    target_version = models.PositiveIntegerField(_("version"), null=True, blank=True)
    # The case the record belongs to, so that a case's history is one indexed read.
    case_id = models.UUIDField(_("case"), null=True, blank=True)
    fields = models.JSONField(_("fields changed"), default=list, blank=True)
    # Non-personal facts about the change: a status moved from/to, a purpose.
    details = models.JSONField(_("details"), default=dict, blank=True)
    via = models.CharField(
        _("via"), max_length=10, choices=[(name, name) for name in CHANNELS], default="job"
    )

    class Meta:
        verbose_name = _("change-audit entry")
        verbose_name_plural = _("change audit")
        ordering = ["-at", "-pk"]
        indexes = [
            models.Index(fields=["target_type", "target_id", "-at"], name="audit_target"),
            models.Index(fields=["case_id", "-at"], name="audit_case"),
            models.Index(fields=["actor", "-at"], name="audit_actor"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(via__in=CHANNELS),
                name="audit_via_known",
                violation_error_code="audit_via_known",
                violation_error_message=_("Unknown channel."),
            ),
        ]
        # Append-only (core/append_only.py): the actor is PROTECTed, so no UPDATE at all.
        triggers = append_only_triggers("audit_entry", timestamp_column="at")

    def __str__(self) -> str:
        return f"{self.action} {self.target_type_id}:{self.target_id}"


def _only_actor_unlinked() -> str:
    """An UPDATE that only sets the actor to NULL, as Django's SET_NULL does when an
    account is deleted (the row keeps the reader's e-mail, ``actor_email``); nothing
    else may change."""
    others = [
        f'"{field.column}"' for field in LogEntry._meta.concrete_fields if field.name != "actor"
    ]
    old = ", ".join(f"OLD.{column}" for column in others)
    new = ", ".join(f"NEW.{column}" for column in others)
    return (
        "OLD.actor_id IS NOT NULL AND NEW.actor_id IS NULL"
        f" AND ({old}) IS NOT DISTINCT FROM ({new})"
    )


class AccessLogEntry(LogEntry):
    """django-auditlog's log entry, seen from here only to hold the triggers that make its
    table append-only (pgtrigger's way for a third-party model: a proxy with the
    triggers, whose migration is ours). Every row of the table is protected: the access
    log (action ACCESS, core.access_log) and any change rows auditlog may write."""

    class Meta:
        proxy = True
        verbose_name = _("access-log entry")
        verbose_name_plural = _("access log")
        triggers = append_only_triggers(
            "access_log", timestamp_column="timestamp", allow_update=_only_actor_unlinked()
        )
