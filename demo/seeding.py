"""The demo seed from start to end: one transaction, timed step by step."""

from __future__ import annotations

import datetime
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.utils import timezone

from beneficiaries.models import Beneficiary, Case, Consent, Need, Note, Referral
from demo.area import Birthplaces, Metro, load_metros
from demo.bulk import (
    BackgroundWriter,
    delete_users,
    is_postgresql,
    tables_to_wipe,
    wipe_seeded_tables,
)
from demo.catalogue import KINDS_BY_CODE
from demo.directory import DirectoryCounts, MetroDirectory, build_directory
from demo.housing import PlacementPlan, build_housing, write_placements
from demo.people import PeopleGenerator
from demo.scales import SCALES, Scale, apportion
from demo.users import DEMO_LOGINS, Staff, create_staff, demo_users_q
from demo.zones import seed_zones
from housing.models import HousingUnit, Placement
from registry.models import MetropolitanCity, Zone
from registry.territory import metro_slugs
from services.models import (
    Capacity,
    Membership,
    OpeningHours,
    Organisation,
    Service,
    ServiceAtSite,
    ServiceCategory,
    Site,
)

# Expected cases per person, for sizing the worker teams before people exist.
CASES_PER_PERSON = 0.62


class SeedError(Exception):
    """The database is not ready for the demo (territory or taxonomy missing)."""


@dataclass
class SeedReport:
    metros: list[str]
    timings: list[tuple[str, float]] = field(default_factory=list)
    counts: list[tuple[str, int]] = field(default_factory=list)
    reset_tables: list[str] = field(default_factory=list)
    total_seconds: float = 0.0


def metros_for(metro: str, scale_name: str) -> list[str]:
    """The cities a scale covers; the chosen one first (it holds the demo logins)."""
    if SCALES[scale_name].all_metros:
        return [metro] + [slug for slug in metro_slugs() if slug != metro]
    return [metro]


def check_ready(slugs: list[str]) -> list[Metro]:
    metros = load_metros(slugs)  # raises TerritoryMissing
    present = set(ServiceCategory.objects.values_list("code", flat=True))
    missing = sorted(set(KINDS_BY_CODE) - present)
    if missing:
        raise SeedError(
            "The service taxonomy is incomplete (missing "
            + ", ".join(missing[:5])
            + "): run `manage.py migrate` first."
        )
    return metros


class _Steps:
    """Times the seed step by step: each call records and logs the time since the last."""

    def __init__(self, report: SeedReport, log: Callable[[str], None]) -> None:
        self.report = report
        self.log = log
        self.started = self.last = time.perf_counter()

    def __call__(self, label: str) -> None:
        now_ = time.perf_counter()
        self.report.timings.append((label, now_ - self.last))
        self.log(f"  {label:<44} {now_ - self.last:8.1f} s")
        self.last = now_

    def elapsed(self) -> float:
        return time.perf_counter() - self.started


@dataclass
class _Shares:
    """Each city's share of the scale, in proportion to its population."""

    organisations: list[int]
    sites: list[int]
    people: list[int]
    units: list[int]

    @classmethod
    def of(cls, scale: Scale, metros: list[Metro]) -> _Shares:
        weights = [m.population for m in metros]
        return cls(
            organisations=apportion(scale.organisations, weights),
            sites=apportion(scale.sites, weights),
            people=apportion(scale.beneficiaries, weights),
            units=apportion(scale.housing_units, weights, minimum=7),
        )


def _stream_rows_immediately() -> None:
    """Check foreign keys row by row while the rows stream in, instead of queueing
    millions of deferred checks for the commit (PostgreSQL)."""
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("SET LOCAL synchronous_commit TO OFF")


def _restore_session(nested: bool) -> None:
    """Undo the seed's session settings (PostgreSQL); inside an enclosing transaction
    (e.g. a test's), give it back Django's deferred foreign keys."""
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL plan_cache_mode = auto")
        if nested:
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")


def _used_identifiers() -> dict[str, set[str]]:
    """Names, tax codes and RUNTS numbers already taken, which the demo must not repeat."""
    return {
        "names": set(Organisation.objects.values_list("name", flat=True)),
        "tax_codes": set(Organisation.objects.values_list("tax_code", flat=True)),
        "runts": set(
            Organisation.objects.exclude(runts_number=None).values_list("runts_number", flat=True)
        ),
    }


def _build_directories(
    rng: random.Random,
    metros: list[Metro],
    scale: Scale,
    shares: _Shares,
    as_of: datetime.date,
    now: datetime.datetime,
) -> list[MetroDirectory]:
    used = _used_identifiers()
    directory_counts = DirectoryCounts()
    return [
        build_directory(rng, metro_, scale, orgs, sites, as_of, now, used, directory_counts)
        for metro_, orgs, sites in zip(metros, shares.organisations, shares.sites, strict=True)
    ]


def _seed_zones(slugs: list[str], seed: int) -> None:
    for slug in slugs:
        # Zones are territory, kept across --reset: only a city without any gets them.
        if not Zone.objects.filter(metropolitan_city__slug=slug).exists():
            seed_zones(
                MetropolitanCity.objects.get(slug=slug), random.Random(f"zones-{seed}-{slug}")
            )


