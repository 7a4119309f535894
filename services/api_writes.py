"""What partner systems and providers may change in the directory: their own services'
data and the capacity (free places) of their services at their sites.

The serializers parse the input; the change itself is the domain action's
(``services/actions``), with the version the caller read (If-Match or ``version``)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from core.api.writes import ActionUpdateMixin, StrictInputSerializer
from services.actions.capacity import capacity_update
from services.actions.directory import service_update
from services.models import Capacity, Language, Service, ServiceCategory


class ServiceUpdateSerializer(ActionUpdateMixin, StrictInputSerializer):
    """The service's own description; where and by whom it is run is changed in the back
    office. ``categories`` and ``languages`` are given by code."""

    categories = serializers.SlugRelatedField(
        slug_field="code", many=True, queryset=ServiceCategory.objects.all()
    )
    languages = serializers.SlugRelatedField(
        slug_field="code", many=True, queryset=Language.objects.all()
    )

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
            "application_process",
            "email",
            "url",
            "public_contact",
            "updated_at",
            "version",
        )
        read_only_fields = ("id", "organisation", "updated_at", "version")

    def update(self, instance, validated_data):
        return service_update(service=instance, **self.action_arguments(validated_data))


class CapacitySerializer(ActionUpdateMixin, StrictInputSerializer):
    """Free places (``available``) and the total of a service at a site, in one unit."""

    service = serializers.IntegerField(source="offering.service_id", read_only=True)
    site = serializers.IntegerField(source="offering.site_id", read_only=True)
    total = serializers.DecimalField(max_digits=9, decimal_places=2, coerce_to_string=False)
    available = serializers.DecimalField(
        max_digits=9,
        decimal_places=2,
        allow_null=True,
        required=False,
        coerce_to_string=False,
        help_text=_("free now; null where free places are not tracked"),
    )

    class Meta:
        model = Capacity
        fields = (
            "id",
            "service",
            "site",
            "unit",
            "total",
            "available",
            "description",
            "updated_at",
            "version",
        )
        read_only_fields = ("id", "unit", "updated_at", "version")

    def update(self, instance, validated_data):
        return capacity_update(capacity=instance, **self.action_arguments(validated_data))
