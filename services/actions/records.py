"""What the directory actions share beyond ``core.actions``: many-to-many changes, the
saved record handed back to the admin, and the audit row."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from django.db import models


def set_many(instance: models.Model, many: Mapping[str, Iterable]) -> list[str]:
    """Set many-to-many fields (e.g. a service's categories); the names that changed."""
    changed = []
    for name, values in many.items():
        values = list(values)
        manager = getattr(instance, name)
        if set(manager.values_list("pk", flat=True)) != {obj.pk for obj in values}:
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
