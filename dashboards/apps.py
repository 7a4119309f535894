from django.apps import AppConfig
from django.contrib.admin.apps import AdminConfig
from django.utils.translation import gettext_lazy as _


class DashboardsConfig(AppConfig):
    name = "dashboards"
    verbose_name = _("dashboards")


class AtlanteAdminConfig(AdminConfig):
    """The admin, with the officials' dashboard as its home page (dashboards/site.py)."""

    default_site = "dashboards.site.AtlanteAdminSite"
