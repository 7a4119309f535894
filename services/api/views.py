"""Viewsets of the directory API."""

from __future__ import annotations

from django.db.models import F

from core.api.base import PublicDirectoryViewSet
from core.api.permissions import DIRECTORY_READ, Rule
from core.api.related import RelatedValues, RelatedValuesMixin
from core.api.writes import VersionedUpdateMixin
from services.api.filters import (
    DISTANCE_ANNOTATION,
    CapacityFilter,
    OrganisationFilter,
    ServiceCategoryFilter,
    ServiceFilter,
    SiteFilter,
)
from services.api.serializers import (
    OrganisationSerializer,
    ServiceCategorySerializer,
    ServiceSerializer,
    SiteSerializer,
)
from services.api_writes import CapacitySerializer, ServiceUpdateSerializer
from services.confidentiality import (
    hosts_confidential_service,
    member_organisation_ids,
)
from services.memberships import scope_of
from services.models import (
    Capacity,
    Organisation,
    Service,
    ServiceAtSite,
    ServiceCategory,
)
from services.selectors import (
    listed_services,
    listed_sites,
)


class ServiceCategoryViewSet(PublicDirectoryViewSet):
    queryset = ServiceCategory.objects.select_related("parent")
    serializer_class = ServiceCategorySerializer
    filterset_class = ServiceCategoryFilter
    ordering_fields = ("code",)


class OrganisationViewSet(PublicDirectoryViewSet):
    queryset = (
        Organisation.objects.filter(active=True)
        .select_related("municipality")
        .defer("municipality__boundary")
    )
    serializer_class = OrganisationSerializer
    filterset_class = OrganisationFilter
    ordering_fields = ("name", "updated_at")


SERVICE_RELATED_VALUES = (
    RelatedValues(
        "category_codes",
        lambda pks: (
            Service.categories.through.objects.filter(service_id__in=pks)
            .order_by("servicecategory__code")
            .values_list("service_id", "servicecategory__code")
        ),
    ),
    RelatedValues(
        "language_codes",
        lambda pks: (
            Service.languages.through.objects.filter(service_id__in=pks)
            .order_by("language__code")
            .values_list("service_id", "language__code")
        ),
    ),
    RelatedValues(
        "site_ids",
        lambda pks: (
            ServiceAtSite.objects.filter(service_id__in=pks, site__in=listed_sites().values("pk"))
            .order_by("site_id")
            .values_list("service_id", "site_id")
        ),
    ),
)
SITE_RELATED_VALUES = (
    RelatedValues(
        "service_ids",
        lambda pks: (
            ServiceAtSite.objects.filter(
                site_id__in=pks, service__in=listed_services().values("pk")
            )
            .order_by("service_id")
            .values_list("site_id", "service_id")
        ),
    ),
)


class ServiceViewSet(RelatedValuesMixin, VersionedUpdateMixin, PublicDirectoryViewSet):
    """Read by anyone; the service data of one's own organisation changed by its staff
    (``directory:write``)."""

    rules = {
        **PublicDirectoryViewSet.rules,
        "partial_update": Rule("directory:write", permission="services.change_service"),
    }
    queryset = listed_services()
    related_values = SERVICE_RELATED_VALUES
    serializer_class = ServiceSerializer
    filterset_class = ServiceFilter
    ordering_fields = ("name", "updated_at")
    nearness_annotation = DISTANCE_ANNOTATION

    def get_queryset(self):
        if self.action == "partial_update":
            # Any status, so that a closed service can be reopened by its own staff.
            own = scope_of(self.request.user).provider
            return Service.objects.filter(organisation__in=own)
        return super().get_queryset()

    def get_serializer_class(self):
        if self.action == "partial_update":
            return ServiceUpdateSerializer
        return ServiceSerializer


class SiteViewSet(RelatedValuesMixin, PublicDirectoryViewSet):
    queryset = listed_sites().annotate(
        hosts_confidential_service=hosts_confidential_service(),
        municipality_code=F("municipality__istat_code"),
    )
    related_values = SITE_RELATED_VALUES
    serializer_class = SiteSerializer
    filterset_class = SiteFilter
    ordering_fields = ("name", "updated_at")
    nearness_annotation = DISTANCE_ANNOTATION

    def get_serializer_context(self):
        context = super().get_serializer_context()
        # One query per request, not per row; none for anonymous callers.
        context["member_organisations"] = member_organisation_ids(self.request)
        return context


class CapacityViewSet(VersionedUpdateMixin, PublicDirectoryViewSet):
    """Free places of listed services at listed sites, public; changed by the staff of the
    organisation running the service (``capacity:write``)."""

    rules = {
        "list": DIRECTORY_READ,
        "retrieve": DIRECTORY_READ,
        "partial_update": Rule("capacity:write", permission="services.change_capacity"),
    }
    queryset = Capacity.objects.none()  # for the schema; requests use get_queryset
    serializer_class = CapacitySerializer
    filterset_class = CapacityFilter
    ordering_fields = ("updated_at",)

    def get_queryset(self):
        queryset = Capacity.objects.select_related("offering")
        if self.action == "partial_update":
            own = scope_of(self.request.user).provider
            return queryset.filter(offering__service__organisation__in=own)
        return queryset.filter(
            offering__service__in=listed_services().values("pk"),
            offering__site__in=listed_sites().values("pk"),
        )
