"""The dashboards' facts (``dashboards.models.CaseFact``, ``ReferralFact``,
``OfferingFact``, ``MonthPeople``, ``DayFact``): their SQL, and their refresh.

PostgreSQL: materialized views with a unique index each, so that a refresh runs
``CONCURRENTLY`` (pages keep reading the previous rows meanwhile). SQLite: plain views.
A migration that changes a column these views read must drop them first and create them
again after (``views_operation``, backwards and forwards): PostgreSQL refuses otherwise.
"""

from __future__ import annotations

import datetime
import time

from django.db import connection, transaction
from django.utils import timezone

from beneficiaries.models import ReferralStatus
from services.models import CapacityUnit
from services.selectors import LISTED_SERVICE_STATUSES

CASE_FACTS = """
SELECT c.id AS case_id,
       COALESCE(b.residence_municipality_id, o.municipality_id) AS municipality_id,
       c.beneficiary_id AS beneficiary_id,
       c.opened_on AS opened_on,
       c.closed_on AS closed_on
FROM beneficiaries_case c
JOIN beneficiaries_beneficiary b ON b.id = c.beneficiary_id
JOIN services_organisation o ON o.id = c.organisation_id
"""

REFERRAL_FACTS = """
SELECT r.id AS referral_id,
       COALESCE(b.residence_municipality_id, o.municipality_id) AS municipality_id,
       r.service_id AS service_id,
       r.status AS status,
       r.referred_on AS referred_on,
       r.responded_on AS responded_on
FROM beneficiaries_referral r
JOIN beneficiaries_case c ON c.id = r.case_id
JOIN beneficiaries_beneficiary b ON b.id = c.beneficiary_id
JOIN services_organisation o ON o.id = c.organisation_id
"""

# Listed offerings (active site and service of active organisations, as the directory
# lists them) with the places of their capacities in beds or places. The statuses and units
# are written into the view: changing them in code needs a migration that recreates it.
_LISTED = ", ".join(f"'{status.value}'" for status in LISTED_SERVICE_STATUSES)
_PLACES = ", ".join(f"'{unit.value}'" for unit in (CapacityUnit.BEDS, CapacityUnit.PLACES))
OFFERING_FACTS = f"""
SELECT sas.id AS offering_id,
       sas.site_id AS site_id,
       sas.service_id AS service_id,
       st.municipality_id AS municipality_id,
       COALESCE(SUM(CASE WHEN c.unit IN ({_PLACES}) THEN c.available END), 0) AS free_places,
       COALESCE(SUM(CASE WHEN c.unit IN ({_PLACES}) THEN c.total END), 0) AS total_places
FROM services_serviceatsite sas
JOIN services_site st ON st.id = sas.site_id
JOIN services_organisation so ON so.id = st.organisation_id
JOIN services_service sv ON sv.id = sas.service_id
JOIN services_organisation vo ON vo.id = sv.organisation_id
LEFT JOIN services_capacity c ON c.offering_id = sas.id
WHERE st.active AND so.active AND vo.active AND sv.status IN ({_LISTED})
GROUP BY sas.id, sas.site_id, sas.service_id, st.municipality_id
"""  # noqa: S608 - code constants, no input

# Per municipality and day, the additive counts of the casework tables: cases opened and
# closed, referrals made (and by their status now, and still waiting now), referrals
# answered and the days they waited. Open cases at a date D are the cases opened up to D
# less those closed up to D (a case closes on or after the day it opened).
_STATUSES = tuple(status.value for status in ReferralStatus)
_PENDING = (ReferralStatus.REFERRED.value, ReferralStatus.WAITING.value)
_DAY_COLUMNS = (
    "opened",
    "closed",
    "referred",
    *(f"referred_{status}" for status in _STATUSES),
    "pending",
    "answered",
    "waited_days",
)


def _day_facts(days_between: str) -> str:
    def row(day: str, table: str, values: dict[str, str], where: str = "") -> str:
        cells = ", ".join(f"{values.get(column, '0')} AS {column}" for column in _DAY_COLUMNS)
        return f"SELECT municipality_id, {day} AS day, {cells} FROM {table} {where}"  # noqa: S608

    status_cells = {
        f"referred_{status}": f"CASE WHEN status = '{status}' THEN 1 ELSE 0 END"
        for status in _STATUSES
    }
    pending = ", ".join(f"'{status}'" for status in _PENDING)
    events = " UNION ALL ".join(
        [
            row("opened_on", "dashboards_casefact", {"opened": "1"}),
            row("closed_on", "dashboards_casefact", {"closed": "1"}, "WHERE closed_on IS NOT NULL"),
            row(
                "referred_on",
                "dashboards_referralfact",
                {
                    "referred": "1",
                    **status_cells,
                    "pending": f"CASE WHEN status IN ({pending}) THEN 1 ELSE 0 END",
                },
            ),
            row(
                "responded_on",
                "dashboards_referralfact",
                {"answered": "1", "waited_days": days_between},
                "WHERE responded_on IS NOT NULL",
            ),
        ]
    )
    sums = ", ".join(f"SUM({column}) AS {column}" for column in _DAY_COLUMNS)
    return (
        f"SELECT municipality_id, day, {sums} FROM ({events}) events "  # noqa: S608
        "GROUP BY municipality_id, day"
    )


