"""What the directory actions share: a record's changes applied field by field, the
model's own rules as an ``ActionError``, and the audit row."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import models

from core.errors import ActionError


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


def full_clean(
    instance: models.Model,
    exclude: Iterable[str] = (),
    fields_of: Mapping[str, str] | None = None,
) -> None:
    """The model's validators and constraints, refused by field as an action's error.

    ``fields_of`` names the field a check constraint's message stands by (by the
    constraint's code) where it is not the first field of its condition (e.g. the fees
    of a service that is not free stand by the fees, not by "free of charge")."""
    try:
        instance.full_clean(exclude=list(exclude))
    except ValidationError as error:
        if fields_of and hasattr(error, "error_dict"):
            moved: dict[str, list] = {}
            for name, items in error.error_dict.items():
                for item in items:
                    target = name
                    if name == NON_FIELD_ERRORS:
                        target = fields_of.get(getattr(item, "code", None) or "", name)
                    moved.setdefault(target, []).append(item)
            error = ValidationError(moved)
        raise ActionError.of(error) from None


def set_many(instance: models.Model, many: Mapping[str, Iterable]) -> list[str]:
    """Set many-to-many fields (e.g. a service's categories); the names that changed."""
    changed = []
    for name, values in many.items():
        values = list(values)
        manager = getattr(instance, name)
        if {obj.pk for obj in manager.all()} != {obj.pk for obj in values}:
            changed.append(name)
        manager.set(values)
    return changed


def adopt(held: models.Model, saved: models.Model) -> models.Model:
    """Make the object an entry point holds the saved one (its id, values and version),
    for the doors that go on with the object they built (the admin's log and redirect,
    the API's answer and ETag)."""
    for field in saved._meta.concrete_fields:
        # Setting a foreign key's id drops its cached record if the id changed.
        setattr(held, field.attname, getattr(saved, field.attname))
    held._state.adding, held._state.db = False, saved._state.db
    return held
