"""Opening hours of a service at a site: weekly intervals, added, changed or removed one
at a time.

An interval has no version of its own: the schedule is versioned as a whole by its
service at a site (the offering), whose row every change locks and whose version every
change moves on, so that two people editing one schedule never overwrite each other
unseen, and partners syncing by ``modified_after`` see the offering changed.
"""

from __future__ import annotations

import datetime

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from core import audit
from core.actions import apply_changes, full_clean
from core.errors import FORBIDDEN, ActionError
from core.locking import check_version, locked
from services.actions.scope import require_editor
from services.models import OpeningHours, ServiceAtSite

HOURS_FIELDS = ("weekday", "opens_at", "closes_at", "valid_from", "valid_to")


def _schedule(acting_user, offering_id, version: int | None) -> ServiceAtSite:
    """The offering under a row lock, if the user keeps its service's records and read
    its current version."""
    offering = locked(ServiceAtSite.objects.select_related("service"), offering_id)
    require_editor(acting_user, offering.service.organisation_id, field="offering")
    check_version(offering, version)
    return offering


def _moved_on(offering: ServiceAtSite) -> None:
    """The schedule changed: a new version of the offering (without its save signals,
    which would recompute coverage for a change that does not weigh on it)."""
    # The row is locked (``_schedule``): its version is the one read, one up.
    now = timezone.now()
    ServiceAtSite.objects.filter(pk=offering.pk).update(version=F("version") + 1, updated_at=now)
    offering.version, offering.updated_at = offering.version + 1, now


def _hours_of(offering: ServiceAtSite, hours: OpeningHours) -> OpeningHours:
    try:
        return locked(OpeningHours.objects.filter(offering=offering), hours.pk)
    except OpeningHours.DoesNotExist:
        raise ActionError.on(
            "hours", _("These opening hours are not of this service at this site."), kind=FORBIDDEN
        ) from None


@transaction.atomic
def hours_add(
    *,
    acting_user,
    offering: ServiceAtSite,
    weekday: int,
    opens_at: datetime.time,
    closes_at: datetime.time,
    valid_from: datetime.date | None = None,
    valid_to: datetime.date | None = None,
    version: int | None = None,
) -> OpeningHours:
    """Add a weekly interval (``closes_at`` before ``opens_at``: it runs past midnight)."""
    offering = _schedule(acting_user, offering.pk, version)
    hours = OpeningHours(
        offering=offering,
        weekday=weekday,
        opens_at=opens_at,
        closes_at=closes_at,
        valid_from=valid_from,
        valid_to=valid_to,
    )
    full_clean(hours, exclude=["offering"])
    hours.save()
    _moved_on(offering)
    audit.record(
        acting_user=acting_user,
        action="hours_add",
        target=hours,
        fields=[name for name in HOURS_FIELDS if getattr(hours, name) is not None],
        details={"offering": offering.pk, "offering_version": offering.version},
    )
    return hours


@transaction.atomic
def hours_update(
    *, acting_user, hours: OpeningHours, version: int | None = None, **changes
) -> OpeningHours:
    """Change an interval; only the fields given change."""
    offering = _schedule(acting_user, hours.offering_id, version)
    hours = _hours_of(offering, hours)
    changed = apply_changes(hours, changes, HOURS_FIELDS)
    full_clean(hours, exclude=["offering"])
    hours.save()
    _moved_on(offering)
    audit.record(
        acting_user=acting_user,
        action="hours_update",
        target=hours,
        fields=changed,
        details={"offering": offering.pk, "offering_version": offering.version},
    )
    return hours


@transaction.atomic
def hours_remove(*, acting_user, hours: OpeningHours, version: int | None = None) -> None:
    """Remove an interval from the schedule."""
    offering = _schedule(acting_user, hours.offering_id, version)
    hours = _hours_of(offering, hours)
    _moved_on(offering)
    audit.record(
        acting_user=acting_user,
        action="hours_remove",
        target=hours,
        fields=list(HOURS_FIELDS),
        details={"offering": offering.pk, "offering_version": offering.version},
    )
    hours.delete()
