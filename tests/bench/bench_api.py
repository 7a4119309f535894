"""Benchmark of the public directory API against the bare SQL of the same page (issue 3).

Run with ``make bench-api`` (or ``python -m tests.bench.bench_api``) on the ``large`` demo
data built by ``make bench-seed`` in the PostgreSQL database ``atlante_bench``.

For each search it measures, in one run and one process, single client:

* the API: ``GET`` through Django's whole stack (WSGI handler, middleware, DRF
  authentication, permissions, rate limit, filters, cursor pagination, serializers, JSON
  rendering) with ``django.test.Client`` and ``DEBUG`` off;
* the bare SQL of the same page, two ways, both on a raw psycopg connection:
  - "ORM SQL": the very statements the ORM sends for that page (the page query and its
    prefetches, taken from one API request), so the difference with the API is the cost
    of Django and DRF alone. The page's ids from this SQL must equal the API's;
  - "hand SQL": one hand-written statement per search (``directory_sql.py``) giving the
    same rows, columns and order, so the difference with the ORM SQL is the cost of the
    query's shape. Every value of every column the API shows must be equal;

and prints p50/p95 of each (they are interleaved request by request, so background load
weighs on all alike), the ratios API p95 / SQL p95, and the number of SQL queries per
request for page sizes 10 and 100, which must be equal (the exit status is 1 otherwise;
``--strict`` makes a missed latency goal fail the run too). ``--explain`` prints the
plans of the page queries, ``--profile`` a cProfile of the API requests.

The run generates throw-away secrets, so it needs no ``.env``. The public endpoints are
read anonymously, and the anonymous rate limit (120 requests a minute by default) would
answer 429 long before the end: the run raises ``API_RATE_LIMIT_*`` (config/settings.py)
and says so. The rate limiter itself still runs on every request.
"""

from __future__ import annotations

import argparse
import cProfile
import datetime
import io
import json
import math
import os
import pstats
import secrets
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parents[2]
BENCH_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/atlante_bench"
# Raised so that a few thousand anonymous requests a minute are not answered 429.
RAISED_RATE_LIMIT = 10_000_000
RATE_LIMIT_VARIABLES = (
    "API_RATE_LIMIT_PARTNER",
    "API_RATE_LIMIT_USER",
    "API_RATE_LIMIT_ANONYMOUS",
)
GOAL_P95_MS = 50.0
GOAL_RATIO = 3.0
COUNTED_PAGE_SIZES = (10, 100)

# Roma, a category branch with many services there (its sub-categories included), and
# a point in central Roma (piazza Venezia).
ROMA = "058091"
CATEGORY = "low-threshold"
CENTRAL_ROMA = "41.8960,12.4823"
RADIUS_KM = "5"


@dataclass(frozen=True)
class Case:
    label: str
    path: str
    params: dict[str, str]


CASES = (
    Case(
        "services ?municipality&category",
        "/api/v1/services/",
        {"municipality": ROMA, "category": CATEGORY},
    ),
    Case(
        "services ?near&radius_km",
        "/api/v1/services/",
        {"near": CENTRAL_ROMA, "radius_km": RADIUS_KM},
    ),
    Case("sites ?near&radius_km", "/api/v1/sites/", {"near": CENTRAL_ROMA, "radius_km": RADIUS_KM}),
)


@dataclass
class Result:
    case: Case
    page_size: int
    rows: int
    queries: int
    api_ms: list[float] = field(default_factory=list)
    api_sql_ms: list[float] = field(default_factory=list)
    sql_ms: list[float] = field(default_factory=list)
    hand_ms: list[float] = field(default_factory=list)


def configure_environment(database_url: str) -> list[str]:
    """Settings as in production (``DEBUG`` off, real secrets) for this run only."""
    from cryptography.fernet import Fernet

    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    os.environ["DATABASE_URL"] = database_url
    os.environ["DEBUG"] = "false"
    os.environ["SECRET_KEY"] = secrets.token_urlsafe(50)
    os.environ["FIELD_ENCRYPTION_KEYS"] = Fernet.generate_key().decode()
    os.environ["IDENTIFIER_HASH_KEY"] = secrets.token_urlsafe(32)
    os.environ["ALLOWED_HOSTS"] = "testserver"
    notes = []
    for name in RATE_LIMIT_VARIABLES:
        os.environ[name] = str(RAISED_RATE_LIMIT)
    notes.append(
        f"rate limits raised to {RAISED_RATE_LIMIT:,}/min through "
        + ", ".join(RATE_LIMIT_VARIABLES)
        + " (anonymous default: 120/min, which would answer 429 within this run)"
    )
    return notes


