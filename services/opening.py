"""Whether an opening interval covers a moment (``open_now``, ``open_at``).

Opening hours are weekly intervals in Europe/Rome local time: ``weekday`` 1 (Monday) to
7 (Sunday), ``opens_at`` inclusive, ``closes_at`` exclusive; ``closes_at`` earlier than
``opens_at`` means the interval runs past midnight into the next day (Sunday's into
Monday's). ``valid_from``/``valid_to`` bound the days on which an interval *starts*.
"""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

from django.db.models import F, Q
from django.utils import timezone

LOCAL_TIME_ZONE = ZoneInfo("Europe/Rome")


def current_moment() -> datetime.datetime:
    """Now (a seam for tests)."""
    return timezone.now()


def local_moment(moment: datetime.datetime) -> datetime.datetime:
    """The moment in Europe/Rome; a naive datetime is taken as Rome's wall-clock time."""
    if timezone.is_naive(moment):
        return moment.replace(tzinfo=LOCAL_TIME_ZONE)
    return moment.astimezone(LOCAL_TIME_ZONE)


def valid_on_q(day: datetime.date, prefix: str = "") -> Q:
    return (Q(**{f"{prefix}valid_from__isnull": True}) | Q(**{f"{prefix}valid_from__lte": day})) & (
        Q(**{f"{prefix}valid_to__isnull": True}) | Q(**{f"{prefix}valid_to__gte": day})
    )


def open_at_q(moment: datetime.datetime, prefix: str = "") -> Q:
    """For an OpeningHours queryset (fields under ``prefix``): the intervals covering
    ``moment``.

    Either an interval of that day has opened and not yet closed (or runs past midnight),
    or the previous day's interval runs past midnight and has not yet closed.
    """
    local = local_moment(moment)
    day, time = local.date(), local.time().replace(tzinfo=None)
    previous_day = day - datetime.timedelta(days=1)
    opens_at, closes_at = f"{prefix}opens_at", f"{prefix}closes_at"
    overnight = Q(**{f"{closes_at}__lt": F(opens_at)})
    started_today = (
        Q(**{f"{prefix}weekday": day.isoweekday(), f"{opens_at}__lte": time})
        & (Q(**{f"{closes_at}__gt": time}) | overnight)
        & valid_on_q(day, prefix)
    )
    started_yesterday = (
        Q(**{f"{prefix}weekday": previous_day.isoweekday(), f"{closes_at}__gt": time})
        & overnight
        & valid_on_q(previous_day, prefix)
    )
    return started_today | started_yesterday
