"""What every public directory endpoint of ``/api/v1/`` shares: strict query parameters,
whitelisted ordering with a stable tie-break, capped cursor pagination, anonymous reads."""

from __future__ import annotations

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.openapi import AutoSchema
from rest_framework import viewsets
from rest_framework.exceptions import ValidationError
from rest_framework.filters import OrderingFilter
from rest_framework.pagination import CursorPagination

from core.api.permissions import PUBLIC_READ_RULES, rule_for


class DirectoryCursorPagination(CursorPagination):
    """Cursor pages: stable while partners page through a directory that keeps changing.

    ``page_size`` is 1 to 200; any other value answers 400 rather than being ignored."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
    ordering = ("id",)

    def get_page_size(self, request) -> int:
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        if not raw.isascii() or not raw.isdigit() or not 1 <= int(raw) <= self.max_page_size:
            raise ValidationError(
                {
                    self.page_size_query_param: [
                        _("A whole number from 1 to %(max)d.") % {"max": self.max_page_size}
                    ]
                }
            )
        return int(raw)

    def get_schema_operation_parameters(self, view) -> list[dict]:
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"].update(minimum=1, maximum=self.max_page_size)
        return parameters


class StableOrderingFilter(OrderingFilter):
    """One whitelisted ordering field, ties broken by id so that cursor pages neither
    overlap nor skip rows; an ordering outside the whitelist answers 400.

    A view may name a ``nearness_annotation``: when the filters have added it (a ``near``
    search), the default ordering is by it, nearest first, then by id. The cursor
    paginator asks this filter for its ordering, so pages follow the distance too."""

    def get_ordering(self, request, queryset, view):
        raw = request.query_params.get(self.ordering_param)
        if raw is None:
            nearness = getattr(view, "nearness_annotation", None)
            if nearness and nearness in queryset.query.annotations:
                return (nearness, "id")
            return self.get_default_ordering(view)
        fields = [term.strip() for term in raw.split(",") if term.strip()]
        allowed = {name for name, _label in self.get_valid_fields(queryset, view, {})}
        if len(fields) != 1 or fields[0].lstrip("-") not in allowed:
            choices = ", ".join(sorted(allowed))
            raise ValidationError(
                {self.ordering_param: [_("Order by one of: %(choices)s.") % {"choices": choices}]}
            )
        field = fields[0]
        if field.lstrip("-") == "id":
            return (field,)
        return (field, "-id" if field.startswith("-") else "id")

    def get_schema_operation_parameters(self, view) -> list[dict]:
        fields = [field for field in getattr(view, "ordering_fields", ()) if field != "__all__"]
        return [
            {
                "name": self.ordering_param,
                "required": False,
                "in": "query",
                "description": str(self.ordering_description),
                "schema": {
                    "type": "string",
                    "enum": [value for field in fields for value in (field, f"-{field}")],
                },
            }
        ]


class StrictFilterBackend(DjangoFilterBackend):
    """django-filter, plus a 400 naming every query parameter the endpoint does not know:
    a misspelt filter must not silently return the whole directory."""

    always_known = frozenset({"format"})

    def known_parameters(self, view) -> set[str]:
        known = set(self.always_known)
        filterset_class = getattr(view, "filterset_class", None)
        if filterset_class is not None:
            known |= set(filterset_class.base_filters)
        paginator = getattr(view, "paginator", None)
        for attribute in ("cursor_query_param", "page_size_query_param"):
            name = getattr(paginator, attribute, None)
            if name:
                known.add(name)
        for backend in getattr(view, "filter_backends", ()):
            name = getattr(backend, "ordering_param", None)
            if name:
                known.add(name)
        return known

    def filter_queryset(self, request, queryset, view):
        unknown = sorted(set(request.query_params) - self.known_parameters(view))
        if unknown:
            raise ValidationError({name: [_("Unknown query parameter.")] for name in unknown})
        # An empty value would be silently ignored by the filters: say so instead.
        empty = sorted(name for name, value in request.query_params.items() if value == "")
        if empty:
            raise ValidationError(
                {name: [_("Give a value, or leave the parameter out.")] for name in empty}
            )
        return super().filter_queryset(request, queryset, view)


class PublicDirectoryViewSet(viewsets.ReadOnlyModelViewSet):
    """Open to anonymous callers: the public directory is public (issue 3, authentication).
    A partner's token needs the ``directory:read`` scope."""

    rules = PUBLIC_READ_RULES
    pagination_class = DirectoryCursorPagination
    filter_backends = (StrictFilterBackend, StableOrderingFilter)
    ordering = ("id",)
    ordering_fields = ("name",)
    nearness_annotation: str | None = None


class IdFilter(django_filters.NumberFilter):
    """A record id: a whole number, not any decimal."""

    field_class = forms.IntegerField


class NameFilterSet(django_filters.FilterSet):
    """``q``: the name contains the text, case-insensitively."""

    q = django_filters.CharFilter(field_name="name", lookup_expr="icontains", label=_("name"))


ERROR_BODY = {
    "type": "object",
    "description": (
        "Errors by parameter or field, each a list of reasons; ``detail`` when the request "
        "as a whole is unreadable (e.g. malformed JSON)."
    ),
    "additionalProperties": {
        "anyOf": [{"type": "array", "items": {"type": "string"}}, {"type": "string"}]
    },
}


def error_response(description: str, schema: dict = ERROR_BODY) -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


DETAIL_BODY = {"type": "object", "properties": {"detail": {"type": "string"}}}


class AtlanteAutoSchema(AutoSchema):
    """Documents every answer an operation can give besides its success: 400 for a bad
    parameter or field, 401/403 where credentials are needed, 404 for an unknown object
    (or one outside the caller's scope) or an invalid cursor, 409/412/428 for writes, and
    429 above the caller's rate limit."""

    def get_auth(self) -> list[dict]:
        """Anonymous callers are documented (an empty requirement) exactly where the
        endpoint's rule lets them in."""
        auths = [auth for auth in super().get_auth() if auth]
        rule = rule_for(self.view, self.view.request)
        if rule is not None and rule.anonymous:
            auths.append({})
        return auths

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        if direction != "response":
            return responses
        rule = rule_for(self.view, self.view.request)
        extra = {
            "400": error_response(_("Invalid query parameter or field.")),
            "429": error_response(_("Too many requests: wait as Retry-After says."), DETAIL_BODY),
        }
        if self.method != "POST" or self._is_list_view():
            extra["404"] = error_response(_("Not found, or an invalid cursor."), DETAIL_BODY)
        if rule is None or not rule.anonymous or self.method != "GET":
            extra["401"] = error_response(_("Credentials are needed."), DETAIL_BODY)
        writes = self.method in ("POST", "PATCH")
        # A domain action's refusal names its field (``core.api.writes.domain_errors``).
        extra["403"] = error_response(
            _("The token lacks the scope, or the role does not allow this."),
            ERROR_BODY if writes else DETAIL_BODY,
        )
        if writes:
            extra["409"] = error_response(
                _("The record's state, or the database, refused the change."), ERROR_BODY
            )
        if self.method == "PATCH":
            extra["412"] = error_response(_("Stale version: read the record again."), ERROR_BODY)
            extra["428"] = error_response(
                _("Send If-Match with the ETag, or version."), DETAIL_BODY
            )
        for status, body in extra.items():
            responses.setdefault(status, body)
        return responses
