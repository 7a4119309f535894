from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PartnersConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "partners"
    verbose_name = _("Partner systems")

    def ready(self) -> None:
        # Registers the OpenAPI description of partner tokens with drf-spectacular.
        from partners import schema  # noqa: F401
