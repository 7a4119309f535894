"""``manage.py seed_demo --metro roma --scale small|medium|large --seed N [--as-of D] [--reset]``.

Deterministic demo data (see the ``demo`` app). Running it again on a seeded database
only prints the demo logins; ``--reset`` first empties the directory, people and housing
tables and removes the demo accounts (territory and taxonomy are kept).

The demo logins share a published password, so the command refuses to run with ``DEBUG``
off (as production runs) unless told ``--i-know-this-is-not-production`` — for a test or
staging database that runs with production settings.
"""

import argparse
import datetime
import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from dashboards.facts import refresh_facts
from demo.area import TerritoryMissing
from demo.scales import SCALES
from demo.seeding import SeedError, seed_demo
from demo.users import DEMO_LOGINS, DEMO_PASSWORD, demo_data_exists
from gaps.runs import run_coverage
from registry.models import MetropolitanCity
from registry.territory import metro_slugs


def _date(value: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date as YYYY-MM-DD: {value!r}") from None


class Command(BaseCommand):
    help = (
        "Seed deterministic demo data: organisations, services, sites, people, cases, "
        "referrals, housing and one login per role. `large` covers all 14 metropolitan "
        "cities. Already seeded: prints the logins, unless --reset."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--metro", default="roma", choices=metro_slugs())
        parser.add_argument("--scale", default="small", choices=list(SCALES))
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument(
            "--as-of",
            dest="as_of",
            type=_date,
            default=None,
            help="Date the demo is set at (YYYY-MM-DD); default today.",
        )
        parser.add_argument(
            "--reset",
            action="store_true",
            help="Remove the previous demo data (directory, people, housing, demo accounts).",
        )
        parser.add_argument(
            "--i-know-this-is-not-production",
            dest="not_production",
            action="store_true",
            help="Seed even though DEBUG is off (a test or staging database, never production).",
        )

    def handle(self, *args, **options) -> None:
        if not settings.DEBUG and not options["not_production"]:
            raise CommandError(
                "DEBUG is off, as in production: seed_demo refuses to run, because it creates "
                "logins with a published password and fake people. On a database that is "
                "not production (a test or staging copy), run it again with "
                "--i-know-this-is-not-production."
            )
        verbose = options["verbosity"] >= 1
        as_of = options["as_of"] or timezone.localdate()
        if isinstance(as_of, str):  # call_command(as_of="2025-01-31") skips the parser
            try:
                as_of = _date(as_of)
            except argparse.ArgumentTypeError as error:
                raise CommandError(f"--as-of: {error}") from None
        if not options["reset"] and demo_data_exists():
            if verbose:
                self.stdout.write("The demo data is already seeded (use --reset to seed again).")
                self._print_logins()
            return
        scale = options["scale"]
        if verbose:
            cities = "all 14 metropolitan cities" if SCALES[scale].all_metros else options["metro"]
            self.stdout.write(
                f"Seeding the {scale} demo of {cities}, seed {options['seed']}, as of {as_of}:"
            )
        try:
            report = seed_demo(
                metro=options["metro"],
                scale_name=scale,
                seed=options["seed"],
                as_of=as_of,
                reset=options["reset"],
                log=self.stdout.write if verbose else (lambda message: None),
            )
        except TerritoryMissing as missing:
            slugs = missing.slugs
            hint = (
                "`manage.py load_territory`"
                if len(slugs) > 1
                else f"`manage.py load_territory --metro {slugs[0]}` (or `load_territory` "
                "for all 14)"
            )
            raise CommandError(
                f"The territory of {', '.join(slugs)} is not loaded: run {hint} first."
            ) from None
        except SeedError as error:
            raise CommandError(str(error)) from None
        coverage = self._compute_coverage(scale, options["metro"])
        refresh_facts()  # the dashboards' figures on the cases just seeded
        if not verbose:
            return
        self.stdout.write("Rows:")
        for label, count in report.counts:
            self.stdout.write(f"  {label:<30} {count:>12,}")
        self.stdout.write(self.style.SUCCESS(f"Seeded in {report.total_seconds:.1f} s."))
        self.stdout.write(coverage)
        self._print_logins()

    def _compute_coverage(self, scale: str, metro: str) -> str:
        """A first coverage run per seeded city, so that the dashboards and the API have
        results to show (later ones come nightly, or after edits with a broker)."""
        cities = MetropolitanCity.objects.order_by("slug")
        if not SCALES[scale].all_metros:
            cities = cities.filter(slug=metro)
        started = time.monotonic()
        runs = [run_coverage(city).pk for city in cities]
        return f"Coverage computed: {len(runs)} run(s) in {time.monotonic() - started:.1f} s."

    def _print_logins(self) -> None:
        self.stdout.write(f"Demo logins (password: {DEMO_PASSWORD}):")
        for login in DEMO_LOGINS:
            self.stdout.write(f"  {login.username:<20} {login.description}")
