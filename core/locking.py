"""Optimistic concurrency with a row lock: the one check every versioned write makes."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext as _

from core.errors import STALE, ActionError


def locked(queryset: models.QuerySet, pk) -> models.Model:
    """The record under a row lock (``select_for_update`` of its own row only); the
    caller is inside the action's transaction."""
    return queryset.select_for_update(of=("self",)).get(pk=pk)


def check_version(instance: models.Model, expected: int | None) -> None:
    """Refuse a write made against another version than the stored one (``expected``
    None means the caller holds the lock already and read under it)."""
    if expected is not None and instance.version != expected:
        raise ActionError.on(
            "version",
            _(
                "Someone else changed this record since you read it (now version "
                "%(current)d, you sent %(sent)d): read it again."
            )
            % {"current": instance.version, "sent": expected},
            kind=STALE,
        )
