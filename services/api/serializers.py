"""Serializers of the public directory API."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from core.api.related import DirectFieldsMixin, ValuesField
from services.api.filters import DISTANCE_ANNOTATION
from services.confidentiality import ADDRESS_FIELDS
from services.distance import rounded_km
from services.models import (
    Organisation,
    Service,
    ServiceCategory,
    Site,
)


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


class ServiceSerializer(DirectFieldsMixin, serializers.ModelSerializer):
    """``categories`` and ``languages`` by code, ``sites`` by id (attached by the view)."""

    organisation = serializers.PrimaryKeyRelatedField(read_only=True)
    categories = ValuesField("category_codes", serializers.CharField())
    languages = ValuesField("language_codes", serializers.CharField())
    sites = ValuesField("site_ids", serializers.IntegerField())

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
            "version",
        )
        direct_fields = (
            "id",
            "organisation",
            "name",
            "alternate_name",
            "description",
            "status",
            "eligibility_description",
            "minimum_age",
            "maximum_age",
            "free_of_charge",
            "fees_description",
            "funding_programme",
            "funding_description",
            "application_process",
            "email",
            "url",
            "confidential",
            "public_contact",
            "version",
        )


class DistanceField(serializers.FloatField):
    """``distance_km``: km from the ``near`` point, rounded to 0.01; absent without ``near``
    (the row then has no squared distance, and the field is skipped)."""

    def __init__(self, **kwargs):
        super().__init__(source=DISTANCE_ANNOTATION, required=False, **kwargs)

    def to_representation(self, value) -> float:
        return rounded_km(value)


class SiteSerializer(DirectFieldsMixin, serializers.ModelSerializer):
    """``confidential`` is true for a site flagged so or hosting a confidential service;
    then the address fields are null for anyone outside the owning organisation.
    ``distance_km`` is there only when the list was searched with ``near``."""

    organisation = serializers.PrimaryKeyRelatedField(read_only=True)
    municipality = serializers.CharField(source="municipality_code", read_only=True)
    address = serializers.CharField(read_only=True, allow_null=True)
    postal_code = serializers.CharField(read_only=True, allow_null=True)
    latitude = serializers.FloatField(read_only=True, allow_null=True)
    longitude = serializers.FloatField(read_only=True, allow_null=True)
    confidential = serializers.SerializerMethodField()
    services = ValuesField("service_ids", serializers.IntegerField())
    distance_km = DistanceField(help_text=_("km from the near point (only with near)"))

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
            "distance_km",
        )
        direct_fields = (
            "id",
            "organisation",
            "name",
            "address",
            "postal_code",
            "latitude",
            "longitude",
            "barrier_free",
            "public_contact",
        )

    def get_confidential(self, site) -> bool:
        return bool(site.confidential or site.hosts_confidential_service)

    def to_representation(self, site):
        data = super().to_representation(site)
        members_of = self.context.get("member_organisations", frozenset())
        if data["confidential"] and site.organisation_id not in members_of:
            for field in ADDRESS_FIELDS:
                data[field] = None
            # Never reached through ``near`` (such sites are left out), but a distance
            # would locate the site all the same.
            data.pop("distance_km", None)
        return data
