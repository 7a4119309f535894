"""Published tables made only of the facts, kept in the shared cache until the next refresh.

A table of cases, referrals or services (``FACT_TABLES``) is a function of the facts
(``dashboards.models``), the area, the period and the language: between two refreshes of
the facts it cannot change. So it is published once per refresh and read from the cache
by every page after, under a key that holds the time of the refresh: a refresh makes new
keys, and the old ones expire. The refresh job publishes the city pages' tables for the
default period in every language at once (:func:`warm_city_tables`), so that the first
official to open a city's dashboard after a refresh does not wait for them.

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

from dashboards import indicators
from dashboards.indicators import Area
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


def fact_table(
    table_key: str, area: Area, period: Period, stamp: datetime.datetime | None
) -> Table:
    """The published table of facts, from the cache when this refresh already published it."""
    build = FACT_TABLES[table_key]
    if stamp is None:
        return build(area, period).publish()
    key = _key(table_key, area, period, stamp)
    table = cache.get(key)
    if table is None:
        table = build(area, period).publish()
        _keep(key, table)
    return table


def warm_city_tables(today: datetime.date | None = None) -> int:
    """Publish the fact tables of every city's dashboard (default period, each language)
    for the latest refresh; returns how many tables were published."""
    from dashboards.facts import last_refreshed
    from dashboards.views.pages import DEFAULT_MONTHS
    from registry.models import MetropolitanCity

    stamp = last_refreshed()
    if stamp is None:
        return 0
    period = Period.last_months(DEFAULT_MONTHS, today)
    published = 0
    for city in MetropolitanCity.objects.order_by("slug"):
        area = Area(city)
        for language, _name in settings.LANGUAGES:
            with translation.override(language):
                for table_key, build in FACT_TABLES.items():
                    _keep(_key(table_key, area, period, stamp), build(area, period).publish())
                    published += 1
    return published
