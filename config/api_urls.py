"""The REST API for partner systems, ``/api/v1/`` (issue 3)."""

from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView
from rest_framework.permissions import AllowAny
from rest_framework.routers import APIRootView, DefaultRouter

from registry.api import MetropolitanCityViewSet, MunicipalityViewSet, ZoneViewSet
from services.api import (
    OrganisationViewSet,
    ServiceCategoryViewSet,
    ServiceViewSet,
    SiteViewSet,
)


class PublicAPIRootView(APIRootView):
    """The list of endpoints is as public as the directory it leads to."""

    permission_classes = (AllowAny,)


class Router(DefaultRouter):
    APIRootView = PublicAPIRootView


router = Router()
router.register("organisations", OrganisationViewSet, basename="organisation")
router.register("services", ServiceViewSet, basename="service")
router.register("sites", SiteViewSet, basename="site")
router.register("service-categories", ServiceCategoryViewSet, basename="service-category")
router.register("municipalities", MunicipalityViewSet, basename="municipality")
router.register("zones", ZoneViewSet, basename="zone")
router.register("metropolitan-cities", MetropolitanCityViewSet, basename="metropolitan-city")

app_name = "api"
# The schema and its documentation are as public as the directory they describe.
urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(permission_classes=[AllowAny]), name="schema"),
    path(
        "docs/",
        SpectacularSwaggerView.as_view(url_name="api:schema", permission_classes=[AllowAny]),
        name="docs",
    ),
    path(
        "redoc/",
        SpectacularRedocView.as_view(url_name="api:schema", permission_classes=[AllowAny]),
        name="redoc",
    ),
    *router.urls,
]
