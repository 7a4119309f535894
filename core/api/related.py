"""Ids and codes of a page's related rows, fetched as plain values.

A list that shows only the ids or codes of related rows (a site's services, a service's
categories) needs no model instances for them: one ``values_list`` query per relation for
the whole page, grouped by owner, is the same number of queries as ``prefetch_related``
and several times cheaper (docs/performance.md, API).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.db.models import Model, QuerySet
from rest_framework import serializers
from rest_framework.fields import SkipField
from rest_framework.permissions import SAFE_METHODS


@dataclass(frozen=True)
class RelatedValues:
    """``rows(owner_pks)`` gives ``(owner_pk, value)`` pairs in the order to show; each
    owner gets the list of its values as ``attribute``."""

    attribute: str
    rows: Callable[[list], QuerySet]


def attach_related_values(owners: Iterable[Model], relations: Iterable[RelatedValues]) -> None:
    owners = list(owners)
    if not owners:
        return
    pks = [owner.pk for owner in owners]
    for relation in relations:
        grouped: dict = {}
        for owner_pk, value in relation.rows(pks):
            grouped.setdefault(owner_pk, []).append(value)
        for owner in owners:
            setattr(owner, relation.attribute, grouped.get(owner.pk, []))


class RelatedValuesMixin:
    """For viewsets: attach ``related_values`` to the page of a list and to the object of
    a detail, before serialising."""

    related_values: tuple[RelatedValues, ...] = ()

    def paginate_queryset(self, queryset):
        page = super().paginate_queryset(queryset)
        if page is not None:
            attach_related_values(page, self.related_values)
        return page

    def get_object(self):
        owner = super().get_object()
        if self.request.method in SAFE_METHODS:  # a write answers with its own serializer
            attach_related_values([owner], self.related_values)
        return owner


class ValuesField(serializers.ListField):
    """A list of plain values (ids or codes) attached by ``RelatedValuesMixin``, written
    out as it is."""

    def __init__(self, attribute: str, child: serializers.Field, **kwargs):
        super().__init__(source=attribute, child=child, read_only=True, **kwargs)

    def to_representation(self, data) -> list:
        return data


class DirectFieldsMixin:
    """For list serializers of the public directory: the fields named in
    ``Meta.direct_fields`` are written as the model holds them (text, numbers, booleans,
    choices, foreign-key ids), without DRF's per-field machinery, which cost more than
    the page's query (docs/performance.md, API). The other fields go the usual way."""

    _direct_attributes: dict[str, str] | None = None

    @classmethod
    def direct_attributes(cls) -> dict[str, str]:
        if cls._direct_attributes is None:
            model = cls.Meta.model
            attributes = {}
            for name in cls.Meta.direct_fields:
                field = model._meta.get_field(name)
                attributes[name] = "pk" if field.primary_key else field.attname
            cls._direct_attributes = attributes
        return cls._direct_attributes

    def to_representation(self, instance) -> dict:
        direct = self.direct_attributes()
        data = {}
        for field in self._readable_fields:
            name = field.field_name
            if name in direct:
                data[name] = getattr(instance, direct[name])
                continue
            try:
                attribute = field.get_attribute(instance)
            except SkipField:
                continue
            data[name] = None if attribute is None else field.to_representation(attribute)
        return data
