"""Read-only public API of the territory: metropolitan cities, municipalities, zones."""

from __future__ import annotations

import django_filters
from django.db.models import Prefetch, Q
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from core.api.base import IdFilter, NameFilterSet, PublicDirectoryViewSet
from registry.models import MetropolitanCity, Municipality, Zone, ZoneKind


class MetropolitanCitySerializer(serializers.ModelSerializer):
    class Meta:
        model = MetropolitanCity
        fields = ("id", "istat_code", "name", "slug", "region")


class MunicipalitySerializer(serializers.ModelSerializer):
    """Without the boundary: a GeoJSON polygon per row would make lists heavy."""

    metropolitan_city = serializers.SlugRelatedField(slug_field="slug", read_only=True)

    class Meta:
        model = Municipality
        fields = (
            "id",
            "istat_code",
            "cadastral_code",
            "name",
            "metropolitan_city",
            "population",
            "population_year",
            "centroid_lat",
            "centroid_lon",
        )


class ZoneSerializer(serializers.ModelSerializer):
    metropolitan_city = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    municipalities = serializers.SlugRelatedField(
        slug_field="istat_code", many=True, read_only=True
    )
    parent_municipality = serializers.SlugRelatedField(
        slug_field="istat_code", read_only=True, allow_null=True
    )

    class Meta:
        model = Zone
        fields = (
            "id",
            "metropolitan_city",
            "kind",
            "code",
            "name",
            "municipalities",
            "parent_municipality",
            "population",
            "population_year",
        )


class MetropolitanCityFilter(NameFilterSet):
    class Meta:
        model = MetropolitanCity
        fields = ("q",)


class MunicipalityFilter(NameFilterSet):
    metropolitan_city = django_filters.CharFilter(
        field_name="metropolitan_city__slug", label=_("metropolitan city (slug)")
    )
    zone = IdFilter(field_name="zones", label=_("zone (id)"))

    class Meta:
        model = Municipality
        fields = ("q", "metropolitan_city", "zone")


class ZoneFilter(NameFilterSet):
    metropolitan_city = django_filters.CharFilter(
        field_name="metropolitan_city__slug", label=_("metropolitan city (slug)")
    )
    kind = django_filters.ChoiceFilter(choices=ZoneKind.choices)
    municipality = django_filters.CharFilter(
        method="filter_municipality", label=_("municipality (ISTAT code)")
    )

    class Meta:
        model = Zone
        fields = ("q", "metropolitan_city", "kind", "municipality")

    def filter_municipality(self, queryset, name, value):
        """Zones made of the municipality, and areas inside it."""
        return queryset.filter(
            Q(
                pk__in=Zone.municipalities.through.objects.filter(
                    municipality__istat_code=value
                ).values("zone_id")
            )
            | Q(parent_municipality__istat_code=value)
        )


class MetropolitanCityViewSet(PublicDirectoryViewSet):
    queryset = MetropolitanCity.objects.all()
    serializer_class = MetropolitanCitySerializer
    filterset_class = MetropolitanCityFilter


class MunicipalityViewSet(PublicDirectoryViewSet):
    queryset = Municipality.objects.select_related("metropolitan_city").defer("boundary")
    serializer_class = MunicipalitySerializer
    filterset_class = MunicipalityFilter


class ZoneViewSet(PublicDirectoryViewSet):
    queryset = (
        Zone.objects.select_related("metropolitan_city", "parent_municipality")
        .prefetch_related(
            Prefetch(
                "municipalities",
                queryset=Municipality.objects.only("id", "istat_code").order_by("istat_code"),
            )
        )
        .defer("boundary", "parent_municipality__boundary")
    )
    serializer_class = ZoneSerializer
    filterset_class = ZoneFilter