def _seed_people(
    rng: random.Random,
    directories: list[MetroDirectory],
    people_counts: list[int],
    plans: dict[str, list[PlacementPlan]],
    staff: Staff,
    as_of: datetime.date,
    birthplaces: Birthplaces,
    steps: _Steps,
) -> None:
    existing_hashes = set(
        Beneficiary.objects.exclude(codice_fiscale_hash=None).values_list(
            "codice_fiscale_hash", flat=True
        )
    )
    people = PeopleGenerator(
        rng,
        as_of=as_of,
        birthplaces=birthplaces,
        staff=staff,
        used_codes=set(),
        existing_hashes=existing_hashes,
    )
    # On PostgreSQL a second thread COPYs each chunk while the next is generated.
    sink = BackgroundWriter() if is_postgresql() else None
    try:
        for directory, count in zip(directories, people_counts, strict=True):
            people.run(directory, count, plans[directory.metro.slug], sink)
            steps.log(
                f"    {directory.metro.slug:<16} {people.people_count:>9,} people "
                f"{people.case_count:>9,} cases  ({steps.elapsed():,.0f} s)"
            )
    finally:
        if sink is not None:
            sink.close()


def _write_everything(
    *,
    metros: list[Metro],
    slugs: list[str],
    scale: Scale,
    seed: int,
    as_of: datetime.date,
    birthplaces: Birthplaces,
    steps: _Steps,
) -> None:
    """Every step of the seed after the reset, from the directory to the placements."""
    master = random.Random(seed)
    directory_rng, housing_rng, staff_rng, people_rng = (
        random.Random(master.getrandbits(64)) for _ in range(4)
    )
    now = timezone.now()
    shares = _Shares.of(scale, metros)
    directories = _build_directories(directory_rng, metros, scale, shares, as_of, now)
    steps("organisations, services, sites, capacity, hours")

    _seed_zones(slugs, seed)
    steps("demo zones (ambiti, municipi)")

    plans: dict[str, list[PlacementPlan]] = {}
    for directory, units in zip(directories, shares.units, strict=True):
        _, plans[directory.metro.slug] = build_housing(housing_rng, directory, units, as_of)
    steps("housing units")

    cases_by_metro = {
        directory.metro.slug: round(count * CASES_PER_PERSON)
        for directory, count in zip(directories, shares.people, strict=True)
    }
    staff = create_staff(staff_rng, directories, cases_by_metro)
    steps("worker accounts, memberships, demo logins")

    _seed_people(people_rng, directories, shares.people, plans, staff, as_of, birthplaces, steps)
    steps("people, cases, needs, referrals, consents, notes")

    write_placements(
        people_rng,
        [plan for slug in slugs for plan in plans.get(slug, [])],
        now,
        after_first=_plan_placement_checks if is_postgresql() else None,
    )


def seed_demo(
    *,
    metro: str,
    scale_name: str,
    seed: int,
    as_of: datetime.date,
    reset: bool,
    log: Callable[[str], None] = lambda message: None,
) -> SeedReport:
    """Write the whole demo in one transaction: a failure leaves nothing behind."""
    slugs = metros_for(metro, scale_name)
    report = SeedReport(metros=slugs)
    steps = _Steps(report, log)

    metros = check_ready(slugs)
    birthplaces = Birthplaces.load()
    steps("territory and boundaries read")

    nested = connection.in_atomic_block  # e.g. called from a test's transaction
    with transaction.atomic():
        if is_postgresql():
            _stream_rows_immediately()
        if reset:
            report.reset_tables = wipe_seeded_tables()
            delete_users(demo_users_q())
            steps("previous demo data removed")
        _write_everything(
            metros=metros,
            slugs=slugs,
            scale=SCALES[scale_name],
            seed=seed,
            as_of=as_of,
            birthplaces=birthplaces,
            steps=steps,
        )
        if is_postgresql():
            _restore_session(nested)
        steps("placements")
    steps("commit")

    if is_postgresql():
        # Fresh statistics, so that the first pages and reports get sensible plans.
        with connection.cursor() as cursor:
            for table in seeded_tables():
                cursor.execute(f"ANALYZE {connection.ops.quote_name(table)}")
        steps("analyze")
    report.counts = table_counts()
    steps("row counts")
    report.total_seconds = steps.elapsed()
    return report


def _plan_placement_checks() -> None:
    """Let the placement trigger's queries use the unit's index (PostgreSQL).

    The trigger (housing migration 0002) counts a unit's occupants with a date-range
    condition. Planned on an empty table, or generically without the actual dates, that
    count goes through the person/period exclusion index and reads every open placement of
    every unit: each insert gets slower as the table grows. With statistics on a first
    batch and plans made for the actual values, it reads only the unit's own rows.
    """
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {connection.ops.quote_name(Placement._meta.db_table)}")
        cursor.execute("SET LOCAL plan_cache_mode = force_custom_plan")


def seeded_tables() -> list[str]:
    return [model._meta.db_table for model in tables_to_wipe()]


def table_counts() -> list[tuple[str, int]]:
    User = get_user_model()
    return [
        ("organisations", Organisation.objects.count()),
        ("services", Service.objects.count()),
        ("service categories (links)", Service.categories.through.objects.count()),
        ("service languages (links)", Service.languages.through.objects.count()),
        ("sites", Site.objects.count()),
        ("services at sites", ServiceAtSite.objects.count()),
        ("capacities", Capacity.objects.count()),
        ("opening hours", OpeningHours.objects.count()),
        ("users", User.objects.count()),
        ("memberships", Membership.objects.count()),
        ("beneficiaries", Beneficiary.objects.count()),
        ("cases", Case.objects.count()),
        ("case team members", Case.team.through.objects.count()),
        ("needs", Need.objects.count()),
        ("referrals", Referral.objects.count()),
        ("consents", Consent.objects.count()),
        ("notes", Note.objects.count()),
        ("housing units", HousingUnit.objects.count()),
        ("placements", Placement.objects.count()),
    ]


def demo_logins() -> tuple:
    return DEMO_LOGINS