def check_database(database_url: str) -> None:
    """Stop with a clear message when the benchmark database is missing or empty."""
    import psycopg

    try:
        with psycopg.connect(database_url, connect_timeout=5) as conn:
            services = conn.execute("SELECT count(*) FROM services_service").fetchone()[0]
    except psycopg.OperationalError as error:
        if "does not exist" in str(error):
            sys.exit(
                f"The benchmark database is missing ({database_url}).\n"
                "Build it first with `make bench-seed` (about 5 minutes: seed_demo --scale large)."
            )
        sys.exit(f"Cannot connect to the benchmark database {database_url}: {error}")
    except psycopg.errors.UndefinedTable:
        sys.exit(f"{database_url} has no Atlante schema: run `make bench-seed`.")
    if services < 10_000:
        sys.exit(
            f"{database_url} holds {services} services, not the large demo: run `make bench-seed`."
        )


def bench_database() -> str:
    """The benchmark database of DATABASE_URL (default atlante_bench), checked to hold the
    large demo; stops with a clear message otherwise."""
    database_url = os.environ.get("DATABASE_URL") or BENCH_DATABASE_URL
    if not database_url.startswith("postgres"):
        sys.exit(f"DATABASE_URL must be the PostgreSQL benchmark database, not {database_url}")
    check_database(database_url)
    return database_url


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q / 100 * len(ordered)) - 1)]


class Bench:
    def __init__(self, database_url: str):
        import psycopg
        from django.db import connection
        from django.test import Client

        self.client = Client()
        self.connection = connection
        self.raw = psycopg.connect(database_url, autocommit=True)
        # The same session time zone as Django's connection.
        self.raw.execute("SET TIME ZONE 'UTC'")
        # The same session settings as the application's connections (config/settings.py).
        self.raw.execute("SET jit = off")
        self._in_sql = 0.0

    # --- the API ------------------------------------------------------------------------

    def get(self, case: Case, page_size: int):
        params = {**case.params, "page_size": str(page_size)}
        # Over HTTPS, as in production: with DEBUG off, plain HTTP is redirected.
        response = self.client.get(case.path, params, secure=True)
        if response.status_code in (401, 403, 429):
            raise SystemExit(
                f"{case.path} answered {response.status_code}: {response.content[:300]!r}. "
                "Authentication or rate limits changed: read config/settings.py and raise "
                "the limit (or give the bench credentials) in tests/bench/bench_api.py."
            )
        if response.status_code != 200:
            raise SystemExit(
                f"{case.path} {params} answered {response.status_code}: {response.content[:500]!r}"
            )
        return response

    def page_queries(self, case: Case, page_size: int) -> tuple[list[int], list[str]]:
        """The ids of the API page and the SQL of every query the request sent."""
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(self.connection) as captured:
            response = self.get(case, page_size)
        ids = [row["id"] for row in json.loads(response.content)["results"]]
        return ids, [query["sql"] for query in captured.captured_queries]

    def _timed_execute(self, execute, sql, params, many, context):
        start = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self._in_sql += time.perf_counter() - start

    def time_api(self, case: Case, page_size: int) -> tuple[float, float]:
        """Latency of one request, and the part spent executing its SQL, in ms."""
        self._in_sql = 0.0
        with self.connection.execute_wrapper(self._timed_execute):
            start = time.perf_counter()
            self.get(case, page_size)
            elapsed = time.perf_counter() - start
        return elapsed * 1000, self._in_sql * 1000

    # --- the bare SQL -------------------------------------------------------------------

    def run_sql(self, queries: list[str]) -> list[list[tuple]]:
        results = []
        with self.raw.cursor() as cursor:
            for sql in queries:
                cursor.execute(sql)
                results.append(cursor.fetchall())
        return results

    def run_hand(self, statement: str, arguments: dict) -> list[dict]:
        with self.raw.cursor() as cursor:
            cursor.execute(statement, arguments)
            names = [column.name for column in cursor.description]
            return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

    def time_hand(self, statement: str, arguments: dict) -> float:
        start = time.perf_counter()
        self.run_hand(statement, arguments)
        return (time.perf_counter() - start) * 1000

    def time_sql(self, queries: list[str]) -> float:
        start = time.perf_counter()
        self.run_sql(queries)
        return (time.perf_counter() - start) * 1000

    def sql_page_ids(self, queries: list[str], page_size: int) -> list[int]:
        """The ids of the page from the bare SQL: the page query is the one limited to
        one row more than the page (cursor pagination looks one row ahead)."""
        limit = f"LIMIT {page_size + 1}"
        page = [i for i, sql in enumerate(queries) if sql.rstrip().endswith(limit)]
        if len(page) != 1:
            raise SystemExit(f"Cannot tell the page query among {len(queries)}: {queries}")
        with self.raw.cursor() as cursor:
            cursor.execute(queries[page[0]])
            if cursor.description[0].name != "id":
                raise SystemExit(f"The page query does not start with id: {queries[page[0]]}")
            return [row[0] for row in cursor.fetchall()[:page_size]]

    # --- one case -----------------------------------------------------------------------

    def measure(self, case: Case, page_size: int, warmup: int, requests: int) -> Result:
        api_ids, queries = self.page_queries(case, page_size)
        sql_ids = self.sql_page_ids(queries, page_size)
        assert api_ids == sql_ids, (
            f"{case.label}, page_size={page_size}: the bare SQL page differs from the API "
            f"page\nAPI: {api_ids}\nSQL: {sql_ids}"
        )
        assert len(api_ids) == page_size, (
            f"{case.label}: only {len(api_ids)} rows for page_size={page_size}; "
            "choose a search with more results"
        )
        from tests.bench.directory_sql import page_statement

        statement, arguments = page_statement(case.path, case.params, page_size)
        check_same_page(
            case, page_size, self.get(case, page_size), self.run_hand(statement, arguments)
        )
        result = Result(case, page_size, len(api_ids), len(queries))
        for _ in range(warmup):
            self.time_api(case, page_size)
            self.time_sql(queries)
            self.time_hand(statement, arguments)
        # Interleaved, so that whatever else runs on the machine weighs on all alike.
        for _ in range(requests):
            api_ms, in_sql_ms = self.time_api(case, page_size)
            result.api_ms.append(api_ms)
            result.api_sql_ms.append(in_sql_ms)
            result.sql_ms.append(self.time_sql(queries))
            result.hand_ms.append(self.time_hand(statement, arguments))
        return result

    def count_queries(self, case: Case) -> dict[int, int]:
        return {size: len(self.page_queries(case, size)[1]) for size in COUNTED_PAGE_SIZES}

    def explain(self, case: Case, page_size: int) -> str:
        """The SQL of each query of the page, with its plan as PostgreSQL ran it."""
        _ids, queries = self.page_queries(case, page_size)
        out = []
        with self.raw.cursor() as cursor:
            for sql in queries:
                cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}")
                plan = "\n".join(row[0] for row in cursor.fetchall())
                out.append(f"{sql}\n{plan}\n")
        return "\n".join(out)

    def profile(self, case: Case, page_size: int, requests: int) -> str:
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(requests):
            self.get(case, page_size)
        profiler.disable()
        out = io.StringIO()
        stats = pstats.Stats(profiler, stream=out).strip_dirs()
        stats.sort_stats("tottime").print_stats(25)
        stats.sort_stats("cumulative").print_stats(40)
        return out.getvalue()


