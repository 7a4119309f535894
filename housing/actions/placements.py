"""Placing a case in a housing unit and ending a placement (inserimento abitativo).

Placing needs the person's consent to housing, given to the case's organisation; only the
case team places and ends (the unit's owner sees placements in its units, read-only).
The workspace, the admin and the API place and end through these two actions only.

The same rules as the PostgreSQL trigger and exclusion constraint (migration 0002), checked
first so that people get a precise message; the database stays the last word under
concurrency (and is the only word for writes that bypass these functions).
"""

from __future__ import annotations

import datetime

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from beneficiaries.actions.cases import case_for_work
from beneficiaries.activity import touch
from beneficiaries.consent import why_not
from beneficiaries.models import Case, ConsentPurpose
from core import audit
from core.errors import CONFLICT, FORBIDDEN, ActionError
from core.formats import short_date
from core.locking import check_version, locked
from housing.models import HousingUnit, Placement, UnitStatus

PLACEABLE_STATUSES = (UnitStatus.AVAILABLE, UnitStatus.OCCUPIED)


def _overlapping(queryset, starts_on: datetime.date, ends_on: datetime.date | None):
    """Placements whose [starts_on, ends_on) period meets the given one."""
    q = Q(ends_on__isnull=True) | Q(ends_on__gt=starts_on)
    if ends_on is not None:
        q &= Q(starts_on__lt=ends_on)
    return queryset.filter(q)


def peak_occupancy(
    unit: HousingUnit, starts_on: datetime.date, ends_on: datetime.date | None
) -> int:
    """Largest number of placements in the unit on any day of the given period."""
    periods = list(
        _overlapping(unit.placements.all(), starts_on, ends_on).values_list("starts_on", "ends_on")
    )
    # Occupancy only rises on a first day, so the peak is on one of them.
    days = {starts_on} | {start for start, _ in periods if start > starts_on}
    return max(
        (sum(1 for s, e in periods if s <= day and (e is None or day < e)) for day in days),
        default=0,
    )


def occupancy_today(unit: HousingUnit) -> int:
    today = timezone.localdate()
    return peak_occupancy(unit, today, today + datetime.timedelta(days=1))


def validate_placement(
    *,
    unit: HousingUnit,
    case: Case,
    starts_on: datetime.date,
    ends_on: datetime.date | None,
) -> None:
    """Raise ``ActionError`` (by field) if the placement breaks a housing rule: an empty
    period is bad input; a unit not ready, a person placed already or a full unit is a
    conflict with the stock's state. The case's own state is ``case_for_work``'s."""
    if ends_on is not None and ends_on <= starts_on:
        raise ActionError.on("ends_on", _("The end date must be after the start date."))
    if unit.status not in PLACEABLE_STATUSES:
        raise ActionError.on(
            "unit",
            _("The unit is %(status)s: only available or occupied units take placements.")
            % {"status": unit.get_status_display()},
            kind=CONFLICT,
        )
    errors: dict[str, list[str]] = {}
    same_person = _overlapping(
        Placement.objects.filter(beneficiary_id=case.beneficiary_id),
        starts_on,
        ends_on,
    )
    if same_person.exists():
        errors["starts_on"] = [_("This person already has a placement in this period.")]
    if peak_occupancy(unit, starts_on, ends_on) + 1 > unit.places:
        errors["unit"] = [
            ngettext(
                "The unit has %(places)d place, taken in this period.",
                "The unit has %(places)d places, all taken in this period.",
                unit.places,
            )
            % {"places": unit.places}
        ]
    if errors:
        raise ActionError(errors, kind=CONFLICT)


def placement_has_ended(placement: Placement) -> bool:
    """Whether nothing is left to end: its end day has come, or its end is recorded
    (a reason given) for a later day. A placement without an end date is running."""
    ends_on = placement.ends_on
    return ends_on is not None and (ends_on <= timezone.localdate() or bool(placement.end_reason))


def _require_housing_consent(case: Case) -> None:
    refusal = why_not(
        beneficiary_id=case.beneficiary_id,
        organisation_id=case.organisation_id,
        purpose=ConsentPurpose.HOUSING,
    )
    if refusal:
        raise ActionError.on("case", refusal, kind=CONFLICT)


