"""What every domain action shares: changes applied field by field, and the model's own
rules (validators, check and unique constraints) as an ``ActionError`` by field."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import models

from core.errors import CONFLICT, INVALID, ActionError

# Django's codes for a unique field's and a unique_together's violation.
UNIQUE_CODES = frozenset({"unique", "unique_together"})


def apply_changes(
    instance: models.Model, changes: Mapping[str, object], allowed: Iterable[str]
) -> list[str]:
    """Set the given fields on the record; the names of those whose value differs.

    A field the action does not write is a programming error, never silently ignored."""
    unknown = set(changes) - set(allowed)
    if unknown:
        raise TypeError(f"Cannot change {', '.join(sorted(unknown))} here.")
    changed = []
    for name, value in changes.items():
        field = instance._meta.get_field(name)
        current = getattr(instance, field.attname)
        new = value.pk if field.is_relation and isinstance(value, models.Model) else value
        if current != new:
            changed.append(name)
        setattr(instance, name, value)
    return changed


def unique_codes(instance: models.Model) -> frozenset[str]:
    """The codes a violation of the model's uniqueness rules comes with: Django's own, and
    each ``UniqueConstraint``'s ``violation_error_code``."""
    codes = set(UNIQUE_CODES)
    for _model, constraints in instance.get_constraints():
        for constraint in constraints:
            if isinstance(constraint, models.UniqueConstraint) and constraint.violation_error_code:
                codes.add(constraint.violation_error_code)
    return frozenset(codes)


def full_clean(
    instance: models.Model,
    exclude: Iterable[str] = (),
    fields_of: Mapping[str, str] | None = None,
) -> None:
    """The model's validators and constraints, refused by field as an action's error.

    A record that only clashes with another one (a unique field or constraint) is a
    ``conflict`` with the stored state; any other refusal is bad input (``invalid``).

    ``fields_of`` names the field a constraint's message stands by (by the constraint's
    code) where it is not the first field of its condition (e.g. the fees of a service
    that is not free stand by the fees, not by "free of charge"; a service offered twice
    at a site by the site)."""
    try:
        instance.full_clean(exclude=list(exclude))
    except ValidationError as error:
        items = (
            [item for values in error.error_dict.values() for item in values]
            if hasattr(error, "error_dict")
            else error.error_list
        )
        clashes = unique_codes(instance)
        clashing = bool(items) and all(getattr(i, "code", None) in clashes for i in items)
        kind = CONFLICT if clashing else INVALID
        if fields_of and hasattr(error, "error_dict"):
            moved: dict[str, list] = {}
            for name, values in error.error_dict.items():
                for item in values:
                    target = name
                    if name == NON_FIELD_ERRORS:
                        target = fields_of.get(getattr(item, "code", None) or "", name)
                    moved.setdefault(target, []).append(item)
            error = ValidationError(moved)
        raise ActionError.of(error, kind=kind) from None
