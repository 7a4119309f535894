"""Stable HSDS identifiers: a UUID derived from a record's model label and primary key.

HSDS ids are strings (UUIDs in the 3.1 schemas). Deriving them with uuid5 over a fixed
namespace means the same record has the same id in every response and every export, with
nothing to store; the price is that finding a record by its id needs the candidates' pks.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from django.db.models import Model

# Fixed for good: changing it would give every published record a new id.
NAMESPACE = uuid.UUID("6f1d4c1e-2b7a-5c0e-9a3d-41746c616e74")


def label_of(model: type[Model] | Model) -> str:
    return model._meta.label_lower


def derived_id(label: str, key: object) -> str:
    """The id of the thing named ``label`` with key ``key`` (a pk, or a composite key for
    rows we have no table for, e.g. a service's language)."""
    return str(uuid.uuid5(NAMESPACE, f"{label}:{key}"))


def hsds_id(instance: Model) -> str:
    return derived_id(label_of(instance), instance.pk)


def id_for(model: type[Model], pk: int) -> str:
    """The id of a record known only by its pk (e.g. a foreign key's value)."""
    return derived_id(label_of(model), pk)


def pk_for(model: type[Model], hsds_identifier: str, candidates: Iterable[int]) -> int | None:
    """The pk among ``candidates`` whose derived id is ``hsds_identifier``, if any."""
    label = label_of(model)
    wanted = hsds_identifier.strip().lower()
    for pk in candidates:
        if derived_id(label, pk) == wanted:
            return pk
    return None
