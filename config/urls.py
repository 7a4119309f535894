"""Root URL configuration."""

from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", include("config.api_urls")),
    path("api/hsds/", include("hsds.urls")),
    path("", RedirectView.as_view(pattern_name="workspace:home", permanent=False)),
]
urlpatterns += i18n_patterns(
    path("admin/", admin.site.urls),
    path("workspace/", include("workspace.urls")),
    path("account/", include("security.urls")),
    prefix_default_language=False,
)

handler404 = "core.error_pages.not_found"
