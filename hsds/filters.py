"""The HSDS API's filters over the published querysets (search, taxonomy, organisation,
modification time, postcode and proximity)."""

from __future__ import annotations

from django.db.models import Avg, Exists, OuterRef, Q, QuerySet
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import ValidationError

from hsds import params
from hsds.ids import pk_for
from hsds.publication import published_organisations, published_services, published_sites
from hsds.serializers import TAXONOMY_ID
from services.distance import Circle
from services.models import Organisation, Service, ServiceAtSite, ServiceCategory

NOTHING = Q(pk__in=[])


def category_pk(hsds_identifier: str) -> int | None:
    return pk_for(
        ServiceCategory, hsds_identifier, ServiceCategory.objects.values_list("pk", flat=True)
    )


def organisation_pk(hsds_identifier: str) -> int | None:
    return pk_for(
        Organisation,
        hsds_identifier,
        published_organisations().values_list("pk", flat=True).iterator(chunk_size=2000),
    )


def service_taxonomy_q(query_params: QueryDict, prefix: str = "") -> Q:
    """``taxonomy_term_id`` / ``taxonomy_id`` over services (fields under ``prefix``)."""
    condition = Q()
    term = query_params.get("taxonomy_term_id")
    if term is not None:
        pk = category_pk(term)
        condition &= NOTHING if pk is None else Q(**{f"{prefix}categories": pk})
    taxonomy = query_params.get("taxonomy_id")
    if taxonomy is not None:
        if taxonomy.strip().lower() != TAXONOMY_ID:
            return NOTHING
        tagged = Service.categories.through.objects.filter(service=OuterRef(f"{prefix}pk"))
        condition &= Q(Exists(tagged))
    return condition


def services(queryset: QuerySet[Service], query_params: QueryDict) -> QuerySet[Service]:
    search = query_params.get("search")
    if search is not None:
        queryset = queryset.filter(
            Q(name__icontains=search)
            | Q(alternate_name__icontains=search)
            | Q(description__icontains=search)
        )
    organisation = query_params.get("organization_id")
    if organisation is not None:
        pk = organisation_pk(organisation)
        queryset = queryset.filter(NOTHING if pk is None else Q(organisation_id=pk))
    after = params.moment(query_params, "modified_after")
    if after is not None:
        queryset = queryset.filter(updated_at__gte=after)
    condition = service_taxonomy_q(query_params)
    if condition:
        # A term filter joins the categories: filter through a subquery so that no
        # service comes twice.
        queryset = queryset.filter(pk__in=Service.objects.filter(condition).values("pk"))
    return queryset


def organisations(
    queryset: QuerySet[Organisation], query_params: QueryDict
) -> QuerySet[Organisation]:
    search = query_params.get("search")
    if search is not None:
        queryset = queryset.filter(Q(name__icontains=search) | Q(description__icontains=search))
    condition = service_taxonomy_q(query_params)
    if condition:
        providing = published_services().filter(condition, organisation=OuterRef("pk"))
        queryset = queryset.filter(Exists(providing))
    return queryset


def offerings(
    queryset: QuerySet[ServiceAtSite], query_params: QueryDict
) -> QuerySet[ServiceAtSite]:
    search = query_params.get("search")
    if search is not None:
        queryset = queryset.filter(
            Q(service__name__icontains=search)
            | Q(service__description__icontains=search)
            | Q(site__name__icontains=search)
        )
    organisation = query_params.get("organization_id")
    if organisation is not None:
        pk = organisation_pk(organisation)
        queryset = queryset.filter(NOTHING if pk is None else Q(service__organisation_id=pk))
    after = params.moment(query_params, "modified_after")
    if after is not None:
        queryset = queryset.filter(updated_at__gte=after)
    condition = service_taxonomy_q(query_params)
    if condition:
        queryset = queryset.filter(service__in=Service.objects.filter(condition).values("pk"))
    return near_postcode(queryset, query_params)


def near_postcode(queryset: QuerySet[ServiceAtSite], query_params) -> QuerySet[ServiceAtSite]:
    """``postcode`` keeps the places with that postal code; with ``proximity`` (metres),
    the places within that distance of the postcode's centre instead. Atlante has no
    postcode gazetteer: the centre is the mean position of the published places with that
    postcode, and a postcode with none of them finds nothing."""
    postcode = query_params.get("postcode")
    proximity = params.positive_number(query_params, "proximity")
    if postcode is None:
        if proximity is not None:
            raise ValidationError({"proximity": [_("Give postcode as well.")]})
        return queryset
    if proximity is None:
        return queryset.filter(site__postal_code=postcode)
    centre = (
        published_sites()
        .filter(postal_code=postcode)
        .aggregate(latitude=Avg("latitude"), longitude=Avg("longitude"))
    )
    if centre["latitude"] is None:
        return queryset.none()
    circle = Circle(centre["latitude"], centre["longitude"], proximity / 1000)
    return (
        queryset.filter(**circle.bounding_box_lookups("site__"))
        .annotate(distance_sq=circle.squared_km_expression("site__"))
        .filter(distance_sq__lte=circle.radius_km**2)
    )


def taxonomy_terms(queryset: QuerySet[ServiceCategory], query_params: QueryDict) -> QuerySet:
    search = query_params.get("search")
    if search is not None:
        queryset = queryset.filter(
            Q(code__icontains=search)
            | Q(name_it__icontains=search)
            | Q(name_en__icontains=search)
            | Q(description__icontains=search)
        )
    taxonomy = query_params.get("taxonomy_id")
    if taxonomy is not None and taxonomy.strip().lower() != TAXONOMY_ID:
        return queryset.none()
    # The OpenAPI's wording ("terms that have not child terms") contradicts the name;
    # the name wins: top-level terms, those without a parent.
    if params.boolean(query_params, "top_only"):
        queryset = queryset.filter(parent__isnull=True)
    parent = query_params.get("parent_id")
    if parent is not None:
        pk = category_pk(parent)
        queryset = queryset.filter(NOTHING if pk is None else Q(parent_id=pk))
    return queryset
