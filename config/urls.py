"""Root URL configuration."""

from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

from core.csp_report import csp_report

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", include("config.api_urls")),
    path("api/hsds/", include("hsds.urls")),
    # Where browsers report what the Content-Security-Policy refused (its report-uri).
    path("csp-report/", csp_report, name="csp-report"),
    path("", RedirectView.as_view(pattern_name="workspace:home", permanent=False)),
]
urlpatterns += i18n_patterns(
    path("admin/", admin.site.urls),
    path("workspace/", include("workspace.urls")),
    path("account/", include("security.urls")),
    prefix_default_language=False,
)

handler404 = "core.error_pages.not_found"
