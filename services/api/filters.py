"""Query filters of the directory API: sync, near and open, strict booleans."""

from __future__ import annotations

import datetime
import math

import django_filters
from django import forms
from django.db.models import Exists, Min, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_filters.widgets import BooleanWidget
from rest_framework.exceptions import ValidationError

from core.api.base import IdFilter, NameFilterSet
from services import opening
from services.confidentiality import (
    location_visible_q,
    member_organisation_ids,
)
from services.distance import Circle
from services.models import (
    Capacity,
    OpeningHours,
    Organisation,
    Service,
    ServiceAtSite,
    ServiceCategory,
    ServiceStatus,
    Site,
)
from services.selectors import (
    category_branch_q,
    listed_services,
)

# The annotation ``near`` adds: squared distance in km², what results are ordered by.
DISTANCE_ANNOTATION = "distance_sq"
DEFAULT_RADIUS_KM = 5.0
MAX_RADIUS_KM = 50.0


class UTCIsoDateTimeFilter(django_filters.IsoDateTimeFilter):
    """An ISO 8601 moment, compared in UTC: any valid offset works, even one beyond the
    ±15:59 PostgreSQL accepts in a literal."""

    def filter(self, qs, value):
        if value is not None and timezone.is_aware(value):
            value = value.astimezone(datetime.UTC)
        return super().filter(qs, value)


class SyncFilterSet(django_filters.FilterSet):
    """``modified_after``, for partners that keep in sync incrementally."""

    # Inclusive, so that a partner passing the last time it saw misses no row saved in
    # the same instant; it sees that row once more instead.
    modified_after = UTCIsoDateTimeFilter(
        field_name="updated_at", lookup_expr="gte", label=_("modified at or after")
    )


class ModifiedAfterFilterSet(NameFilterSet, SyncFilterSet):
    pass


class NearField(forms.CharField):
    """``<latitude>,<longitude>`` in decimal degrees."""

    def clean(self, value):
        value = super().clean(value)
        if value in (None, ""):
            return None
        parts = value.split(",")
        try:
            if len(parts) != 2:
                raise ValueError
            latitude, longitude = (float(part) for part in parts)
        except ValueError:
            raise forms.ValidationError(
                _("Give the point as <latitude>,<longitude> in decimal degrees.")
            ) from None
        if not (math.isfinite(latitude) and -90 <= latitude <= 90):
            raise forms.ValidationError(_("The latitude must be between -90 and 90."))
        if not (math.isfinite(longitude) and -180 <= longitude <= 180):
            raise forms.ValidationError(_("The longitude must be between -180 and 180."))
        return latitude, longitude


class RadiusField(forms.FloatField):
    def clean(self, value):
        value = super().clean(value)
        if value is not None and not (0 < value <= MAX_RADIUS_KM):
            raise forms.ValidationError(
                _("The radius must be above 0 and at most %(max)s km.")
                % {"max": f"{MAX_RADIUS_KM:g}"}
            )
        return value


class StrictBooleanWidget(BooleanWidget):
    """Hands an unrecognised value on to the field, which refuses it."""

    def value_from_datadict(self, data, files, name):
        value = super().value_from_datadict(data, files, name)
        raw = data.get(name)
        return raw if value is None and raw not in (None, "") else value


class StrictBooleanField(forms.NullBooleanField):
    """``true`` or ``false``; anything else is an error rather than no filter at all."""

    widget = StrictBooleanWidget

    def clean(self, value):
        if value not in (None, "", True, False):
            raise forms.ValidationError(_("Give true or false."))
        return super().clean(value)


class NearFilter(django_filters.CharFilter):
    field_class = NearField


class RadiusFilter(django_filters.NumberFilter):
    field_class = RadiusField


class StrictBooleanFilter(django_filters.BooleanFilter):
    field_class = StrictBooleanField


class NearAndOpenFilterSet(ModifiedAfterFilterSet):
    """``near`` (with ``radius_km``) keeps places within the radius and orders them
    nearest first; ``open_now``/``open_at`` keep places with an opening interval covering
    that moment, in Europe/Rome time. The filters work together in ``filter_queryset``."""

    near = NearFilter(method="applied_later", label=_("near the point <latitude>,<longitude>"))
    radius_km = RadiusFilter(
        method="applied_later", label=_("radius around near, in km (default 5, at most 50)")
    )
    open_now = StrictBooleanFilter(method="applied_later", label=_("open now"))
    open_at = django_filters.IsoDateTimeFilter(
        method="applied_later", label=_("open at this moment (ISO 8601)")
    )

    def applied_later(self, queryset, name, value):
        return queryset

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        data = self.form.cleaned_data
        near, radius = data.get("near"), data.get("radius_km")
        if near is None and radius is not None:
            raise ValidationError({"radius_km": [_("Give near as well.")]})
        if data.get("open_now") and data.get("open_at") is not None:
            raise ValidationError({"open_at": [_("Give either open_now or open_at.")]})
        circle = None
        if near is not None:
            circle = Circle(near[0], near[1], DEFAULT_RADIUS_KM if radius is None else radius)
        moment = data.get("open_at")
        if data.get("open_now"):
            moment = opening.current_moment()
        if circle is None and moment is None:
            return queryset
        members_of = member_organisation_ids(self.request)
        return self.near_and_open(queryset, circle, moment, members_of)

    def near_and_open(self, queryset, circle, moment, members_of):
        raise NotImplementedError


class OrganisationFilter(ModifiedAfterFilterSet):
    municipality = django_filters.CharFilter(
        field_name="municipality__istat_code", label=_("municipality (ISTAT code)")
    )
    metropolitan_city = django_filters.CharFilter(
        field_name="municipality__metropolitan_city__slug", label=_("metropolitan city (slug)")
    )
    zone = IdFilter(field_name="municipality__zones", label=_("zone (id)"))

    class Meta:
        model = Organisation
        fields = ("q", "municipality", "metropolitan_city", "zone", "modified_after")


