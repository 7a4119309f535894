"""The dashboards' facts (``dashboards.models.CaseFact``, ``ReferralFact``): their SQL, and
their refresh.

PostgreSQL: materialized views with a unique index each, so that a refresh runs
``CONCURRENTLY`` (pages keep reading the previous rows meanwhile). SQLite: plain views.
A migration that changes a column these views read must drop them first and create them
again after (``drop_views`` / ``create_views``): PostgreSQL refuses to alter it otherwise.
"""

from __future__ import annotations

import datetime
import time

from django.db import connection, transaction
from django.utils import timezone

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

VIEWS = ("dashboards_casefact", "dashboards_referralfact")

POSTGRESQL = [
    f"CREATE MATERIALIZED VIEW dashboards_casefact AS {CASE_FACTS}",
    "CREATE UNIQUE INDEX dashboards_casefact_pk ON dashboards_casefact (case_id)",
    # A page reads its municipalities' cases opened up to the end of its period.
    "CREATE INDEX dashboards_casefact_area ON dashboards_casefact "
    "(municipality_id, opened_on) INCLUDE (closed_on, beneficiary_id)",
    # The selector's first year: the first case opened.
    "CREATE INDEX dashboards_casefact_opened ON dashboards_casefact (opened_on)",
    f"CREATE MATERIALIZED VIEW dashboards_referralfact AS {REFERRAL_FACTS}",
    "CREATE UNIQUE INDEX dashboards_referralfact_pk ON dashboards_referralfact (referral_id)",
    "CREATE INDEX dashboards_referralfact_area ON dashboards_referralfact "
    "(municipality_id, referred_on) INCLUDE (status, responded_on, service_id)",
]

SQLITE = [
    f"CREATE VIEW dashboards_casefact AS {CASE_FACTS}",
    f"CREATE VIEW dashboards_referralfact AS {REFERRAL_FACTS}",
]


def create_views(apps=None, schema_editor=None) -> None:
    """Migration step: create the facts for this database."""
    vendor = (schema_editor.connection if schema_editor else connection).vendor
    statements = POSTGRESQL if vendor == "postgresql" else SQLITE
    with (schema_editor.connection if schema_editor else connection).cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


def drop_views(apps=None, schema_editor=None) -> None:
    db = schema_editor.connection if schema_editor else connection
    kind = "MATERIALIZED VIEW" if db.vendor == "postgresql" else "VIEW"
    with db.cursor() as cursor:
        for view in reversed(VIEWS):
            cursor.execute(f"DROP {kind} IF EXISTS {view}")


def refresh_facts() -> float:
    """Bring the facts up to date with the cases and referrals; returns the seconds taken.

    On SQLite the views are always current: only the time is recorded.
    """
    from dashboards.models import FactsRefresh

    started = time.monotonic()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for view in VIEWS:
                # CONCURRENTLY: readers keep the previous rows until the new ones are in.
                cursor.execute(f"REFRESH MATERIALIZED VIEW CONCURRENTLY {view}")
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
