"""The HSDS 3.1 read API, ``/api/hsds/``: anonymous, paged in the HSDS ``Page`` shape.

The shapes are the HSDS OpenAPI's own (served at ``openapi.json``), so these views are
left out of Atlante's generated schema rather than described twice.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterator

from django.db.models import QuerySet
from django.http import HttpResponse, StreamingHttpResponse
from django.urls import reverse
from drf_spectacular.utils import extend_schema
from rest_framework.exceptions import NotFound
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api.permissions import DIRECTORY_READ
from hsds import filters, params, publication, serializers
from hsds.ids import pk_for
from hsds.schemas import SPEC_DIR
from services.models import Organisation, Service, ServiceAtSite, ServiceCategory

PAGED = ("search", "page", "per_page", "format")


class IgnoreFormatNegotiation(BaseContentNegotiation):
    """HSDS uses ``format`` for json/ndjson, which DRF would read as a renderer choice."""

    def select_parser(self, request, parsers):
        return parsers[0] if parsers else None

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


@extend_schema(exclude=True)
class HsdsView(APIView):
    rules = {"get": DIRECTORY_READ}
    renderer_classes = (JSONRenderer,)
    content_negotiation_class = IgnoreFormatNegotiation
    known_params: tuple[str, ...] = ()

    def initial(self, request, *args, **kwargs) -> None:
        super().initial(request, *args, **kwargs)
        params.check_known(request.query_params, self.known_params)


class PagedView(HsdsView):
    """A list: the ``Page`` object of the HSDS OpenAPI, or every item as ndjson."""

    known_params = PAGED

    def get_queryset(self) -> QuerySet:
        raise NotImplementedError

    def get_item(self) -> Callable:
        raise NotImplementedError

    def get(self, request, *args, **kwargs):
        output = params.output_format(request.query_params)
        page, per_page = params.page_and_size(request.query_params)
        queryset, item = self.get_queryset(), self.get_item()
        if output == "ndjson":
            return StreamingHttpResponse(
                ndjson_lines(queryset, item), content_type="application/x-ndjson"
            )
        return Response(paged(queryset, item, page, per_page))


def paged(queryset: QuerySet, item: Callable, page: int, per_page: int) -> dict:
    total = queryset.count()
    total_pages = math.ceil(total / per_page)
    start = (page - 1) * per_page
    contents = [item(row) for row in queryset[start : start + per_page]] if total > start else []
    return {
        "total_items": total,
        "total_pages": total_pages,
        "page_number": page,
        "size": len(contents),
        "first_page": page == 1,
        "last_page": page >= total_pages,
        "empty": total == 0,
        "contents": contents,
    }


def ndjson_lines(queryset: QuerySet, item: Callable) -> Iterator[str]:
    # A chunked iterator keeps memory flat and still runs the prefetches per chunk.
    for row in queryset.iterator(chunk_size=200):
        yield json.dumps(item(row), ensure_ascii=False) + "\n"


class ApiInfoView(HsdsView):
    def get(self, request):
        return Response(
            {
                "version": serializers.HSDS_VERSION,
                "profile": "https://docs.openreferral.org/en/latest/hsds/",
                "openapi_url": request.build_absolute_uri(reverse("hsds:openapi")),
            }
        )


class OpenApiView(HsdsView):
    def get(self, request):
        return HttpResponse(
            (SPEC_DIR / "openapi.json").read_bytes(), content_type="application/json"
        )


class ServiceListView(PagedView):
    known_params = (
        *PAGED,
        "taxonomy_term_id",
        "taxonomy_id",
        "organization_id",
        "modified_after",
        "minimal",
        "full",
    )

    def get_queryset(self) -> QuerySet:
        query = self.request.query_params
        self.minimal = params.boolean(query, "minimal")
        self.full = params.boolean(query, "full") and not self.minimal
        queryset = filters.services(publication.published_services(), query)
        if self.minimal:
            return queryset.order_by("name", "id")
        return publication.services_for_output(queryset, full=self.full)

    def get_item(self) -> Callable:
        if self.minimal:
            return serializers.service_minimal
        return serializers.service_full if self.full else serializers.service_list_item


def find(model, queryset: QuerySet, hsds_identifier: str):
    candidates = queryset.prefetch_related(None).values_list("pk", flat=True)
    pk = pk_for(model, hsds_identifier, candidates.iterator(chunk_size=2000))
    if pk is None:
        raise NotFound()
    return queryset.get(pk=pk)


class ServiceDetailView(HsdsView):
    def get(self, request, id: str):
        queryset = publication.services_for_output(publication.published_services(), full=True)
        return Response(serializers.service_full(find(Service, queryset, id)))


class OrganisationListView(PagedView):
    known_params = (*PAGED, "full_service", "full", "taxonomy_term_id", "taxonomy_id")

    def get_queryset(self) -> QuerySet:
        query = self.request.query_params
        self.full_service = params.boolean(query, "full_service")
        self.full = params.boolean(query, "full") or self.full_service
        queryset = filters.organisations(publication.published_organisations(), query)
        return publication.organisations_for_output(
            queryset, full=self.full, full_service=self.full_service
        )

    def get_item(self) -> Callable:
        if not self.full:
            return serializers.organisation_basic
        full_service = self.full_service
        return lambda row: serializers.organisation_full(row, full_service=full_service)


class OrganisationDetailView(HsdsView):
    known_params = ("full_service",)

    def get(self, request, id: str):
        full_service = params.boolean(request.query_params, "full_service")
        queryset = publication.organisations_for_output(
            publication.published_organisations(), full=True, full_service=full_service
        )
        organisation = find(Organisation, queryset, id)
        return Response(serializers.organisation_full(organisation, full_service=full_service))


class ServiceAtLocationListView(PagedView):
    known_params = (
        *PAGED,
        "taxonomy_term_id",
        "taxonomy_id",
        "organization_id",
        "modified_after",
        "full",
        "postcode",
        "proximity",
    )

    def get_queryset(self) -> QuerySet:
        query = self.request.query_params
        self.full = params.boolean(query, "full")
        queryset = filters.offerings(publication.published_offerings(), query)
        return publication.offerings_for_output(queryset).order_by("id")

    def get_item(self) -> Callable:
        if self.full:
            return serializers.service_at_location_detail
        return lambda row: serializers.service_at_location(row, nested=False)


class ServiceAtLocationDetailView(HsdsView):
    def get(self, request, id: str):
        queryset = publication.offerings_for_output(publication.published_offerings())
        offering = find(ServiceAtSite, queryset, id)
        return Response(serializers.service_at_location_detail(offering))


class TaxonomyListView(PagedView):
    """Atlante publishes one taxonomy, its own; the list is that one, or none."""

    def get(self, request, *args, **kwargs):
        output = params.output_format(request.query_params)
        page, per_page = params.page_and_size(request.query_params)
        taxonomies = [serializers.taxonomy()]
        search = request.query_params.get("search")
        if search is not None:
            needle = search.lower()
            taxonomies = [
                item
                for item in taxonomies
                if needle in item["name"].lower() or needle in item["description"].lower()
            ]
        if output == "ndjson":
            lines = (json.dumps(item, ensure_ascii=False) + "\n" for item in taxonomies)
            return StreamingHttpResponse(lines, content_type="application/x-ndjson")
        return Response(paged_list(taxonomies, page, per_page))


def paged_list(items: list, page: int, per_page: int) -> dict:
    start = (page - 1) * per_page
    contents = items[start : start + per_page]
    total_pages = math.ceil(len(items) / per_page)
    return {
        "total_items": len(items),
        "total_pages": total_pages,
        "page_number": page,
        "size": len(contents),
        "first_page": page == 1,
        "last_page": page >= total_pages,
        "empty": not items,
        "contents": contents,
    }


class TaxonomyDetailView(HsdsView):
    def get(self, request, id: str):
        if id.strip().lower() != serializers.TAXONOMY_ID:
            raise NotFound()
        return Response(serializers.taxonomy())


class TaxonomyTermListView(PagedView):
    known_params = (*PAGED, "taxonomy_id", "top_only", "parent_id")

    def get_queryset(self) -> QuerySet:
        queryset = filters.taxonomy_terms(publication.categories(), self.request.query_params)
        return queryset.order_by("code")

    def get_item(self) -> Callable:
        return serializers.taxonomy_term


class TaxonomyTermDetailView(HsdsView):
    def get(self, request, id: str):
        return Response(
            serializers.taxonomy_term(find(ServiceCategory, publication.categories(), id))
        )
