"""Writing the change audit: every domain action calls ``record`` once, inside its
transaction, so that a refused or rolled-back action leaves no row."""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.contenttypes.models import ContentType
from django.db import models

from core import channel
from core.models import AuditEntry


def record(
    *,
    acting_user,
    action: str,
    target: models.Model,
    fields: Iterable[str] = (),
    case_id=None,
    details: dict | None = None,
) -> AuditEntry:
    """One audit row for ``action`` on ``target``: field names only, never values."""
    actor = acting_user if getattr(acting_user, "is_authenticated", False) else None
    return AuditEntry.objects.create(
        actor=actor,
        action=action,
        target_type=ContentType.objects.get_for_model(type(target)),
        target_id=str(target.pk),
        target_version=getattr(target, "version", None),
        case_id=case_id,
        fields=sorted(set(fields)),
        details=details or {},
        via=channel.current(),
    )


def last_saved_by(target: models.Model):
    """Who saved the record's current version, when an action recorded it."""
    entry = (
        AuditEntry.objects.filter(
            target_type=ContentType.objects.get_for_model(type(target)),
            target_id=str(target.pk),
            target_version=getattr(target, "version", None),
        )
        .select_related("actor")
        .order_by("-at", "-pk")
        .first()
    )
    return entry.actor if entry else None
