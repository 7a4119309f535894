"""Read-only public API of the service directory: organisations, services, sites and the
service taxonomy (issue 3, first slice).

Only what the public may see is listed: active organisations, their services that are
active or temporarily closed, their active sites. The address, postal code and
coordinates of a confidential site — or of a site hosting a confidential service — reach
only the active members of the owning organisation, the rule the back office applies
(``services.admin.ConfidentialAddressMixin``); everyone else gets ``null`` and the public
contact point.
"""

from __future__ import annotations

import django_filters
from django.db.models import Exists, OuterRef, Prefetch, Q
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from config.api import NameFilterSet, PublicDirectoryViewSet
from services.confidentiality import hosts_confidential_service, member_organisation_ids
from services.models import (
    Language,
    Organisation,
    Service,
    ServiceAtSite,
    ServiceCategory,
    ServiceStatus,
    Site,
)

LISTED_SERVICE_STATUSES = (ServiceStatus.ACTIVE, ServiceStatus.TEMPORARILY_CLOSED)
ADDRESS_FIELDS = ("address", "postal_code", "latitude", "longitude")


def listed_services():
    return Service.objects.filter(status__in=LISTED_SERVICE_STATUSES, organisation__active=True)


def listed_sites():
    return Site.objects.filter(active=True, organisation__active=True)


def category_branch_q(code: str, prefix: str = "") -> Q:
    """The category with this code and every category under it (``housing`` takes in
    ``housing.housing-first``, not ``housing-other``)."""
    return Q(**{f"{prefix}code": code}) | Q(**{f"{prefix}code__startswith": f"{code}."})


# --- Serializers -------------------------------------------------------------------------


class ServiceCategorySerializer(serializers.ModelSerializer):
    parent = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)

    class Meta:
        model = ServiceCategory
        fields = ("id", "code", "parent", "name_it", "name_en", "description")


class OrganisationSerializer(serializers.ModelSerializer):
    municipality = serializers.SlugRelatedField(slug_field="istat_code", read_only=True)

    class Meta:
        model = Organisation
        fields = (
            "id",
            "name",
            "legal_form",
            "tax_code",
            "runts_number",
            "description",
            "email",
            "website",
            "phone",
            "municipality",
            "updated_at",
        )


class ServiceSerializer(serializers.ModelSerializer):
    organisation = serializers.PrimaryKeyRelatedField(read_only=True)
    categories = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)
    languages = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)
    sites = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = Service
        fields = (
            "id",
            "organisation",
            "name",
            "alternate_name",
            "description",
            "categories",
            "status",
            "eligibility_description",
            "minimum_age",
            "maximum_age",
            "languages",
            "free_of_charge",
            "fees_description",
            "funding_programme",
            "funding_description",
            "application_process",
            "email",
            "url",
            "confidential",
            "public_contact",
            "sites",
            "updated_at",
        )


class SiteSerializer(serializers.ModelSerializer):
    """``confidential`` is true for a site flagged so or hosting a confidential service;
    then the address fields are null for anyone outside the owning organisation."""

    organisation = serializers.PrimaryKeyRelatedField(read_only=True)
    municipality = serializers.SlugRelatedField(slug_field="istat_code", read_only=True)
    address = serializers.CharField(read_only=True, allow_null=True)
    postal_code = serializers.CharField(read_only=True, allow_null=True)
    latitude = serializers.FloatField(read_only=True, allow_null=True)
    longitude = serializers.FloatField(read_only=True, allow_null=True)
    confidential = serializers.SerializerMethodField()
    services = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = Site
        fields = (
            "id",
            "organisation",
            "name",
            "address",
            "postal_code",
            "municipality",
            "latitude",
            "longitude",
            "barrier_free",
            "confidential",
            "public_contact",
            "services",
            "updated_at",
        )

    def get_confidential(self, site) -> bool:
        return bool(site.confidential or site.hosts_confidential_service)

    def to_representation(self, site):
        data = super().to_representation(site)
        members_of = self.context.get("member_organisations", frozenset())
        if data["confidential"] and site.organisation_id not in members_of:
            for field in ADDRESS_FIELDS:
                data[field] = None
        return data


# --- Filters -----------------------------------------------------------------------------


class ModifiedAfterFilterSet(NameFilterSet):
    # Inclusive, so that a partner passing the last time it saw misses no row saved in
    # the same instant; it sees that row once more instead.
    modified_after = django_filters.IsoDateTimeFilter(
        field_name="updated_at", lookup_expr="gte", label=_("modified at or after")
    )


