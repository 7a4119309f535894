"""Keeping the housing stock: adding a unit and changing one (its status in the recovery
pipeline, its places, where it is and who owns it).

The staff of the owning organisation keep its units, and administrators keep them all
(``services/actions/scope.py``, the directory's one rule). A confidential unit's address,
its flag and its owner are changed by the owner's own staff only: nobody else ever sees
them. Places never drop below the unit's current or planned occupancy (the rule of the
database trigger ``unit_places_cover_placements``, said first with the number).
"""

from __future__ import annotations

import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core import audit
from core.actions import apply_changes, full_clean
from core.errors import CONFLICT, ActionError
from core.locking import check_version, locked
from housing.actions.placements import peak_occupancy
from housing.models import HousingUnit, UnitStatus
from services.actions.scope import (
    refuse_outsiders_on_confidential,
    require_editor,
    require_new_owner,
)
from services.confidentiality import ADDRESS_FIELDS

# What a confidential unit keeps from everyone but its owner's staff.
OWNER_ONLY_WHEN_CONFIDENTIAL = (*ADDRESS_FIELDS, "confidential", "owner")
UNIT_FIELDS = (
    "code",
    "unit_type",
    "owner",
    "status",
    "status_since",
    "municipality",
    *ADDRESS_FIELDS,
    "rooms",
    "places",
    "barrier_free",
    "confidential",
)


def _check_places(unit: HousingUnit) -> None:
    """Refuse fewer places than the unit's current or planned placements at once."""
    peak = peak_occupancy(unit, timezone.localdate(), None)
    if peak > unit.places:
        raise ActionError.on(
            "places",
            _(
                "The unit has %(peak)d current or planned placements at once: "
                "places cannot be fewer."
            )
            % {"peak": peak},
            kind=CONFLICT,
        )


def _save(unit: HousingUnit) -> None:
    try:
        with transaction.atomic():
            unit.save()
    except IntegrityError as error:
        # Only a placement made meanwhile can get here past the check of places.
        raise ActionError.on(
            "places",
            _("Someone placed a person in this unit meanwhile: check its places again."),
            kind=CONFLICT,
        ) from error


@transaction.atomic
def unit_create(
    *,
    acting_user,
    code: str,
    unit_type: str,
    owner,
    municipality,
    address: str,
    postal_code: str,
    rooms: int,
    places: int,
    status: str = UnitStatus.IDENTIFIED,
    status_since: datetime.date | None = None,
    latitude: float | None = None,
    longitude: float | None = None,
    barrier_free: bool = False,
    confidential: bool = False,
) -> HousingUnit:
    """Add a unit to the stock of an organisation whose records the user keeps."""
    require_new_owner(acting_user, getattr(owner, "pk", None), field="owner")
    unit = HousingUnit(
        code=code,
        unit_type=unit_type,
        owner=owner,
        municipality=municipality,
        address=address,
        postal_code=postal_code,
        rooms=rooms,
        places=places,
        status=status,
        status_since=status_since or timezone.localdate(),
        latitude=latitude,
        longitude=longitude,
        barrier_free=barrier_free,
        confidential=confidential,
    )
    full_clean(unit)
    unit.save()
    audit.record(
        acting_user=acting_user,
        action="unit_create",
        target=unit,
        fields=[name for name in UNIT_FIELDS if getattr(unit, name) not in (None, "", False)],
        details={"status": unit.status},
    )
    return unit


@transaction.atomic
def unit_update(*, acting_user, unit: HousingUnit, version: int | None, **changes) -> HousingUnit:
    """Change a unit against the version the user read; only the fields given change.

    A new status starts today unless ``status_since`` says otherwise."""
    unit = locked(HousingUnit.objects.all(), unit.pk)
    require_editor(acting_user, unit.owner_id, field="owner")
    check_version(unit, version)
    before = {"status": unit.status, "places": unit.places}
    refuse_outsiders_on_confidential(
        acting_user,
        organisation_id=unit.owner_id,
        confidential=unit.confidential,
        record=unit,
        changes=changes,
        guarded=OWNER_ONLY_WHEN_CONFIDENTIAL,
    )
    if "status" in changes and changes["status"] != unit.status:
        changes.setdefault("status_since", timezone.localdate())
    changed = apply_changes(unit, changes, UNIT_FIELDS)
    if "owner" in changed:
        require_new_owner(acting_user, unit.owner_id, field="owner")
    if "places" in changed and unit.places is not None and unit.places < before["places"]:
        _check_places(unit)
    full_clean(unit)
    _save(unit)
    details = {}
    if "status" in changed:
        details = {"from": before["status"], "to": unit.status}
    audit.record(
        acting_user=acting_user, action="unit_update", target=unit, fields=changed, details=details
    )
    return unit
