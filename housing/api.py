"""Housing stock and placements for partner systems and the browser.

Units are listed with their availability today; their address and coordinates reach only
the staff of the owning organisation (a flat's address is where someone lives), who change
a unit's status through ``housing/actions/units.py``. Placements are personal data and
start from the one scoping function; the API only reads them.
"""

from __future__ import annotations

import django_filters
from django.db.models import Case, Count, F, IntegerField, OuterRef, Q, Subquery, Value, When
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import mixins, serializers

from beneficiaries.api import PersonalDataViewSet, ScopedViewSet
from beneficiaries.visibility import scope_of
from core.api.base import (
    IdFilter,
)
from core.api.permissions import Rule
from core.api.writes import ActionUpdateMixin, StrictInputSerializer, VersionedUpdateMixin
from housing.actions.placements import PLACEABLE_STATUSES
from housing.actions.units import unit_update
from housing.models import HousingUnit, Placement, UnitStatus, UnitType
from services.api.filters import StrictBooleanFilter, SyncFilterSet
from services.confidentiality import ADDRESS_FIELDS, member_organisation_ids


def with_availability(queryset, today):
    """Annotate ``occupied_now`` (placements running today) and ``free_places`` (none
    unless the unit can take people: available or partly occupied)."""
    running = (
        Placement.objects.filter(unit=OuterRef("pk"), starts_on__lte=today)
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gt=today))
        .order_by()
        .values("unit")
        .annotate(n=Count("pk"))
        .values("n")
    )
    occupied = Coalesce(Subquery(running, output_field=IntegerField()), Value(0))
    return queryset.annotate(occupied_now=occupied).annotate(
        free_places=Case(
            When(
                status__in=PLACEABLE_STATUSES,
                then=Greatest("places", "occupied_now") - F("occupied_now"),
            ),
            default=Value(0),
            output_field=IntegerField(),
        )
    )


class HousingUnitSerializer(ActionUpdateMixin, StrictInputSerializer):
    municipality = serializers.SlugRelatedField(slug_field="istat_code", read_only=True)
    occupied_now = serializers.IntegerField(read_only=True)
    free_places = serializers.IntegerField(read_only=True)
    address = serializers.CharField(read_only=True, allow_null=True)
    postal_code = serializers.CharField(read_only=True, allow_null=True)
    latitude = serializers.FloatField(read_only=True, allow_null=True)
    longitude = serializers.FloatField(read_only=True, allow_null=True)
    status_since = serializers.DateField(
        required=False, help_text=_("when the status changed (today if left out)")
    )

    class Meta:
        model = HousingUnit
        fields = (
            "id",
            "code",
            "owner",
            "municipality",
            "address",
            "postal_code",
            "latitude",
            "longitude",
            "unit_type",
            "rooms",
            "places",
            "barrier_free",
            "confidential",
            "status",
            "status_since",
            "occupied_now",
            "free_places",
            "updated_at",
            "version",
        )
        read_only_fields = tuple(f for f in fields if f not in ("status", "status_since"))

    def to_representation(self, unit):
        data = super().to_representation(unit)
        if unit.owner_id not in self.context.get("member_organisations", frozenset()):
            for field in ADDRESS_FIELDS:
                data[field] = None
        return data

    def update(self, unit, validated_data):
        # The owner's staff change the status (the action dates it today unless told).
        saved = unit_update(unit=unit, **self.action_arguments(validated_data))
        # The answer shows availability as it is after the change.
        return with_availability(
            HousingUnit.objects.filter(pk=saved.pk), timezone.localdate()
        ).get()


class HousingUnitFilter(SyncFilterSet):
    municipality = django_filters.CharFilter(
        field_name="municipality__istat_code", label=_("municipality (ISTAT code)")
    )
    metropolitan_city = django_filters.CharFilter(
        field_name="municipality__metropolitan_city__slug", label=_("metropolitan city (slug)")
    )
    zone = IdFilter(field_name="municipality__zones", label=_("zone (id)"))
    owner = IdFilter(field_name="owner", label=_("owner organisation (id)"))
    unit_type = django_filters.ChoiceFilter(choices=UnitType.choices)
    status = django_filters.ChoiceFilter(choices=UnitStatus.choices)
    barrier_free = StrictBooleanFilter(label=_("barrier-free"))
    has_free_places = StrictBooleanFilter(method="filter_free", label=_("has free places today"))
    min_free_places = django_filters.NumberFilter(
        field_name="free_places", lookup_expr="gte", label=_("at least this many free places")
    )

    class Meta:
        model = HousingUnit
        fields = (
            "municipality",
            "metropolitan_city",
            "zone",
            "owner",
            "unit_type",
            "status",
            "barrier_free",
            "has_free_places",
            "min_free_places",
            "modified_after",
        )

    def filter_free(self, queryset, name, value):
        return queryset.filter(free_places__gt=0) if value else queryset.filter(free_places=0)


class HousingUnitViewSet(
    VersionedUpdateMixin,
    ScopedViewSet,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
):
    """Every unit, for finding a place; changes only by the owner's staff."""

    queryset = HousingUnit.objects.none()  # for the schema; requests use get_queryset
    serializer_class = HousingUnitSerializer
    filterset_class = HousingUnitFilter
    ordering_fields = ("code", "updated_at")
    http_method_names = ("get", "patch", "head")
    rules = {
        "list": Rule("directory:read", permission="housing.view_housingunit"),
        "retrieve": Rule("directory:read", permission="housing.view_housingunit"),
        "partial_update": Rule("capacity:write", permission="housing.change_housingunit"),
    }

    def get_queryset(self):
        queryset = HousingUnit.objects.select_related("municipality").defer(
            "municipality__boundary"
        )
        if self.action == "partial_update":
            queryset = queryset.filter(owner__in=scope_of(self.request.user).provider)
        return with_availability(queryset, timezone.localdate())

    def get_serializer_context(self):
        context = super().get_serializer_context()
        context["member_organisations"] = member_organisation_ids(self.request)
        return context


class PlacementSerializer(serializers.ModelSerializer):
    class Meta:
        model = Placement
        fields = (
            "id",
            "unit",
            "case",
            "beneficiary",
            "starts_on",
            "ends_on",
            "end_reason",
            "updated_at",
            "version",
        )


class PlacementFilter(SyncFilterSet):
    unit = IdFilter(field_name="unit", label=_("housing unit (id)"))
    case = django_filters.UUIDFilter(field_name="case", label=_("case (id)"))
    current = StrictBooleanFilter(method="filter_current", label=_("running today"))

    class Meta:
        model = Placement
        fields = ("unit", "case", "current", "modified_after")

    def filter_current(self, queryset, name, value):
        today = timezone.localdate()
        running = Q(starts_on__lte=today) & (Q(ends_on__isnull=True) | Q(ends_on__gt=today))
        return queryset.filter(running if value else ~running)


class PlacementViewSet(PersonalDataViewSet, mixins.ListModelMixin, mixins.RetrieveModelMixin):
    queryset = Placement.objects.none()
    serializer_class = PlacementSerializer
    filterset_class = PlacementFilter
    rules = {
        "list": Rule("cases:read", permission="housing.view_placement"),
        "retrieve": Rule("cases:read", permission="housing.view_placement"),
    }

    def get_queryset(self):
        return Placement.objects.visible_to(self.request.user)
