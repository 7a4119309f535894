"""What the HSDS publication contains: the public directory's listing rules, minus every
place whose address is confidential.

The v1 API shows a confidential site with its address blanked; HSDS has no such notion
(a location is an address and coordinates), so here such a site is left out altogether,
with the service_at_location rows that point at it. A confidential service still appears,
with its public contact point as its only contact.
"""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from services.confidentiality import confidential_site_q
from services.models import Capacity, Organisation, Service, ServiceAtSite, ServiceCategory, Site
from services.selectors import listed_services, listed_sites

BOUNDARY = "municipality__boundary"


def published_organisations() -> QuerySet[Organisation]:
    return Organisation.objects.filter(active=True)


def published_services() -> QuerySet[Service]:
    return listed_services()


def published_sites() -> QuerySet[Site]:
    """Listed sites that are neither confidential nor host a confidential service."""
    return listed_sites().exclude(confidential_site_q())


def published_offerings() -> QuerySet[ServiceAtSite]:
    return ServiceAtSite.objects.filter(
        service__in=published_services().values("pk"),
        site__in=published_sites().values("pk"),
    )


def categories() -> QuerySet[ServiceCategory]:
    return ServiceCategory.objects.select_related("parent")


def sites_for_output(queryset: QuerySet[Site]) -> QuerySet[Site]:
    return queryset.select_related("municipality__metropolitan_city").defer(BOUNDARY)


def offerings_for_output(queryset: QuerySet[ServiceAtSite]) -> QuerySet[ServiceAtSite]:
    return (
        queryset.select_related("site__municipality__metropolitan_city", "service__organisation")
        .defer(f"site__{BOUNDARY}")
        .prefetch_related("opening_hours")
    )


def service_prefetches(*, full: bool) -> list:
    """What a service needs to be shown: one-to-one fields only, or fully nested."""
    prefetches: list = [Prefetch("categories", queryset=categories())]
    if not full:
        return prefetches
    capacity_offerings = ServiceAtSite.objects.filter(
        site__in=listed_sites().values("pk")
    ).prefetch_related(Prefetch("capacities", queryset=Capacity.objects.order_by("unit", "id")))
    return [
        *prefetches,
        "languages",
        Prefetch(
            "offerings",
            queryset=offerings_for_output(published_offerings()).order_by("id"),
            to_attr="published_offerings",
        ),
        # Free places of a service are public even where its site is not (v1 API does
        # the same): a number of beds does not say where they are.
        Prefetch(
            "offerings", queryset=capacity_offerings.order_by("id"), to_attr="capacity_offerings"
        ),
    ]


def services_for_output(queryset: QuerySet[Service], *, full: bool) -> QuerySet[Service]:
    return (
        queryset.select_related("organisation")
        .prefetch_related(*service_prefetches(full=full))
        .order_by("name", "id")
    )


def organisations_for_output(
    queryset: QuerySet[Organisation], *, full: bool, full_service: bool
) -> QuerySet[Organisation]:
    queryset = queryset.order_by("name", "id")
    if not (full or full_service):
        return queryset
    services = services_for_output(published_services(), full=full_service)
    return queryset.prefetch_related(
        Prefetch(
            "sites",
            queryset=sites_for_output(published_sites()).order_by("id"),
            to_attr="published_sites",
        ),
        Prefetch("services", queryset=services, to_attr="published_services"),
    )