def check_same_page(case: Case, page_size: int, response, hand_rows: list[dict]) -> None:
    """The hand-written SQL must give the API page: same rows, in the same order, with
    the same value in every column the API shows."""
    from services.distance import rounded_km

    api_rows = json.loads(response.content)["results"]
    assert [row["id"] for row in api_rows] == [row["id"] for row in hand_rows[:page_size]], (
        f"{case.label}, page_size={page_size}: the hand-written SQL gives other rows"
    )
    for api_row, hand_row in zip(api_rows, hand_rows, strict=False):
        for name, value in api_row.items():
            if name == "distance_km":
                expected = rounded_km(hand_row["distance_sq"])
            elif name == "updated_at":
                value = datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
                expected = hand_row[name]
            else:
                assert name in hand_row, (
                    f"The API shows {name!r}, which the hand-written SQL does not select: "
                    "add it in tests/bench/directory_sql.py"
                )
                expected = hand_row[name]
            assert value == expected, (
                f"{case.label}, page_size={page_size}, id {api_row['id']}: {name} is "
                f"{value!r} in the API, {expected!r} in the hand-written SQL"
            )


def print_table(results: list[Result], counts: dict[str, dict[int, int]]) -> None:
    print("Milliseconds. API: the whole request; in-SQL: its SQL as Django executed it;")
    print("ORM SQL: the same page queries on a raw connection; hand SQL: one hand-written")
    print("statement for the same page. Ratios are API p95 / SQL p95.")
    header = (
        f"{'endpoint':<32}{'page':>5}{'q':>3}"
        f"{'API p50':>9}{'API p95':>9}{'in-SQL':>8}"
        f"{'ORM p50':>9}{'ORM p95':>9}{'hand p50':>9}{'hand p95':>9}"
        f"{'/ORM':>7}{'/hand':>8}  goals"
    )
    print(header)
    print("-" * len(header))
    for r in results:
        api_p95 = percentile(r.api_ms, 95)
        by_orm = api_p95 / percentile(r.sql_ms, 95)
        by_hand = api_p95 / percentile(r.hand_ms, 95)
        goals = [
            "p95 ok" if api_p95 < GOAL_P95_MS else "p95 MISSED",
            "/ORM ok" if by_orm < GOAL_RATIO else "/ORM MISSED",
            "/hand ok" if by_hand < GOAL_RATIO else "/hand MISSED",
        ]
        print(
            f"{r.case.label:<32}{r.page_size:>5}{r.queries:>3}"
            f"{percentile(r.api_ms, 50):>9.2f}{api_p95:>9.2f}"
            f"{percentile(r.api_sql_ms, 50):>8.2f}"
            f"{percentile(r.sql_ms, 50):>9.2f}{percentile(r.sql_ms, 95):>9.2f}"
            f"{percentile(r.hand_ms, 50):>9.2f}{percentile(r.hand_ms, 95):>9.2f}"
            f"{by_orm:>7.2f}{by_hand:>8.2f}  {', '.join(goals)}"
        )
    print()
    print("SQL queries per request (page_size=10 / page_size=100):")
    for label, by_size in counts.items():
        sizes = " / ".join(str(by_size[size]) for size in COUNTED_PAGE_SIZES)
        verdict = "equal" if len(set(by_size.values())) == 1 else "DIFFERENT"
        print(f"  {label:<34}{sizes:>9}  {verdict}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=200, help="timed requests per row")
    parser.add_argument("--warmup", type=int, default=20, help="untimed requests first")
    parser.add_argument(
        "--page-sizes",
        default="50,100",
        help="page sizes timed, comma-separated (default 50,100; 50 is the API default)",
    )
    parser.add_argument(
        "--profile",
        action="store_true",
        help="also profile the API requests of each search with cProfile",
    )
    parser.add_argument(
        "--explain",
        action="store_true",
        help="also print each page query with EXPLAIN ANALYZE",
    )
    parser.add_argument(
        "--strict", action="store_true", help="exit 1 when a latency goal is missed too"
    )
    args = parser.parse_args()
    page_sizes = [int(size) for size in args.page_sizes.split(",")]

    database_url = bench_database()
    notes = configure_environment(database_url)
    sys.path.insert(0, str(BASE_DIR))

    import warnings

    # No collectstatic output is needed to serve JSON.
    warnings.filterwarnings("ignore", message="No directory at")

    import django

    django.setup()
    from django.conf import settings

    from config.runtime import tune_garbage_collector

    bench = Bench(database_url)
    # As config/wsgi.py does in production, once the application is loaded.
    tune_garbage_collector()
    with bench.raw.cursor() as cursor:
        server = cursor.execute("SHOW server_version").fetchone()[0]
    print(f"Atlante API benchmark, {time.strftime('%Y-%m-%d %H:%M:%S UTC', time.gmtime())}")
    print(
        f"database {settings.DATABASES['default']['NAME']} (PostgreSQL {server}), "
        f"DEBUG={settings.DEBUG}, cache {settings.CACHES['default']['BACKEND']}, "
        f"CONN_MAX_AGE={settings.DATABASES['default']['CONN_MAX_AGE']} "
        "(the test client keeps the connection open)"
    )
    print(f"{args.requests} timed requests per row after {args.warmup} warm-up, single client")
    for note in notes:
        print(f"note: {note}; effective API_RATE_LIMITS = {settings.API_RATE_LIMITS}")
    print()

    counts = {case.label: bench.count_queries(case) for case in CASES}
    results = [
        bench.measure(case, size, args.warmup, args.requests)
        for case in CASES
        for size in page_sizes
    ]
    print_table(results, counts)

    if args.explain:
        for case in CASES:
            print(f"\n=== EXPLAIN ANALYZE: {case.label}, page_size={page_sizes[0]} ===")
            print(bench.explain(case, page_sizes[0]))

    if args.profile:
        for case in CASES:
            print(f"\n=== cProfile: {case.label}, page_size={page_sizes[0]} ===")
            print(bench.profile(case, page_sizes[0], args.requests))

    status = 0
    if any(len(set(by_size.values())) != 1 for by_size in counts.values()):
        print("\nFAILED: the number of queries depends on the page size.")
        status = 1
    missed = [
        r
        for r in results
        if percentile(r.api_ms, 95) >= GOAL_P95_MS
        or percentile(r.api_ms, 95) / min(percentile(r.sql_ms, 95), percentile(r.hand_ms, 95))
        >= GOAL_RATIO
    ]
    if missed:
        print(f"\nGoals (API p95 < {GOAL_P95_MS:g} ms, ratio < {GOAL_RATIO:g}) missed by:")
        for r in missed:
            print(f"  {r.case.label}, page_size={r.page_size}")
        if args.strict:
            status = status or 1
    else:
        print(f"\nGoals met: API p95 < {GOAL_P95_MS:g} ms and ratio < {GOAL_RATIO:g} everywhere.")
    return status


if __name__ == "__main__":
    sys.exit(main())
