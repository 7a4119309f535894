"""Published tables made only of the facts, kept in the shared cache until the next refresh.

A table of cases, referrals or services (``FACT_TABLES``) is a function of the facts
(``dashboards.models``), the area, the period and the language: between two refreshes of
the facts it cannot change. So it is published once per refresh and read from the cache
by every page after, under a key that holds the time of the refresh: a refresh makes new
keys, and the old ones expire. The refresh job publishes the city pages' tables for the
default period in every language at once (:func:`warm_city_tables`), so that the first
official to open a city's dashboard after a refresh does not wait for them.

The tables of cases and referrals are cut from the city's figures for every period an
official can select (``dashboards.periods``: suppressed together, so that no period or
page can be subtracted from another); those figures are kept the same way, once per
refresh, city, category and day.

Tables that read live rows (housing, Housing First, trends with their placements) and the
coverage tables are not kept. SQLite (the embedded default) has live views and no refresh
time: nothing is kept there.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache
from django.utils import translation

from dashboards import indicators, periods
from dashboards.indicators import Area
from dashboards.periods import Family, Figures
from dashboards.scope import Period
from dashboards.tables import Table

# The tables made only of facts, each built from its area and period.
FACT_TABLES: dict[str, Callable[[Area, Period], Table]] = {
    "casework": indicators.casework_table,
    "referrals": indicators.referrals_table,
    "services": lambda area, _period: indicators.services_table(area),
}


def _key(table_key: str, area: Area, period: Period, stamp: datetime.datetime) -> str:
    parts = [
        table_key,
        stamp.isoformat(),
        str(area.city.pk),
        str(area.zone.pk if area.zone else "-"),
        str(area.municipality.pk if area.municipality else "-"),
        str(area.category.pk if area.category else "-"),
        period.start.isoformat(),
        period.end.isoformat(),
        translation.get_language() or "-",
    ]
    return "dashboards:table:" + ":".join(parts)


def _keep(key: str, table: Table) -> None:
    # Two refresh periods: long enough to outlive the next refresh, then gone.
    cache.set(key, table, timeout=2 * settings.DASHBOARD_FACTS_REFRESH_SECONDS)


def _figures_key(city, family: Family, category, stamp: datetime.datetime) -> str:
    parts = [
        stamp.isoformat(),
        str(city.pk),
        category.code if category is not None else "-",
        # The family is a function of today and its first month (the first year).
        family.today.isoformat(),
        family.first.isoformat(),
    ]
    return "dashboards:figures:" + ":".join(parts)


def figures(
    city,
    family: Family,
    category=None,
    stamp: datetime.datetime | None = None,
    page: object | None = None,
) -> Figures:
    """The city's published figures of cases and referrals (of the category's services,
    with one) for every period of the family: kept until the next refresh. Without a
    refresh (SQLite's live views) they are kept for the page only (``page``: its Area)."""

    def build() -> Figures:
        if category is None:
            return periods.facts_figures(city, family)
        return periods.category_figures(city, family, category)

    if stamp is None:
        if page is None:
            return build()
        kept = page.__dict__.setdefault("_atlante_figures", {})
        key = (city.pk, category.pk if category is not None else None, family)
        if key not in kept:
            kept[key] = build()
        return kept[key]
    key = _figures_key(city, family, category, stamp)
    found = _RECENT.get(key) or cache.get(key)
    if found is None:
        found = build()
        cache.set(key, found, timeout=2 * settings.DASHBOARD_FACTS_REFRESH_SECONDS)
    return _remember(key, found)


# The latest figures in this process too: a page reads them for several tables, and
# unpickling them from the shared cache each time would cost more than the page itself.
_RECENT: dict[str, Figures] = {}
_RECENT_SIZE = 8


def _remember(key: str, found: Figures) -> Figures:
    _RECENT[key] = found
    while len(_RECENT) > _RECENT_SIZE:
        del _RECENT[next(iter(_RECENT))]
    return found


def placement_figures(city, family: Family) -> Figures:
    """The city's published placements (live rows): made again whenever a placement or a
    housing unit was added, changed or removed since (one query to know)."""
    from django.db.models import Count, Max

    from housing.models import HousingUnit, Placement

    placements = Placement.objects.aggregate(n=Count("pk"), at=Max("updated_at"))
    units = HousingUnit.objects.aggregate(n=Count("pk"), at=Max("updated_at"))
    version = [placements["n"], placements["at"], units["n"], units["at"]]
    key = "dashboards:placements:" + ":".join(
        [
            str(city.pk),
            family.today.isoformat(),
            family.first.isoformat(),
            *(v.isoformat() if hasattr(v, "isoformat") else str(v) for v in version),
        ]
    )
    found = cache.get(key)
    if found is None:
        found = periods.placement_figures(city, family)
        cache.set(key, found, timeout=settings.DASHBOARD_FACTS_REFRESH_SECONDS)
    return found


def _publish(
    table_key: str,
    area: Area,
    period: Period,
    stamp: datetime.datetime | None,
    family: Family | None,
) -> Table:
    if family is not None and family.has(period) and table_key in ("casework", "referrals"):
        build = periods.casework_table if table_key == "casework" else periods.referrals_table
        category = area.category if table_key == "referrals" else None
        try:
            return build(figures(area.city, family, category, stamp, page=area), area, period)
        except KeyError:
            # The city's Ambiti changed since the figures were kept: make them afresh.
            return build(figures(area.city, family, category), area, period)
    return FACT_TABLES[table_key](area, period).publish()


def fact_table(
    table_key: str,
    area: Area,
    period: Period,
    stamp: datetime.datetime | None,
    family: Family | None = None,
) -> Table:
    """The published table of facts, from the cache when this refresh already published it.

    With the family of periods the page offers (``dashboards.periods``), the tables of
    cases and referrals are published together with every other period and page of the
    city; without, or for a period outside it, the table is suppressed on its own.
    """
    if stamp is None:
        return _publish(table_key, area, period, stamp, family)
    key = _key(table_key, area, period, stamp)
    table = cache.get(key)
    if table is None:
        table = _publish(table_key, area, period, stamp, family)
        _keep(key, table)
    return table


def warm_city_tables(today: datetime.date | None = None) -> int:
    """Publish the fact tables of every city's dashboard (default period, each language)
    for the latest refresh; returns how many tables were published."""
    from django.utils import timezone

    from dashboards.facts import last_refreshed
    from dashboards.scope import DEFAULT_MONTHS
    from registry.models import MetropolitanCity

    stamp = last_refreshed()
    if stamp is None:
        return 0
    today = today or timezone.localdate()
    family = Family.on(today, periods.selectable_years(today))
    period = Period.last_months(DEFAULT_MONTHS, today)
    published = 0
    for city in MetropolitanCity.objects.order_by("slug"):
        area = Area(city)
        for language, _name in settings.LANGUAGES:
            with translation.override(language):
                for table_key in FACT_TABLES:
                    table = _publish(table_key, area, period, stamp, family)
                    _keep(_key(table_key, area, period, stamp), table)
                    published += 1
    return published
