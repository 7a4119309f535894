"""The REST API for partner systems, ``/api/v1/`` (issue 3)."""

from csp.decorators import csp_replace, csp_update
from django.urls import path
from drf_spectacular.views import (
    SpectacularAPIView,
    SpectacularRedocView,
    SpectacularSwaggerSplitView,
)
from oauth2_provider.views import RevokeTokenView
from rest_framework.routers import APIRootView, DefaultRouter

from beneficiaries.api import BeneficiaryViewSet, CaseViewSet, ReferralViewSet
from core.api.permissions import DIRECTORY_READ, EndpointRule
from gaps.api import CoverageResultViewSet
from housing.api import HousingUnitViewSet, PlacementViewSet
from partners.token import LockoutTokenView
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


class SwaggerView(SpectacularSwaggerSplitView):
    """Swagger UI whose start-up script is a file of its own (``?script``), not inline: the
    Content-Security-Policy allows no inline script."""

    permission_classes = (EndpointRule,)
    rules = {"get": DIRECTORY_READ}


class RedocView(SpectacularRedocView):
    permission_classes = (EndpointRule,)
    rules = {"get": DIRECTORY_READ}


# What Redoc (the sidecar's redoc.standalone.js) needs beyond the site's policy, on its page
# alone: the <style> elements its bundle inserts — empty ones filled through the CSS object
# model (styled-components), and one fixed style sheet — allowed by their hashes, and its
# search index in a worker made from a blob. Its "API docs by Redocly" logo, fetched from
# the vendor's CDN, stays refused: nothing is loaded from outside this server. A new
# Redoc bundle with other styles shows up in tests/e2e/test_csp.py.
REDOC_STYLE_HASHES = [
    "'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='",  # an empty <style>
    "'sha256-QMIg+bpjm3JdElJ388KYke01izlUW0UoNOeKjpMxdgc='",
]


def redoc_view():
    view = RedocView.as_view(url_name="api:schema")
    view = csp_update({"style-src": REDOC_STYLE_HASHES})(view)
    return csp_replace({"worker-src": ["blob:"]})(view)


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
    path("oauth/token/", LockoutTokenView.as_view(), name="token"),
    path("oauth/revoke-token/", RevokeTokenView.as_view(), name="revoke-token"),
    path("schema/", SchemaView.as_view(), name="schema"),
    path("docs/", SwaggerView.as_view(url_name="api:schema"), name="docs"),
    path("redoc/", redoc_view(), name="redoc"),
    *router.urls,
]
