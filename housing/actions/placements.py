"""Placing a case in a housing unit and ending a placement (inserimento abitativo).

Placing needs the person's consent to housing, given to the case's organisation; only the
case team places and ends (the unit's owner sees placements in its units, read-only).

The same rules as the PostgreSQL trigger and exclusion constraint (migration 0002), checked
first so that people get a precise message; the database stays the last word under
concurrency (and is the only word for writes that bypass these functions).
"""

import datetime

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from beneficiaries.actions.cases import case_for_work
from beneficiaries.activity import touch
from beneficiaries.consent import why_not
from beneficiaries.models import Case, CaseStatus, ConsentPurpose
from core import audit
from core.errors import CONFLICT, FORBIDDEN, ActionError
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
    unit: HousingUnit,
    starts_on: datetime.date,
    ends_on: datetime.date | None,
    *,
    exclude_id=None,
) -> int:
    """Largest number of placements in the unit on any day of the given period."""
    periods = list(
        _overlapping(unit.placements.exclude(pk=exclude_id), starts_on, ends_on).values_list(
            "starts_on", "ends_on"
        )
    )
    # Occupancy only rises on a first day, so the peak is on one of them.
    days = {starts_on} | {start for start, _ in periods if start > starts_on}
    return max(
        (sum(1 for s, e in periods if s <= day and (e is None or day < e)) for day in days),
        default=0,
    )


def occupancy_today(unit: HousingUnit) -> int:
    today = datetime.date.today()
    return peak_occupancy(unit, today, today + datetime.timedelta(days=1))


def validate_placement(
    *,
    unit: HousingUnit,
    case: Case,
    starts_on: datetime.date,
    ends_on: datetime.date | None,
    exclude_id=None,
) -> None:
    """Raise ValidationError (by field) if the placement breaks a housing rule."""
    errors: dict[str, list[str]] = {}
    if ends_on is not None and ends_on <= starts_on:
        errors.setdefault("ends_on", []).append(_("The end date must be after the start date."))
    if case.status == CaseStatus.CLOSED:
        errors.setdefault("case", []).append(_("The case is closed."))
    if unit.status not in PLACEABLE_STATUSES:
        errors.setdefault("unit", []).append(
            _("The unit is %(status)s: only available or occupied units take placements.")
            % {"status": unit.get_status_display()}
        )
    if not errors:
        same_person = _overlapping(
            Placement.objects.filter(beneficiary_id=case.beneficiary_id).exclude(pk=exclude_id),
            starts_on,
            ends_on,
        )
        if same_person.exists():
            errors.setdefault("starts_on", []).append(
                _("This person already has a placement in this period.")
            )
        peak = peak_occupancy(unit, starts_on, ends_on, exclude_id=exclude_id)
        if peak + 1 > unit.places:
            errors.setdefault("unit", []).append(
                ngettext(
                    "The unit has %(places)d place, taken in this period.",
                    "The unit has %(places)d places, all taken in this period.",
                    unit.places,
                )
                % {"places": unit.places}
            )
    if errors:
        raise ActionError(errors)


@transaction.atomic
def placement_create(
    *,
    acting_user,
    unit: HousingUnit,
    case: Case,
    starts_on: datetime.date,
    ends_on: datetime.date | None = None,
) -> Placement:
    """Place a case's person in a unit; the unit becomes occupied when it is full today."""
    case = case_for_work(acting_user, case)
    refusal = why_not(
        beneficiary_id=case.beneficiary_id,
        organisation_id=case.organisation_id,
        purpose=ConsentPurpose.HOUSING,
    )
    if refusal:
        raise ActionError.on("case", refusal, kind=CONFLICT)
    unit = HousingUnit.objects.select_for_update().get(pk=unit.pk)
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
    if unit.status == UnitStatus.AVAILABLE and occupancy_today(unit) >= unit.places:
        unit.status, unit.status_since = UnitStatus.OCCUPIED, datetime.date.today()
        unit.save(update_fields=["status", "status_since", "updated_at"])
    audit.record(
        acting_user=acting_user,
        action="placement_create",
        target=placement,
        case_id=case.pk,
        fields=["unit", "case", "starts_on"] + (["ends_on"] if ends_on else []),
    )
    touch(case.pk)
    return placement


@transaction.atomic
def placement_end(
    *,
    acting_user,
    placement: Placement,
    ends_on: datetime.date,
    reason: str,
    version: int | None = None,
) -> Placement:
    """End a placement on a date (exclusive); the unit becomes available if it frees up.
    The case team ends it, on a closed case too (a tenancy may outlive its case)."""
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
    if placement.ends_on is not None and placement.ends_on <= datetime.date.today():
        raise ActionError.on(
            "ends_on",
            _("This placement ended on %(date)s.") % {"date": placement.ends_on.isoformat()},
            kind=CONFLICT,
        )
    if ends_on <= placement.starts_on:
        raise ActionError.on("ends_on", _("The end date must be after the start date."))
    if not (reason or "").strip():
        raise ActionError.on("end_reason", _("Say why the placement ends."))
    placement.ends_on, placement.end_reason = ends_on, reason.strip()
    placement.save(update_fields=["ends_on", "end_reason", "updated_at"])
    unit = HousingUnit.objects.select_for_update().get(pk=placement.unit_id)
    if unit.status == UnitStatus.OCCUPIED and occupancy_today(unit) < unit.places:
        unit.status, unit.status_since = UnitStatus.AVAILABLE, datetime.date.today()
        unit.save(update_fields=["status", "status_since", "updated_at"])
    audit.record(
        acting_user=acting_user,
        action="placement_end",
        target=placement,
        case_id=placement.case_id,
        fields=["ends_on", "end_reason"],
    )
    touch(placement.case_id)
    return placement