def _set_unit_status(unit: HousingUnit, status: str) -> bool:
    """Move the unit to ``status`` from today (the unit is locked by the caller)."""
    if unit.status == status:
        return False
    unit.status, unit.status_since = status, timezone.localdate()
    unit.save(update_fields=["status", "status_since"])
    return True


@transaction.atomic
def placement_create(
    *,
    acting_user,
    unit: HousingUnit,
    case: Case,
    starts_on: datetime.date,
    ends_on: datetime.date | None = None,
) -> Placement:
    """Place a case's person in a unit; the unit becomes occupied when it is full today.

    Only the case team places, on a case that is not closed, with the person's consent
    to housing given to the case's organisation."""
    case = case_for_work(acting_user, case)
    _require_housing_consent(case)
    # The database trigger takes the same lock: concurrent placements queue up here.
    unit = locked(HousingUnit.objects.all(), unit.pk)
    validate_placement(unit=unit, case=case, starts_on=starts_on, ends_on=ends_on)
    placement = Placement(unit=unit, case=case, starts_on=starts_on, ends_on=ends_on)
    placement.beneficiary_id = case.beneficiary_id
    try:
        with transaction.atomic():
            placement.save()
    except IntegrityError as error:
        # Only a concurrent write can get here past the checks above.
        raise ActionError.on(
            "unit",
            _("Someone placed a person in this unit, or this person, meanwhile: try again."),
            kind=CONFLICT,
        ) from error
    full = unit.status == UnitStatus.AVAILABLE and occupancy_today(unit) >= unit.places
    if full:
        _set_unit_status(unit, UnitStatus.OCCUPIED)
    audit.record(
        acting_user=acting_user,
        action="placement_create",
        target=placement,
        case_id=case.pk,
        fields=["unit", "case", "starts_on"] + (["ends_on"] if ends_on else []),
        details={"unit": unit.pk, "unit_status": unit.status},
    )
    touch(case.pk)
    return placement


@transaction.atomic
def placement_end(
    *,
    acting_user,
    placement: Placement,
    ends_on: datetime.date | None,
    reason: str,
    version: int | None = None,
) -> Placement:
    """End a placement on a date (exclusive), or bring a planned end forward; the unit
    becomes available if it frees up today. The case team ends it, on a closed case too
    (a tenancy may outlive its case). An ended placement stays as it is, and an end is
    never pushed later here (that would be a new placement)."""
    try:
        placement = locked(
            Placement.objects.filter(case__in=Case.objects.worked_on_by(acting_user)),
            placement.pk,
        )
    except Placement.DoesNotExist:
        raise ActionError.on(
            "placement", _("Only the case team can end this placement."), kind=FORBIDDEN
        ) from None
    check_version(placement, version)
    planned = placement.ends_on
    if placement_has_ended(placement):
        raise ActionError.on(
            "ends_on",
            _("This placement already ended on %(date)s.") % {"date": short_date(planned)}
            if planned <= timezone.localdate()
            else _("The end of this placement is recorded already: it ends on %(date)s.")
            % {"date": short_date(planned)},
            kind=CONFLICT,
        )
    if ends_on is None:
        raise ActionError.on("ends_on", _("Give the day the placement ends."))
    if ends_on <= placement.starts_on:
        raise ActionError.on("ends_on", _("The end date must be after the start date."))
    if planned is not None and ends_on > planned:
        raise ActionError.on(
            "ends_on",
            _("The placement is planned to end on %(date)s: here it can only end earlier.")
            % {"date": short_date(planned)},
        )
    if not (reason or "").strip():
        raise ActionError.on("end_reason", _("Say why the placement ends."))
    placement.ends_on, placement.end_reason = ends_on, reason.strip()
    placement.save(update_fields=["ends_on", "end_reason"])
    unit = locked(HousingUnit.objects.all(), placement.unit_id)
    if unit.status == UnitStatus.OCCUPIED and occupancy_today(unit) < unit.places:
        _set_unit_status(unit, UnitStatus.AVAILABLE)
    audit.record(
        acting_user=acting_user,
        action="placement_end",
        target=placement,
        case_id=placement.case_id,
        fields=["ends_on", "end_reason"],
        details={"unit": unit.pk, "unit_status": unit.status},
    )
    touch(placement.case_id)
    return placement
