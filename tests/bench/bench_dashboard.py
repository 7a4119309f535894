"""Benchmark of the officials' dashboards (issue 6): the dashboard of a metropolitan city
and its drill-down pages (zone, municipality, category) and an export, against the bare
SQL of the same pages.

Run with ``make bench-dashboard`` (or ``python -m tests.bench.bench_dashboard``) on the
``large`` demo data built by ``make bench-seed`` in the PostgreSQL database
``atlante_bench``, migrated to the current schema (the make target runs ``migrate`` first).

An official of Roma's metropolitan city (``bench-dashboard-official``, created once with
an official's membership in a Roma organisation) opens each page: one request with
``CaptureQueriesContext`` (the number of queries and their SQL), ``--warmup`` untimed
requests, then ``--requests`` timed ones (``time.perf_counter`` around
``django.test.Client.get``: middleware, session, view, templates; ``DEBUG`` off),
interleaved request by request with every ``SELECT`` of the page's cold request run one
after the other on a raw psycopg connection (*all SQL*); then ``--cold`` timed requests
each after emptying the shared cache, where the tables of cases, referrals and services
are kept once per refresh of the facts (``dashboards/memo.py``). The pages read
aggregates only: the number of queries must not depend on the size of the city (the
bench prints the counts of Roma and of the smallest city side by side, cold, and exits 1
when they differ). ``--strict`` makes a missed p95 goal fail the run too;
``--explain`` prints the plan of every query.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from tests.bench.bench_api import bench_database, percentile
from tests.bench.bench_ui import PageTimer, as_select, configure_environment, shorten

BASE_DIR = Path(__file__).resolve().parents[2]
GOAL_P95_MS = 300.0
OFFICIAL = "bench-dashboard-official"


@dataclass(frozen=True)
class Page:
    label: str
    url: str
    params: dict[str, str] = field(default_factory=dict)


@dataclass
class Result:
    page: Page
    queries: int
    selects: list[str]
    page_ms: list[float] = field(default_factory=list)
    in_sql_ms: list[float] = field(default_factory=list)
    all_ms: list[float] = field(default_factory=list)
    statement_ms: list[list[float]] = field(default_factory=list)
    cold_ms: list[float] = field(default_factory=list)


def ensure_official(city, username: str = OFFICIAL):
    """A bench official: a member of an organisation of the city (created once)."""
    from django.contrib.auth import get_user_model

    from services.models import Membership, Organisation, Role

    user, _created = get_user_model().objects.get_or_create(
        username=username, defaults={"is_staff": True}
    )
    organisation = (
        Organisation.objects.filter(municipality__metropolitan_city=city, active=True)
        .order_by("pk")
        .first()
    )
    Membership.objects.get_or_create(
        user=user, organisation=organisation, defaults={"role": Role.OFFICIAL}
    )
    from services.roles import grant_role_group

    grant_role_group(user, Role.OFFICIAL)
    # The bench official sees exactly this city: any other membership would widen it.
    Membership.objects.filter(user=user).exclude(organisation=organisation).delete()
    return user


def pages_of(city) -> list[Page]:
    """The dashboard of the city and one page of each drill-down level, with the zone and
    municipality holding the most people."""
    from django.db.models import Count
    from django.urls import reverse

    from registry.models import Municipality, Zone, ZoneKind
    from services.models import ServiceCategory

    zone = (
        Zone.objects.filter(metropolitan_city=city, kind=ZoneKind.AMBITO)
        .annotate(n=Count("municipalities"))
        .order_by("-n", "code")
        .first()
    )
    municipality = (
        Municipality.objects.filter(metropolitan_city=city).order_by("-population").first()
    )
    category = ServiceCategory.objects.filter(code="housing").first() or (
        ServiceCategory.objects.filter(parent=None).order_by("code").first()
    )
    slug = city.slug
    return [
        Page(f"dashboard {slug}", reverse("admin:dashboard-city", args=[slug])),
        Page(
            f"dashboard {slug}, 24 months",
            reverse("admin:dashboard-city", args=[slug]),
            {"months": "24"},
        ),
        Page(f"zone {zone.code}", reverse("admin:dashboard-zone", args=[slug, zone.code])),
        Page(
            f"municipality {municipality.name}",
            reverse("admin:dashboard-municipality", args=[slug, municipality.istat_code]),
        ),
        Page(
            f"category {category.code}",
            reverse("admin:dashboard-category", args=[slug, category.code]),
        ),
        Page(
            "export referrals.xlsx",
            reverse("admin:dashboard-export", args=[slug, "referrals", "xlsx"]),
        ),
    ]


class Bench(PageTimer):
    def __init__(self, database_url: str, user):
        from django.test import Client

        from tests.auth import verified_login

        super().__init__(database_url)
        self.client = Client()
        verified_login(self.client, user)

    def get(self, page: Page):
        response = self.client.get(page.url, page.params, secure=True)
        if response.status_code != 200:
            raise SystemExit(
                f"{page.label}: {page.url} answered {response.status_code}: "
                f"{response.content[:300]!r}"
            )
        return response

    def capture(self, page: Page) -> list[dict]:
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(self.connection) as captured:
            self.get(page)
        return captured.captured_queries

    def measure(self, page: Page, warmup: int, requests: int, cold: int) -> Result:
        from django.core.cache import cache

        cache.clear()  # the SQL of a cold request: every query the page can send
        captured = self.capture(page)
        selects = [select for query in captured if (select := as_select(query["sql"]))]
        result = Result(page, len(captured), selects)
        for _ in range(warmup):
            self.time_page(page)
            self.time_statements(selects)
        for _ in range(requests):
            page_ms, in_sql_ms = self.time_page(page)
            result.page_ms.append(page_ms)
            result.in_sql_ms.append(in_sql_ms)
            each = self.time_statements(selects)
            result.statement_ms.append(each)
            result.all_ms.append(sum(each))
        # Cold: the shared cache emptied before each request, as for the first official
        # to open a page that the refresh job did not publish ahead.
        for _ in range(cold):
            cache.clear()
            result.cold_ms.append(self.time_page(page)[0])
        return result

    def explain(self, page: Page) -> str:
        out = []
        with self.raw.cursor() as cursor:
            for query in self.capture(page):
                sql = as_select(query["sql"])
                if sql is None:
                    continue
                plan = cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}").fetchall()
                out.append(sql)
                out.extend(row[0] for row in plan)
        return "\n".join(out)


def met(result: Result) -> bool:
    """The goal: p95 of the page as officials get it (the refresh job publishes the cities'
    default tables ahead, and a page publishes its own once per refresh)."""
    return percentile(result.page_ms, 95) < GOAL_P95_MS


def cold_met(result: Result) -> bool:
    return percentile(result.cold_ms, 95) < GOAL_P95_MS


def print_table(results: list[Result]) -> None:
    print("Milliseconds. page: the whole request (test client, middleware, view, templates);")
    print("in-SQL: its SQL as Django executed it; all SQL: every SELECT of the page on a raw")
    print("connection, one after the other (the cold request's SQL). Ratio: page p95 / all")
    print("SQL p95. goal: p95 below the goal. cold p95: requests with the shared cache emptied")
    print("first (nothing published for this refresh yet; after a cache loss), for the record.")
    header = (
        f"{'page':<40}{'q':>4}{'p50':>9}{'p95':>9}{'max':>9}{'in-SQL':>9}"
        f"{'SQL p50':>9}{'SQL p95':>9}{'/SQL':>7}  goal{'cold p95':>10}  cold"
    )
    print(header)
    print("-" * len(header))
    for r in results:
        p95 = percentile(r.page_ms, 95)
        print(
            f"{r.page.label:<40}{r.queries:>4}"
            f"{percentile(r.page_ms, 50):>9.2f}{p95:>9.2f}{max(r.page_ms):>9.2f}"
            f"{percentile(r.in_sql_ms, 50):>9.2f}"
            f"{percentile(r.all_ms, 50):>9.2f}{percentile(r.all_ms, 95):>9.2f}"
            f"{p95 / percentile(r.all_ms, 95):>7.1f}  {'ok  ' if met(r) else 'MISSED'}"
            f"{percentile(r.cold_ms, 95):>10.2f}  {'ok' if cold_met(r) else 'over'}"
        )
    print()
    for r in results:
        print(f"{r.page.label}: GET {r.page.url}")
        medians = [
            percentile([each[i] for each in r.statement_ms], 50) for i in range(len(r.selects))
        ]
        for i in sorted(range(len(medians)), key=lambda i: medians[i], reverse=True)[:3]:
            print(f"  {medians[i]:7.2f} ms {shorten(r.selects[i])}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=100, help="timed requests per page")
    parser.add_argument("--warmup", type=int, default=10, help="untimed requests first")
    parser.add_argument("--cold", type=int, default=20, help="timed requests, cache emptied")
    parser.add_argument("--explain", action="store_true", help="print each query's plan")
    parser.add_argument("--strict", action="store_true", help="exit 1 when the goal is missed")
    args = parser.parse_args()

    database_url = bench_database()
    keys_note = configure_environment(database_url)
    sys.path.insert(0, str(BASE_DIR))
    import warnings

    warnings.filterwarnings("ignore", message="No directory at")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    static_root = tempfile.TemporaryDirectory(prefix="bench-dashboard-static-")
    settings.STATIC_ROOT = static_root.name
    call_command("collectstatic", interactive=False, verbosity=0)

    from config.runtime import tune_garbage_collector
    from registry.models import MetropolitanCity

    roma = MetropolitanCity.objects.get(slug="roma")
    from django.db.models import Sum

    smallest = (
        MetropolitanCity.objects.annotate(people=Sum("municipalities__population"))
        .order_by("people")
        .first()
    )
    user = ensure_official(roma)
    bench = Bench(database_url, user)
    tune_garbage_collector()
    print(f"Atlante dashboard benchmark, {time.strftime('%Y-%m-%d %H:%M:%S UTC', time.gmtime())}")
    print(
        f"database {settings.DATABASES['default']['NAME']}, DEBUG={settings.DEBUG}, "
        f"{os.cpu_count()} CPUs, load average " + " ".join(f"{x:.2f}" for x in os.getloadavg())
    )
    print(f"{args.requests} timed requests per page after {args.warmup} warm-up; {keys_note}")
    pages = pages_of(roma)
    for page in pages:
        bench.get(page)
    results = [bench.measure(page, args.warmup, args.requests, args.cold) for page in pages]
    print_table(results)

    # The same pages for the smallest city: the number of queries must not depend on size.
    other = ensure_official(smallest, f"{OFFICIAL}-small") if smallest.pk != roma.pk else None
    status = 0
    if other is not None:
        from django.core.cache import cache

        small_bench = Bench(database_url, other)
        print(f"\nQueries per page, {roma.slug} / {smallest.slug}:")
        for big, small in zip(pages, pages_of(smallest), strict=True):
            cache.clear()  # both cold: every query each page can send
            big_q = len(bench.capture(big))
            cache.clear()
            small_q = len(small_bench.capture(small))
            same = big_q == small_q
            status = status or (0 if same else 1)
            print(f"  {big.label:<40}{big_q:>4} / {small_q:<4}{'equal' if same else 'DIFFERENT'}")
    if args.explain:
        for page in pages:
            print(f"\n=== EXPLAIN ANALYZE: {page.label} ===")
            print(bench.explain(page))
    over = [r.page.label for r in results if not cold_met(r)]
    if over:
        print(f"\nCold p95 over {GOAL_P95_MS:g} ms (for the record): " + ", ".join(over))
    missed = [r for r in results if not met(r)]
    if missed:
        print(
            f"\nGoal (p95 < {GOAL_P95_MS:g} ms) missed by: "
            + ", ".join(r.page.label for r in missed)
        )
        if args.strict:
            status = status or 1
    else:
        print(f"\nGoal met: p95 < {GOAL_P95_MS:g} ms on every page.")
    return status


if __name__ == "__main__":
    sys.exit(main())
