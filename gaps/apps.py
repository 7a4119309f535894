from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GapsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "gaps"
    verbose_name = _("Coverage gaps")

    def ready(self) -> None:
        # Edits to what coverage is computed from schedule a recomputation.
        from gaps import triggers

        triggers.connect()
