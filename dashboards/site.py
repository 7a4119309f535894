"""The admin site of Atlante: its home page is the officials' dashboard.

Officials (their metropolitan cities) and administrators (every city) land on the
dashboard; the drill-down pages, exports and map data live under ``/admin/dashboard/``.
Everyone else sees the usual admin index.
"""

from django.contrib import admin
from django.urls import path
from django.utils.translation import gettext_lazy as _

from dashboards.scope import dashboard_scope
from security.mfa.devices import second_factor_satisfied


class AtlanteAdminSite(admin.AdminSite):
    site_header = _("Atlante – back office")
    site_title = _("Atlante")
    index_title = _("Territory, services, people and housing")

    def has_permission(self, request):
        # Never on a password alone: the session must have passed the second factor
        # (security/mfa/; the gate middleware sends such a user to the code step first).
        return super().has_permission(request) and second_factor_satisfied(request.user)

    def index(self, request, extra_context=None):
        if not dashboard_scope(request.user).empty:
            from dashboards.views.pages import dashboard

            return dashboard(request, site=self)
        return super().index(request, extra_context)

    def get_urls(self):
        from dashboards.views import exports, map_data, pages

        view = self.admin_view
        urls = [
            path("dashboard/", view(pages.dashboard_view), name="dashboard"),
            path("dashboard/<slug:city>/", view(pages.city_view), name="dashboard-city"),
            path(
                "dashboard/<slug:city>/zone/<str:zone>/",
                view(pages.zone_view),
                name="dashboard-zone",
            ),
            path(
                "dashboard/<slug:city>/municipality/<str:istat>/",
                view(pages.municipality_view),
                name="dashboard-municipality",
            ),
            path(
                "dashboard/<slug:city>/category/<str:category>/",
                view(pages.category_view),
                name="dashboard-category",
            ),
            path(
                "dashboard/<slug:city>/export/<slug:table>.<str:fmt>",
                view(exports.export_view),
                name="dashboard-export",
            ),
            path(
                "dashboard/<slug:city>/map.geojson",
                view(map_data.map_view),
                name="dashboard-map",
            ),
        ]
        return urls + super().get_urls()
