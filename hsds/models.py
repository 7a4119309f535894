"""Where imported HSDS records landed, so that importing the same file again updates."""

from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _


class ImportedRecord(models.Model):
    """One HSDS record of one source directory and the Atlante row it became."""

    source = models.CharField(_("source"), max_length=100)
    hsds_id = models.CharField(_("HSDS id"), max_length=200)
    content_type = models.ForeignKey(
        ContentType, on_delete=models.CASCADE, verbose_name=_("content type")
    )
    object_id = models.PositiveBigIntegerField(_("object id"))
    record = GenericForeignKey("content_type", "object_id")
    imported_at = models.DateTimeField(_("imported at"), auto_now=True)

    class Meta:
        verbose_name = _("imported HSDS record")
        verbose_name_plural = _("imported HSDS records")
        constraints = [
            models.UniqueConstraint(
                fields=["source", "hsds_id", "content_type"],
                name="hsds_imported_record_unique",
                violation_error_code="hsds_imported_record_unique",
                violation_error_message=_("This source record is already imported."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.source}:{self.hsds_id}"
