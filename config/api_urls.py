"""The REST API for partner systems, ``/api/v1/`` (issue 3)."""

from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView
from oauth2_provider.views import RevokeTokenView, TokenView
from rest_framework.routers import APIRootView, DefaultRouter

from beneficiaries.api import BeneficiaryViewSet, CaseViewSet, ReferralViewSet
from core.api.permissions import DIRECTORY_READ, EndpointRule
from gaps.api import CoverageResultViewSet
from housing.api import HousingUnitViewSet, PlacementViewSet
from registry.api import MetropolitanCityViewSet, MunicipalityViewSet, ZoneViewSet
from services.api.views import (
    CapacityViewSet,
    OrganisationViewSet,
    ServiceCategoryViewSet,
    ServiceViewSet,
    SiteViewSet,
)


class PublicAPIRootView(APIRootView):
    """The list of endpoints is as public as the directory it leads to."""

    rules = {"get": DIRECTORY_READ}


class SchemaView(SpectacularAPIView):
    """The schema and its documentation are as public as the directory they describe
    (drf-spectacular would let anyone in, whatever the rule: the rule is applied)."""

    permission_classes = (EndpointRule,)
    rules = {"get": DIRECTORY_READ}


class SwaggerView(SpectacularSwaggerView):
    permission_classes = (EndpointRule,)
    rules = {"get": DIRECTORY_READ}


class RedocView(SpectacularRedocView):
    permission_classes = (EndpointRule,)
    rules = {"get": DIRECTORY_READ}


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
router.register("capacities", CapacityViewSet, basename="capacity")
router.register("housing-units", HousingUnitViewSet, basename="housing-unit")
router.register("beneficiaries", BeneficiaryViewSet, basename="beneficiary")
router.register("cases", CaseViewSet, basename="case")
router.register("referrals", ReferralViewSet, basename="referral")
router.register("placements", PlacementViewSet, basename="placement")
router.register("coverage-results", CoverageResultViewSet, basename="coverage-result")

app_name = "api"
urlpatterns = [
    # OAuth2 client credentials for partner systems (django-oauth-toolkit).
    path("oauth/token/", TokenView.as_view(), name="token"),
    path("oauth/revoke-token/", RevokeTokenView.as_view(), name="revoke-token"),
    path("schema/", SchemaView.as_view(), name="schema"),
    path("docs/", SwaggerView.as_view(url_name="api:schema"), name="docs"),
    path("redoc/", RedocView.as_view(url_name="api:schema"), name="redoc"),
    *router.urls,
]