class OrganisationFilter(ModifiedAfterFilterSet):
    municipality = django_filters.CharFilter(
        field_name="municipality__istat_code", label=_("municipality (ISTAT code)")
    )
    metropolitan_city = django_filters.CharFilter(
        field_name="municipality__metropolitan_city__slug", label=_("metropolitan city (slug)")
    )
    zone = django_filters.NumberFilter(field_name="municipality__zones", label=_("zone (id)"))

    class Meta:
        model = Organisation
        fields = ("q", "municipality", "metropolitan_city", "zone", "modified_after")


class ServiceFilter(ModifiedAfterFilterSet):
    """Where a service is: where one of its active sites is."""

    category = django_filters.CharFilter(
        method="filter_category", label=_("category code, with its sub-categories")
    )
    municipality = django_filters.CharFilter(
        method="filter_at_sites", label=_("municipality (ISTAT code)")
    )
    metropolitan_city = django_filters.CharFilter(
        method="filter_at_sites", label=_("metropolitan city (slug)")
    )
    zone = django_filters.NumberFilter(method="filter_at_sites", label=_("zone (id)"))
    language = django_filters.CharFilter(field_name="languages__code", label=_("language code"))
    status = django_filters.ChoiceFilter(choices=ServiceStatus.choices)

    site_lookups = {
        "municipality": "site__municipality__istat_code",
        "metropolitan_city": "site__municipality__metropolitan_city__slug",
        "zone": "site__municipality__zones",
    }

    class Meta:
        model = Service
        fields = (
            "q",
            "category",
            "municipality",
            "metropolitan_city",
            "zone",
            "language",
            "status",
            "modified_after",
        )

    def filter_category(self, queryset, name, value):
        in_branch = Service.categories.through.objects.filter(
            category_branch_q(value, prefix="servicecategory__"), service=OuterRef("pk")
        )
        return queryset.filter(Exists(in_branch))

    def filter_at_sites(self, queryset, name, value):
        offerings = ServiceAtSite.objects.filter(
            service=OuterRef("pk"),
            site__active=True,
            **{self.site_lookups[name]: value},
        )
        return queryset.filter(Exists(offerings))


class SiteFilter(ModifiedAfterFilterSet):
    """A site is in a category or speaks a language through the listed services it hosts."""

    category = django_filters.CharFilter(
        method="filter_category", label=_("category code, with its sub-categories")
    )
    municipality = django_filters.CharFilter(
        field_name="municipality__istat_code", label=_("municipality (ISTAT code)")
    )
    metropolitan_city = django_filters.CharFilter(
        field_name="municipality__metropolitan_city__slug", label=_("metropolitan city (slug)")
    )
    zone = django_filters.NumberFilter(field_name="municipality__zones", label=_("zone (id)"))
    language = django_filters.CharFilter(method="filter_language", label=_("language code"))
    barrier_free = django_filters.BooleanFilter()

    class Meta:
        model = Site
        fields = (
            "q",
            "category",
            "municipality",
            "metropolitan_city",
            "zone",
            "language",
            "barrier_free",
            "modified_after",
        )

    def _hosting(self, queryset, services):
        offerings = ServiceAtSite.objects.filter(
            site=OuterRef("pk"), service__in=services.values("pk")
        )
        return queryset.filter(Exists(offerings))

    def filter_category(self, queryset, name, value):
        branch = ServiceCategory.objects.filter(category_branch_q(value))
        return self._hosting(queryset, listed_services().filter(categories__in=branch))

    def filter_language(self, queryset, name, value):
        return self._hosting(queryset, listed_services().filter(languages__code=value))


class ServiceCategoryFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="filter_q", label=_("name (Italian or English)"))

    class Meta:
        model = ServiceCategory
        fields = ("q",)

    def filter_q(self, queryset, name, value):
        return queryset.filter(Q(name_it__icontains=value) | Q(name_en__icontains=value))


# --- Views -------------------------------------------------------------------------------


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


class ServiceViewSet(PublicDirectoryViewSet):
    queryset = listed_services().prefetch_related(
        Prefetch("categories", queryset=ServiceCategory.objects.only("id", "code")),
        Prefetch("languages", queryset=Language.objects.only("id", "code")),
        Prefetch("sites", queryset=listed_sites().only("id").order_by("id")),
    )
    serializer_class = ServiceSerializer
    filterset_class = ServiceFilter
    ordering_fields = ("name", "updated_at")


class SiteViewSet(PublicDirectoryViewSet):
    queryset = (
        listed_sites()
        .select_related("municipality")
        .defer("municipality__boundary")
        .annotate(hosts_confidential_service=hosts_confidential_service())
        .prefetch_related(
            Prefetch("services", queryset=listed_services().only("id").order_by("id"))
        )
    )
    serializer_class = SiteSerializer
    filterset_class = SiteFilter
    ordering_fields = ("name", "updated_at")

    def get_serializer_context(self):
        context = super().get_serializer_context()
        # One query per request, not per row; none for anonymous callers.
        context["member_organisations"] = member_organisation_ids(self.request)
        return context