DAY_FACTS = {
    "postgresql": _day_facts("responded_on - referred_on"),
    "sqlite": _day_facts("CAST(julianday(responded_on) - julianday(referred_on) AS INTEGER)"),
}

# Per municipality and month, the people whose case was opened that month (each once).
MONTH_PEOPLE = {
    "postgresql": (
        "SELECT municipality_id, date_trunc('month', opened_on)::date AS month, "
        "COUNT(DISTINCT beneficiary_id) AS people FROM dashboards_casefact "
        "GROUP BY municipality_id, date_trunc('month', opened_on)::date"
    ),
    "sqlite": (
        "SELECT municipality_id, date(opened_on, 'start of month') AS month, "
        "COUNT(DISTINCT beneficiary_id) AS people FROM dashboards_casefact "
        "GROUP BY municipality_id, date(opened_on, 'start of month')"
    ),
}

# Each view: its SQL, and its indexes on PostgreSQL (the first one unique, which a
# concurrent refresh needs). In refresh order.
VIEWS = {
    "dashboards_casefact": (
        CASE_FACTS,
        [
            "CREATE UNIQUE INDEX dashboards_casefact_pk ON dashboards_casefact (case_id)",
            # A page reads its municipalities' cases opened up to the end of its period.
            "CREATE INDEX dashboards_casefact_area ON dashboards_casefact "
            "(municipality_id, opened_on) INCLUDE (closed_on, beneficiary_id)",
            # The selector's first year: the first case opened.
            "CREATE INDEX dashboards_casefact_opened ON dashboards_casefact (opened_on)",
        ],
    ),
    "dashboards_referralfact": (
        REFERRAL_FACTS,
        [
            "CREATE UNIQUE INDEX dashboards_referralfact_pk "
            "ON dashboards_referralfact (referral_id)",
            "CREATE INDEX dashboards_referralfact_area ON dashboards_referralfact "
            "(municipality_id, referred_on) INCLUDE (status, responded_on, service_id)",
        ],
    ),
    "dashboards_offeringfact": (
        OFFERING_FACTS,
        [
            "CREATE UNIQUE INDEX dashboards_offeringfact_pk "
            "ON dashboards_offeringfact (offering_id)",
            "CREATE INDEX dashboards_offeringfact_area ON dashboards_offeringfact "
            "(municipality_id) INCLUDE (site_id, service_id, free_places, total_places)",
        ],
    ),
    # After the facts they add up (a refresh goes in this order).
    "dashboards_monthpeople": (
        MONTH_PEOPLE,
        [
            "CREATE UNIQUE INDEX dashboards_monthpeople_pk ON dashboards_monthpeople "
            "(municipality_id, month) INCLUDE (people)",
        ],
    ),
    "dashboards_dayfact": (
        DAY_FACTS,
        [
            "CREATE UNIQUE INDEX dashboards_dayfact_pk ON dashboards_dayfact "
            "(municipality_id, day)",
        ],
    ),
}


def views_operation(*names: str):
    """A migration operation creating these views (and dropping them backwards)."""
    from django.db import migrations

    def create(apps, schema_editor) -> None:
        db = schema_editor.connection
        with db.cursor() as cursor:
            for name in names:
                sql, indexes = VIEWS[name]
                if isinstance(sql, dict):  # SQL that differs by database
                    sql = sql[db.vendor]
                if db.vendor == "postgresql":
                    cursor.execute(f"CREATE MATERIALIZED VIEW {name} AS {sql}")
                    for index in indexes:
                        cursor.execute(index)
                else:
                    cursor.execute(f"CREATE VIEW {name} AS {sql}")

    def drop(apps, schema_editor) -> None:
        db = schema_editor.connection
        kind = "MATERIALIZED VIEW" if db.vendor == "postgresql" else "VIEW"
        with db.cursor() as cursor:
            for name in reversed(names):
                cursor.execute(f"DROP {kind} IF EXISTS {name}")

    return migrations.RunPython(create, drop)


def refresh_facts() -> float:
    """Bring the facts up to date with the cases and referrals; returns the seconds taken.

    On SQLite the views are always current: only the time is recorded.
    """
    from dashboards.models import FactsRefresh

    started = time.monotonic()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for view in VIEWS:  # in order: the day facts add up the case and referral facts
                # CONCURRENTLY: readers keep the previous rows until the new ones are in.
                cursor.execute(f"REFRESH MATERIALIZED VIEW CONCURRENTLY {view}")
                # Fresh statistics: autovacuum does not look after materialized views soon
                # enough, and stale ones lead the planner astray on the first pages.
                cursor.execute(f"ANALYZE {view}")
    seconds = time.monotonic() - started
    with transaction.atomic():
        FactsRefresh.objects.create(finished_at=timezone.now(), seconds=seconds)
        # Only the latest matters; keep a day's worth for the record.
        yesterday = timezone.now() - datetime.timedelta(days=1)
        FactsRefresh.objects.filter(finished_at__lt=yesterday).delete()
    return seconds


def last_refreshed():
    """When the facts were last refreshed (None: never; or SQLite, whose views are always
    current)."""
    from dashboards.models import FactsRefresh

    if connection.vendor != "postgresql":
        return None
    latest = FactsRefresh.objects.order_by("-finished_at").values_list("finished_at", flat=True)
    return latest.first()
