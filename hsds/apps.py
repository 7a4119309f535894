from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HsdsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "hsds"
    verbose_name = _("HSDS publication")
