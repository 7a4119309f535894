"""Capacity of a service at a site, and how much of it is free now (posti liberi).

Written by the staff of the organisation that runs the service (or an administrator),
from the provider page, the admin and the API alike, against the version read."""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction

from core import audit
from core.actions import apply_changes, full_clean
from core.locking import check_version, locked
from services.actions.scope import require_editor, require_new_owner
from services.models import Capacity, ServiceAtSite

CAPACITY_FIELDS = ("offering", "unit", "total", "available", "description")
# A second capacity in one unit stands by the unit.
CAPACITY_CONSTRAINT_FIELDS = {"capacity_one_per_unit": "unit"}


def _organisation_of(offering_id) -> int | None:
    return (
        ServiceAtSite.objects.filter(pk=offering_id)
        .values_list("service__organisation_id", flat=True)
        .first()
    )


@transaction.atomic
def capacity_create(
    *,
    acting_user,
    offering: ServiceAtSite,
    unit: str,
    total: Decimal,
    available: Decimal | None = None,
    description: str = "",
) -> Capacity:
    """Say how much of a service a site offers, in one unit (beds, places, hours...)."""
    # The offering's row lock queues the capacities of one offering up.
    offering = locked(ServiceAtSite.objects.select_related("service"), offering.pk)
    require_new_owner(acting_user, offering.service.organisation_id, field="offering")
    capacity = Capacity(
        offering=offering, unit=unit, total=total, available=available, description=description
    )
    full_clean(capacity, fields_of=CAPACITY_CONSTRAINT_FIELDS)
    capacity.save()
    audit.record(
        acting_user=acting_user,
        action="capacity_create",
        target=capacity,
        fields=["offering", "unit", "total"]
        + (["available"] if available is not None else [])
        + (["description"] if description else []),
        details={"offering": offering.pk},
    )
    return capacity


@transaction.atomic
def capacity_update(*, acting_user, capacity: Capacity, version: int | None, **changes) -> Capacity:
    """Change free places (``available``), the total or the description against the
    version read; only the fields given change."""
    # Only the capacity's row is locked (``locked`` locks the queryset's own table).
    capacity = locked(Capacity.objects.select_related("offering__service"), capacity.pk)
    require_editor(acting_user, capacity.offering.service.organisation_id, field="capacity")
    check_version(capacity, version)
    before = {"available": capacity.available, "total": capacity.total}
    changed = apply_changes(capacity, changes, CAPACITY_FIELDS)
    if "offering" in changed:
        require_new_owner(acting_user, _organisation_of(capacity.offering_id), field="offering")
    full_clean(capacity, fields_of=CAPACITY_CONSTRAINT_FIELDS)
    capacity.save()
    audit.record(
        acting_user=acting_user,
        action="capacity_update",
        target=capacity,
        fields=changed,
        details={
            name: {"from": str(before[name]), "to": str(getattr(capacity, name))}
            for name in ("available", "total")
            if name in changed
        },
    )
    return capacity


@transaction.atomic
def capacity_remove(*, acting_user, capacity: Capacity, version: int | None = None) -> None:
    """Take a capacity off a service at a site (e.g. a unit it no longer counts in)."""
    capacity = locked(Capacity.objects.select_related("offering__service"), capacity.pk)
    require_editor(acting_user, capacity.offering.service.organisation_id, field="offering")
    check_version(capacity, version)
    audit.record(
        acting_user=acting_user,
        action="capacity_remove",
        target=capacity,
        fields=["offering", "unit"],
        details={"offering": capacity.offering_id, "unit": capacity.unit},
    )
    capacity.delete()
