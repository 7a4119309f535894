"""Which metropolitan cities a user's dashboards cover, and the period they look at.

Officials see the metropolitan cities of their organisations; administrators work for the
whole country and see every city. Nobody else has a dashboard. Dashboards show aggregates
only: no personal record is ever read into a page or an export.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils import timezone

from registry.models import MetropolitanCity
from services.memberships import scope_of
from services.models import Organisation, Role

TREND_MONTHS = 24
# The "last months" an official can choose, and the default.
MONTHS = (3, 6, 12, 24)
DEFAULT_MONTHS = 12


@dataclass(frozen=True)
class DashboardScope:
    national: bool
    city_ids: frozenset[int]

    @property
    def empty(self) -> bool:
        return not self.city_ids

    def cities(self) -> QuerySet[MetropolitanCity]:
        return MetropolitanCity.objects.filter(pk__in=self.city_ids).order_by("name")


def dashboard_scope(user) -> DashboardScope:
    """The cities of the user's dashboards (one query, cached on the user)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return DashboardScope(False, frozenset())
    cached = getattr(user, "_atlante_dashboard_scope", None)
    if cached is not None:
        return cached
    memberships = scope_of(user)
    if Role.ADMINISTRATOR in memberships.roles:
        all_cities = MetropolitanCity.objects.values_list("pk", flat=True)
        scope = DashboardScope(True, frozenset(all_cities))
    elif memberships.planning:
        cities = Organisation.objects.filter(pk__in=memberships.planning).values_list(
            "municipality__metropolitan_city", flat=True
        )
        scope = DashboardScope(False, frozenset(city for city in cities if city))
    else:
        scope = DashboardScope(False, frozenset())
    user._atlante_dashboard_scope = scope
    return scope


@dataclass(frozen=True)
class Period:
    """Whole months, ``start`` (first day) to ``end`` (last day), both included."""

    start: datetime.date
    end: datetime.date

    @classmethod
    def last_months(cls, months: int, today: datetime.date | None = None) -> Period:
        today = today or timezone.localdate()
        end = today
        first = datetime.date(today.year, today.month, 1)
        year, month = first.year, first.month - (months - 1)
        while month <= 0:
            year, month = year - 1, month + 12
        return cls(datetime.date(year, month, 1), end)

    @classmethod
    def calendar_year(cls, year: int, today: datetime.date | None = None) -> Period:
        """A calendar year, up to today when it is this year."""
        today = today or timezone.localdate()
        return cls(datetime.date(year, 1, 1), min(datetime.date(year, 12, 31), today))

    def trend(self) -> Period:
        """The months of the trends beside this period: the 24 up to its end."""
        return Period.last_months(TREND_MONTHS, today=self.end)

    def months(self) -> list[datetime.date]:
        """The first day of each month of the period, in order."""
        result, day = [], datetime.date(self.start.year, self.start.month, 1)
        while day <= self.end:
            result.append(day)
            day = datetime.date(day.year + day.month // 12, day.month % 12 + 1, 1)
        return result