class ServiceFilter(NearAndOpenFilterSet):
    """Where a service is: where one of its active sites is. With ``near`` and an opening
    filter together, one and the same nearby site must be open; a service's distance is
    that of its nearest matching site. ``q`` looks in the name, the alternate name and the
    description (people search for "docce", not for the service's official name)."""

    q = django_filters.CharFilter(
        method="filter_text", label=_("text in the name, alternate name or description")
    )

    category = django_filters.CharFilter(
        method="filter_category", label=_("category code, with its sub-categories")
    )
    municipality = django_filters.CharFilter(
        method="filter_at_sites", label=_("municipality (ISTAT code)")
    )
    metropolitan_city = django_filters.CharFilter(
        method="filter_at_sites", label=_("metropolitan city (slug)")
    )
    zone = IdFilter(method="filter_at_sites", label=_("zone (id)"))
    language = django_filters.CharFilter(field_name="languages__code", label=_("language code"))
    status = django_filters.ChoiceFilter(choices=ServiceStatus.choices)
    has_free_places = StrictBooleanFilter(
        method="filter_free_places", label=_("has free places now at one of its sites")
    )

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
            "has_free_places",
            "modified_after",
        )

    def filter_text(self, queryset, name, value):
        return queryset.filter(
            Q(name__icontains=value)
            | Q(alternate_name__icontains=value)
            | Q(description__icontains=value)
        )

    def filter_free_places(self, queryset, name, value):
        free = Exists(
            Capacity.objects.filter(
                offering__service=OuterRef("pk"),
                offering__site__active=True,
                available__gt=0,
            )
        )
        return queryset.filter(free if value else ~free)

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

    def near_and_open(self, queryset, circle, moment, members_of):
        offerings = ServiceAtSite.objects.filter(site__active=True, site__organisation__active=True)
        if moment is not None:
            hours = OpeningHours.objects.filter(opening.open_at_q(moment), offering=OuterRef("pk"))
            offerings = offerings.filter(Exists(hours))
        if circle is None:
            return queryset.filter(Exists(offerings.filter(service=OuterRef("pk"))))
        # The offerings the caller may be located by, inside the circle's bounding box;
        # a service's distance is the least over those, computed in one grouped join
        # (a nearest-site subquery per service costs several times more, measured).
        reachable = offerings.filter(location_visible_q(members_of, "site__")).filter(
            **circle.bounding_box_lookups("site__")
        )
        return (
            queryset.filter(offerings__in=reachable.values("pk"))
            .annotate(
                **{DISTANCE_ANNOTATION: Min(circle.squared_km_expression("offerings__site__"))}
            )
            .filter(**{f"{DISTANCE_ANNOTATION}__lte": circle.radius_km**2})
        )


class SiteFilter(NearAndOpenFilterSet):
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
    zone = IdFilter(field_name="municipality__zones", label=_("zone (id)"))
    language = django_filters.CharFilter(method="filter_language", label=_("language code"))
    barrier_free = StrictBooleanFilter(label=_("barrier-free"))
    has_free_places = StrictBooleanFilter(
        method="filter_free_places", label=_("has free places now in a listed service")
    )

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
            "has_free_places",
            "modified_after",
        )

    def filter_free_places(self, queryset, name, value):
        free = Exists(
            Capacity.objects.filter(
                offering__site=OuterRef("pk"),
                offering__service__in=listed_services().values("pk"),
                available__gt=0,
            )
        )
        return queryset.filter(free if value else ~free)

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

    def near_and_open(self, queryset, circle, moment, members_of):
        if moment is not None:
            hours = OpeningHours.objects.filter(
                opening.open_at_q(moment),
                offering__site=OuterRef("pk"),
                offering__service__in=listed_services().values("pk"),
            )
            queryset = queryset.filter(Exists(hours))
        if circle is not None:
            queryset = (
                queryset.filter(location_visible_q(members_of))
                .filter(**circle.bounding_box_lookups())
                .annotate(**{DISTANCE_ANNOTATION: circle.squared_km_expression()})
                .filter(**{f"{DISTANCE_ANNOTATION}__lte": circle.radius_km**2})
            )
        return queryset


class ServiceCategoryFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="filter_q", label=_("name (Italian or English)"))

    class Meta:
        model = ServiceCategory
        fields = ("q",)

    def filter_q(self, queryset, name, value):
        return queryset.filter(Q(name_it__icontains=value) | Q(name_en__icontains=value))


class CapacityFilter(SyncFilterSet):
    service = IdFilter(field_name="offering__service", label=_("service (id)"))
    site = IdFilter(field_name="offering__site", label=_("site (id)"))
    municipality = django_filters.CharFilter(
        field_name="offering__site__municipality__istat_code",
        label=_("municipality (ISTAT code)"),
    )
    category = django_filters.CharFilter(
        method="filter_category", label=_("category code, with its sub-categories")
    )
    has_free_places = StrictBooleanFilter(method="filter_free", label=_("has free places now"))

    class Meta:
        model = Capacity
        fields = (
            "service",
            "site",
            "municipality",
            "category",
            "has_free_places",
            "modified_after",
        )

    def filter_category(self, queryset, name, value):
        in_branch = Service.categories.through.objects.filter(
            category_branch_q(value, prefix="servicecategory__"),
            service=OuterRef("offering__service"),
        )
        return queryset.filter(Exists(in_branch))

    def filter_free(self, queryset, name, value):
        return queryset.filter(available__gt=0) if value else queryset.exclude(available__gt=0)
