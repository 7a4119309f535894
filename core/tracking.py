"""Abstract bases shared by the apps' models."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Tracked(models.Model):
    """Creation and modification times, plus a version for optimistic concurrency.

    ``updated_at`` is indexed because partner systems sync with ``modified_after``;
    ``version`` grows by one on every update so that a stale write can be refused.
    """

    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True, db_index=True)
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)

    class Meta:
        abstract = True

    def save(self, *args, **kwargs) -> None:
        if not self._state.adding:
            self.version += 1
            if kwargs.get("update_fields") is not None:
                kwargs["update_fields"] = {*kwargs["update_fields"], "version", "updated_at"}
        super().save(*args, **kwargs)
