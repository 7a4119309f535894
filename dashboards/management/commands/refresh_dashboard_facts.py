"""``manage.py refresh_dashboard_facts``: bring the dashboards' figures on cases and
referrals up to date now (the beat job does it every ``DASHBOARD_FACTS_REFRESH_SECONDS``)."""

import time

from django.core.management.base import BaseCommand

from dashboards.facts import refresh_facts
from dashboards.memo import warm_city_tables


class Command(BaseCommand):
    help = "Refresh the facts the officials' dashboards aggregate (cases and referrals)."

    def handle(self, *args, **options) -> None:
        seconds = refresh_facts()
        started = time.monotonic()
        tables = warm_city_tables()
        self.stdout.write(
            f"Dashboard facts refreshed in {seconds:.1f} s; {tables} city tables published "
            f"in {time.monotonic() - started:.1f} s."
        )
