"""Benchmark of the social workers' workspace (issue 5): the caseload page of a worker with
1,000 cases and the case page, against the bare SQL of the same pages.

Run with ``make bench-ui`` (or ``python -m tests.bench.bench_ui``) on the ``large`` demo
data built by ``make bench-seed`` in the PostgreSQL database ``atlante_bench``, migrated
to the current schema (the make target runs ``migrate`` first).

**Caseloads.** The seed gives each worker about 60 cases (``CASES_PER_WORKER``), so the
bench makes its own: two bench-owned social workers of the organisation with the most
open cases (Roma Capitale's social service in the seed), ``bench-ui-worker`` leading
exactly 1,000 open cases and ``bench-ui-small`` exactly 10. They are created once, with
a social-worker membership, and open non-protected cases of that organisation are
reassigned to them (``UPDATE lead_worker``, lowest ids first) until each leads exactly
its number; later runs find them in place and change nothing. What was done is printed.

**Pages**, for each: one request with ``CaptureQueriesContext`` (the number of queries
and their SQL), ``--warmup`` untimed requests, then ``--requests`` timed ones
(``time.perf_counter`` around ``django.test.Client.get``: middleware, session, view,
templates; ``DEBUG`` off, logged in with ``force_login``, in-process, single client),
interleaved request by request with the baseline on a raw psycopg connection:

* *main SQL*: the page's main query (the caseload page's ``LIMIT 25`` query; the case
  page's case look-up), as the ORM sent it;
* *all SQL*: every ``SELECT`` the page sent, one after the other (the access-log
  ``INSERT`` is left out: the baseline writes nothing).

The ratios are page p95 / SQL p95. ``in-SQL`` is the part of a request spent executing
its SQL through Django. The number of queries of each caseload variant must be the same
for 10 and for 1,000 cases (the exit status is 1 otherwise); ``--strict`` makes a missed
p95 goal fail the run too. ``--explain`` prints the plan of every query of each page,
``--profile`` a cProfile of each page's requests.

Personal fields are encrypted: the run uses the encryption and hash keys the data was
seeded with (those of ``.env`` when there is one, else the development secrets under
``var/``, which is what ``make bench-seed`` uses) and a throw-away ``SECRET_KEY``. Every
page open writes its access-log rows into ``atlante_bench``, as in production.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import re
import secrets
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from tests.bench.bench_api import bench_database, percentile

BASE_DIR = Path(__file__).resolve().parents[2]
GOAL_P95_MS = 150.0
LARGE_CASELOAD = 1_000
SMALL_CASELOAD = 10
LARGE_USER = "bench-ui-worker"
SMALL_USER = "bench-ui-small"
BENCH_USERS = (LARGE_USER, SMALL_USER)
CASE_PAGE_SIZE = 25  # workspace.views.home.PAGE_SIZE


@dataclass(frozen=True)
class Page:
    label: str
    user: str  # LARGE_USER or SMALL_USER
    kind: str  # "caseload", "case" or "intake"
    params: dict[str, str] = field(default_factory=dict)
    variant: str = ""  # caseload variants are compared between the two caseloads


# What a worker does: the home page (open cases by last activity, the default), the
# filter form with "housing" picked (the form sends the status, initially "open"), the
# 20th page through the "Next" link (the link carries only ?page=N), and a case page.
CASELOAD_VARIANTS = {
    "default": {},
    "need=housing": {"status": "open", "need": "housing"},
    "page 20": {"page": "20"},
}
PAGES = (
    *(
        Page(f"caseload {LARGE_CASELOAD:,}: {name}", LARGE_USER, "caseload", params, name)
        for name, params in CASELOAD_VARIANTS.items()
    ),
    Page(f"caseload {SMALL_CASELOAD}: default", SMALL_USER, "caseload", {}, "default"),
    Page("case page", LARGE_USER, "case"),
    # The intake's duplicate search among the organisation's ~60,000 people: candidates by
    # the family name's sound key and the birth year, then their names decrypted and compared.
    Page(
        "intake search: Rossi Mario 1980",
        LARGE_USER,
        "intake",
        {"family_name": "Rossi", "given_name": "Mario", "birth_year": "1980"},
    ),
)


@dataclass
class Result:
    page: Page
    path: str
    queries: int
    rows: int
    total: int | None
    main_sql: str
    selects: list[str]
    page_ms: list[float] = field(default_factory=list)
    in_sql_ms: list[float] = field(default_factory=list)
    main_ms: list[float] = field(default_factory=list)
    all_ms: list[float] = field(default_factory=list)
    statement_ms: list[list[float]] = field(default_factory=list)


def configure_environment(database_url: str) -> str:
    """Settings as in production (``DEBUG`` off) for this run only, with the data's keys."""
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    os.environ["DATABASE_URL"] = database_url
    os.environ["DEBUG"] = "false"
    os.environ["SECRET_KEY"] = secrets.token_urlsafe(50)
    os.environ["ALLOWED_HOSTS"] = "testserver"
    import environ

    env = environ.Env()
    if (BASE_DIR / ".env").exists():
        env.read_env(BASE_DIR / ".env")
    if env.str("FIELD_ENCRYPTION_KEYS", default="") and env.str("IDENTIFIER_HASH_KEY", default=""):
        return "personal fields read with the keys of the environment / .env"
    from config.dev_secrets import load_or_create

    var_dir = Path(env.str("ATLANTE_VAR_DIR", default=str(BASE_DIR / "var")))
    path = var_dir / "dev-secrets.json"
    if not path.exists():
        sys.exit(
            f"No encryption keys: neither FIELD_ENCRYPTION_KEYS nor {path} (the keys "
            "`make bench-seed` encrypted the data with)."
        )
    dev = load_or_create(path)
    os.environ["FIELD_ENCRYPTION_KEYS"] = dev["FIELD_ENCRYPTION_KEYS"]
    os.environ["IDENTIFIER_HASH_KEY"] = dev["IDENTIFIER_HASH_KEY"]
    return (
        f"personal fields read with the keys the seed used ({path.relative_to(BASE_DIR)}, "
        "as `make bench-seed` runs without .env)"
    )


# --- the bench's caseloads ---------------------------------------------------------------


def bench_organisation():
    """The casework organisation with the most open, non-protected cases."""
    from django.db.models import Count, Q

    from beneficiaries.models import Case, CaseStatus
    from services.models import Organisation

    row = (
        Case.objects.filter(status=CaseStatus.OPEN, protected=False)
        .values("organisation")
        .annotate(n=Count("pk"))
        .order_by("-n", "organisation")
        .first()
    )
    if row is None or row["n"] < LARGE_CASELOAD + SMALL_CASELOAD:
        sys.exit("No organisation has enough open cases for the bench: run `make bench-seed`.")
    organisation = Organisation.objects.get(pk=row["organisation"])
    open_cases = organisation.cases.aggregate(
        open=Count("pk", filter=Q(status=CaseStatus.OPEN)), all=Count("pk")
    )
    return organisation, row["n"], open_cases


def ensure_user(username: str, organisation) -> tuple[object, list[str]]:
    from django.contrib.auth import get_user_model

    from services.models import Membership, Role

    done = []
    User = get_user_model()
    user, created = User.objects.get_or_create(
        username=username,
        defaults={"first_name": "Bench", "last_name": username, "is_active": True},
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
        done.append(f"user {username} created")
    membership, created = Membership.objects.get_or_create(
        user=user,
        organisation=organisation,
        defaults={"role": Role.SOCIAL_WORKER, "active": True},
    )
    if created:
        done.append(f"social-worker membership of {username} in organisation {organisation.pk}")
    elif membership.role != Role.SOCIAL_WORKER or not membership.active:
        membership.role, membership.active = Role.SOCIAL_WORKER, True
        membership.save(update_fields=["role", "active"])
        done.append(f"membership of {username} set back to active social worker")
    others = Membership.objects.filter(user=user).exclude(organisation=organisation)
    if others.exists():
        others.delete()
        done.append(f"other memberships of {username} removed")
    return user, done


def ensure_caseload(user, organisation, size: int, bench_user_ids: list[int]) -> list[str]:
    """Make ``user`` lead exactly ``size`` open cases of ``organisation`` and nothing else."""
    from beneficiaries.models import Case, CaseStatus

    done = []
    led = Case.objects.filter(lead_worker=user)
    elsewhere = led.exclude(organisation=organisation, status=CaseStatus.OPEN)
    open_led = led.filter(organisation=organisation, status=CaseStatus.OPEN)
    have = open_led.count()
    # A bench user only ever leads open cases of the organisation: give back anything else
    # (a case closed by hand, say) and any excess to the organisation's first seed worker.
    fallback = (
        organisation.memberships.filter(role="social_worker", active=True)
        .exclude(user_id__in=bench_user_ids)
        .order_by("user_id")
        .values_list("user_id", flat=True)
        .first()
    )
    give_back = list(elsewhere.values_list("pk", flat=True))
    if have > size:
        give_back += list(open_led.order_by("-pk").values_list("pk", flat=True)[: have - size])
    if give_back:
        Case.objects.filter(pk__in=give_back).update(lead_worker_id=fallback)
        done.append(f"{len(give_back)} case(s) of {user.username} given back to user {fallback}")
        have = open_led.count()
    if have < size:
        pool = (
            Case.objects.filter(organisation=organisation, status=CaseStatus.OPEN, protected=False)
            .exclude(lead_worker_id__in=bench_user_ids)
            .order_by("pk")
        )
        picked = list(pool.values_list("pk", "lead_worker_id")[: size - have])
        Case.objects.filter(pk__in=[pk for pk, _lead in picked]).update(lead_worker=user)
        leads = {lead for _pk, lead in picked}
        done.append(
            f"{len(picked)} open non-protected case(s) of organisation {organisation.pk} "
            f"reassigned to {user.username} (UPDATE lead_worker; from {len(leads)} seed "
            "worker(s), lowest case ids first)"
        )
    return done


def prepare_caseloads():
    """The two bench users, leading exactly their caseloads; what was changed."""
    from django.db import connection, transaction

    from beneficiaries.models import Case, CaseStatus
    from workspace.access import team_cases
    from workspace.views.home import my_cases

    organisation, open_non_protected, counts = bench_organisation()
    done: list[str] = []
    with transaction.atomic():
        users = {}
        for username in BENCH_USERS:
            users[username], changes = ensure_user(username, organisation)
            done += changes
        ids = [user.pk for user in users.values()]
        done += ensure_caseload(users[LARGE_USER], organisation, LARGE_CASELOAD, ids)
        done += ensure_caseload(users[SMALL_USER], organisation, SMALL_CASELOAD, ids)
    if done:
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE beneficiaries_case")
        done.append("ANALYZE beneficiaries_case")
    for username, size in ((LARGE_USER, LARGE_CASELOAD), (SMALL_USER, SMALL_CASELOAD)):
        user = users[username]
        mine = my_cases(user, team_cases(user))
        mine_open = mine.filter(status=CaseStatus.OPEN).count()
        assert mine_open == size == mine.count(), (
            f"{username} has {mine_open} open cases of {mine.count()} (expected {size} open)"
        )
        assert Case.objects.filter(lead_worker=user).count() == size
    return organisation, open_non_protected, counts, users, done


def case_with_most_records(user):
    """The bench worker's case with needs, referrals and notes: the most records in all."""
    from django.db.models import Count, F

    from beneficiaries.models import Case

    case = (
        Case.objects.filter(lead_worker=user)
        .annotate(
            n_needs=Count("needs", distinct=True),
            n_referrals=Count("referrals", distinct=True),
            n_notes=Count("notes", distinct=True),
        )
        .filter(n_needs__gt=0, n_referrals__gt=0, n_notes__gt=0)
        .annotate(n_all=F("n_needs") + F("n_referrals") + F("n_notes"))
        .order_by("-n_all", "pk")
        .first()
    )
    if case is None:
        sys.exit("None of the bench worker's cases has needs, referrals and notes.")
    return case


# --- requests and their SQL --------------------------------------------------------------

CAPTION = re.compile(r"<caption>\s*([\d.,\s\xa0]+)")
CASELOAD = re.compile(r'<div id="caseload".*?</div>', re.S)


class PageTimer:
    """Times a page through Django (``time_page``: the request, and the part of it spent in
    its SQL) and a list of statements on a raw connection (``time_statements``).
    Subclasses say how a page is fetched (``get``)."""

    def __init__(self, database_url: str):
        import psycopg
        from django.db import connection

        self.connection = connection
        self.raw = psycopg.connect(database_url, autocommit=True)
        # The same session settings as the application's connections (config/settings.py).
        self.raw.execute("SET TIME ZONE 'UTC'")
        self.raw.execute("SET jit = off")
        self._in_sql = 0.0

    def get(self, page):
        raise NotImplementedError

    def _timed_execute(self, execute, sql, params, many, context):
        start = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self._in_sql += time.perf_counter() - start

    def time_page(self, page) -> tuple[float, float]:
        self._in_sql = 0.0
        with self.connection.execute_wrapper(self._timed_execute):
            start = time.perf_counter()
            self.get(page)
            elapsed = time.perf_counter() - start
        return elapsed * 1000, self._in_sql * 1000

    def time_statements(self, statements: list[str]) -> list[float]:
        times = []
        with self.raw.cursor() as cursor:
            for sql in statements:
                start = time.perf_counter()
                cursor.execute(sql)
                cursor.fetchall()
                times.append((time.perf_counter() - start) * 1000)
        return times


class Bench(PageTimer):
    def __init__(self, database_url: str, users: dict, case):
        from django.test import Client

        from tests.auth import verified_login

        super().__init__(database_url)
        self.clients = {}
        for username, user in users.items():
            client = Client()
            verified_login(client, user)
            self.clients[username] = client
        self.case = case

    def path(self, page: Page) -> str:
        from django.urls import reverse

        if page.kind == "case":
            return reverse("workspace:case", args=[self.case.pk])
        if page.kind == "intake":
            return reverse("workspace:intake")
        return reverse("workspace:home")

    def get(self, page: Page):
        # Over HTTPS, as in production: with DEBUG off, plain HTTP is redirected.
        # The intake search is a POST (its terms never go into a URL).
        client = self.clients[page.user]
        send = client.post if page.kind == "intake" else client.get
        response = send(self.path(page), page.params, secure=True)
        if response.status_code != 200:
            raise SystemExit(
                f"{page.label}: {self.path(page)} {page.params} answered "
                f"{response.status_code}: {response.content[:500]!r}"
            )
        return response

    def capture(self, page: Page) -> tuple[object, list[dict]]:
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(self.connection) as captured:
            response = self.get(page)
        return response, captured.captured_queries

    def measure(self, page: Page, warmup: int, requests: int) -> Result:
        response, captured = self.capture(page)
        statements = [query["sql"] for query in captured]
        selects = [select for sql in statements if (select := as_select(sql))]
        main = main_query(page, selects)
        html = response.content.decode()
        result = Result(
            page,
            self.path(page),
            len(statements),
            rows(page, html),
            caseload_total(html) if page.kind == "caseload" else None,
            main,
            selects,
        )
        for _ in range(warmup):
            self.time_page(page)
            self.time_statements(selects)
        main_index = selects.index(main)
        # Interleaved, so that whatever else runs on the machine weighs on all alike.
        for _ in range(requests):
            page_ms, in_sql_ms = self.time_page(page)
            result.page_ms.append(page_ms)
            result.in_sql_ms.append(in_sql_ms)
            each = self.time_statements(selects)
            result.statement_ms.append(each)
            result.main_ms.append(each[main_index])
            result.all_ms.append(sum(each))
        return result

    def count_queries(self, page: Page) -> int:
        return len(self.capture(page)[1])

    def explain(self, page: Page) -> str:
        _response, captured = self.capture(page)
        out = []
        with self.raw.cursor() as cursor:
            for query in captured:
                sql = as_select(query["sql"])
                if sql is None:
                    out.append(f"-- not explained (writes): {query['sql'][:160]}…\n")
                    continue
                cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}")
                plan = "\n".join(row[0] for row in cursor.fetchall())
                out.append(f"{sql}\n{plan}\n")
        return "\n".join(out)

    def profile(self, page: Page, requests: int) -> str:
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(requests):
            self.get(page)
        profiler.disable()
        out = io.StringIO()
        stats = pstats.Stats(profiler, stream=out).strip_dirs()
        stats.sort_stats("tottime").print_stats(25)
        stats.sort_stats("cumulative").print_stats(45)
        return out.getvalue()


DECLARE = re.compile(r"^DECLARE \S+ NO SCROLL CURSOR WITH(?:OUT)? HOLD FOR ", re.I)


def as_select(sql: str) -> str | None:
    """The statement as a plain query for the baseline: a ``SELECT`` as it is, the query
    of a server-side cursor (``DECLARE … FOR SELECT``, how Django iterates a queryset with
    ``iterator()``, e.g. a ``ModelChoiceField``'s choices) without its ``DECLARE``;
    ``None`` for writes and transaction control."""
    sql = DECLARE.sub("", sql.lstrip())
    return sql if sql.upper().startswith("SELECT") else None


def main_query(page: Page, selects: list[str]) -> str:
    """The caseload page's query (the cases of the page, with their person and
    municipality, limited to the page), the case page's look-up of the case (``get``
    limits it to 21 rows), or the intake's query of candidates by sound key."""
    if page.kind == "intake":
        found = [sql for sql in selects if '"family_name_key_hash" IN' in sql]
        if len(found) != 1:
            raise SystemExit(f"{page.label}: cannot tell the main query among {selects}")
        return found[0]
    found = [
        sql
        for sql in selects
        if sql.startswith('SELECT "beneficiaries_case".')
        and 'JOIN "beneficiaries_beneficiary"' in sql
        and 'LEFT OUTER JOIN "registry_municipality"' in sql
        and re.search(r"LIMIT \d+( OFFSET \d+)?\s*$", sql)
        and (page.kind == "caseload") != sql.rstrip().endswith("LIMIT 21")
    ]
    if len(found) != 1:
        raise SystemExit(f"{page.label}: cannot tell the main query among {selects}")
    return found[0]


def rows(page: Page, html: str) -> int:
    """Cases listed on a caseload page; records listed on a case page (table rows and
    list items of the main column)."""
    if page.kind == "caseload":
        block = CASELOAD.search(html)
        return block.group(0).count("<tr>") - 1 if block else 0
    if page.kind == "intake":
        return html.count('<th scope="row">')
    return html.count("<li") + html.count("<tr")


def caseload_total(html: str) -> int | None:
    match = CAPTION.search(html)
    if not match:
        return 0 if "caseload" in html else None
    return int(re.sub(r"\D", "", match.group(1)))


def shorten(sql: str, width: int = 110) -> str:
    sql = re.sub(r"\s+", " ", sql)
    select = re.match(r"SELECT (.*?) FROM (.*)", sql)
    if select and len(select.group(1)) > 30:
        sql = "SELECT … FROM " + select.group(2)  # noqa: S608 (shortened for display only)
    return sql if len(sql) <= width else sql[: width - 1] + "…"


# --- output ------------------------------------------------------------------------------


def print_table(results: list[Result]) -> None:
    print("Milliseconds. page: the whole request (test client, middleware, view, templates);")
    print("in-SQL: its SQL as Django executed it; main SQL: the page's main query on a raw")
    print("connection; all SQL: every SELECT of the page on a raw connection, one after the")
    print("other. Ratios: page p95 / SQL p95.")
    header = (
        f"{'page':<34}{'rows':>5}{'q':>4}{'p50':>8}{'p95':>8}{'max':>8}{'in-SQL':>8}"
        f"{'main p50':>9}{'main p95':>9}{'all p50':>8}{'all p95':>8}{'/main':>7}{'/all':>6}  goal"
    )
    print(header)
    print("-" * len(header))
    for r in results:
        p95 = percentile(r.page_ms, 95)
        print(
            f"{r.page.label:<34}{r.rows:>5}{r.queries:>4}"
            f"{percentile(r.page_ms, 50):>8.2f}{p95:>8.2f}{max(r.page_ms):>8.2f}"
            f"{percentile(r.in_sql_ms, 50):>8.2f}"
            f"{percentile(r.main_ms, 50):>9.2f}{percentile(r.main_ms, 95):>9.2f}"
            f"{percentile(r.all_ms, 50):>8.2f}{percentile(r.all_ms, 95):>8.2f}"
            f"{p95 / percentile(r.main_ms, 95):>7.1f}{p95 / percentile(r.all_ms, 95):>6.1f}"
            f"  {'ok' if p95 < GOAL_P95_MS else 'MISSED'}"
        )
    print()
    for r in results:
        total = f", caption total {r.total:,}" if r.total is not None else ""
        print(f"{r.page.label}: GET {r.path}{'?' if r.page.params else ''}", end="")
        print("&".join(f"{k}={v}" for k, v in r.page.params.items()) + total)
        medians = [
            percentile([each[i] for each in r.statement_ms], 50) for i in range(len(r.selects))
        ]
        slowest = sorted(range(len(medians)), key=lambda i: medians[i], reverse=True)[:4]
        for i in slowest:
            marker = "main" if r.selects[i] == r.main_sql else "    "
            print(f"  {medians[i]:7.2f} ms {marker} {shorten(r.selects[i])}")


def print_counts(counts: dict[str, dict[int, int]]) -> bool:
    print()
    print(f"SQL queries per caseload request ({SMALL_CASELOAD} cases / {LARGE_CASELOAD:,} cases):")
    same = True
    for variant, by_size in counts.items():
        equal = len(set(by_size.values())) == 1
        same = same and equal
        print(
            f"  {variant:<16}{by_size[SMALL_CASELOAD]:>5} / {by_size[LARGE_CASELOAD]:<5}"
            f"{'equal' if equal else 'DIFFERENT'}"
        )
    return same


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=200, help="timed requests per page")
    parser.add_argument("--warmup", type=int, default=20, help="untimed requests first")
    parser.add_argument(
        "--profile", action="store_true", help="also profile each page's requests with cProfile"
    )
    parser.add_argument(
        "--explain", action="store_true", help="also print every query of each page with its plan"
    )
    parser.add_argument(
        "--strict", action="store_true", help="exit 1 when the p95 goal is missed too"
    )
    args = parser.parse_args()

    database_url = bench_database()
    keys_note = configure_environment(database_url)
    sys.path.insert(0, str(BASE_DIR))

    import warnings

    # The pages' static files are referenced, not served: no collectstatic output needed.
    warnings.filterwarnings("ignore", message="No directory at")

    import django

    django.setup()
    from django.conf import settings

    # With DEBUG off, pages name their static files through the manifest of
    # collectstatic (as the Docker image builds it): collect into a throw-away folder, not
    # the working tree's staticfiles/.
    static_root = tempfile.TemporaryDirectory(prefix="bench-ui-static-")
    settings.STATIC_ROOT = static_root.name
    from django.core.management import call_command

    call_command("collectstatic", interactive=False, verbosity=0)
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    from config.runtime import tune_garbage_collector

    if MigrationExecutor(connection).migration_plan(
        MigrationExecutor(connection).loader.graph.leaf_nodes()
    ):
        sys.exit(f"{database_url} is not migrated: run `make bench-ui` (it migrates first).")

    organisation, open_non_protected, counts, users, done = prepare_caseloads()
    case = case_with_most_records(users[LARGE_USER])
    bench = Bench(database_url, users, case)
    # As config/wsgi.py does in production, once the application is loaded.
    tune_garbage_collector()
    with bench.raw.cursor() as cursor:
        server = cursor.execute("SHOW server_version").fetchone()[0]
        cases_total = cursor.execute("SELECT count(*) FROM beneficiaries_case").fetchone()[0]
    print(f"Atlante workspace benchmark, {time.strftime('%Y-%m-%d %H:%M:%S UTC', time.gmtime())}")
    print(
        f"database {settings.DATABASES['default']['NAME']} (PostgreSQL {server}, "
        f"{cases_total:,} cases), DEBUG={settings.DEBUG}, language {settings.LANGUAGE_CODE}, "
        f"sessions {settings.SESSION_ENGINE}, CONN_MAX_AGE="
        f"{settings.DATABASES['default']['CONN_MAX_AGE']} (the test client keeps the "
        "connection open); "
        f"{os.cpu_count()} CPUs, load average " + " ".join(f"{x:.2f}" for x in os.getloadavg())
    )
    print(f"{args.requests} timed requests per page after {args.warmup} warm-up, single client")
    print(f"note: {keys_note}")
    print(
        f"organisation {organisation.pk} ({organisation.name}): {counts['all']:,} cases, "
        f"{counts['open']:,} open ({open_non_protected:,} open and not protected)"
    )
    print(
        f"bench users: {LARGE_USER} (id {users[LARGE_USER].pk}) leads {LARGE_CASELOAD:,} open "
        f"cases, {SMALL_USER} (id {users[SMALL_USER].pk}) {SMALL_CASELOAD}; this run: "
        + ("; ".join(done) if done else "already in place, nothing changed")
    )
    print(
        f"case page: case {case.pk} with {case.n_needs} needs, {case.n_referrals} referrals, "
        f"{case.n_notes} notes"
    )
    print()

    # One request of each page and user first: the first request of the process fills
    # per-process caches (content types for the access log, the URL resolver, templates).
    for variant, params in CASELOAD_VARIANTS.items():
        for user in (SMALL_USER, LARGE_USER):
            bench.get(Page(variant, user, "caseload", params, variant))
    bench.get(PAGES[-1])
    query_counts: dict[str, dict[int, int]] = {}
    for variant, params in CASELOAD_VARIANTS.items():
        query_counts[variant] = {
            size: bench.count_queries(Page(variant, user, "caseload", params, variant))
            for size, user in ((SMALL_CASELOAD, SMALL_USER), (LARGE_CASELOAD, LARGE_USER))
        }
    results = [bench.measure(page, args.warmup, args.requests) for page in PAGES]
    print_table(results)
    same = print_counts(query_counts)
    expected = {LARGE_USER: LARGE_CASELOAD, SMALL_USER: SMALL_CASELOAD}
    status = 0
    for r in results:
        shown, wanted = r.total, expected[r.page.user]
        if r.page.kind == "caseload" and r.page.variant != "need=housing" and shown != wanted:
            print(f"FAILED: {r.page.label} shows {shown} cases, not {wanted}")
            status = 1

    if args.explain:
        for page in PAGES:
            print(f"\n=== EXPLAIN ANALYZE: {page.label} ===")
            print(bench.explain(page))
    if args.profile:
        for page in PAGES:
            print(f"\n=== cProfile: {page.label}, {args.requests} requests ===")
            print(bench.profile(page, args.requests))

    if not same:
        print("\nFAILED: the number of queries of the caseload page depends on its size.")
        status = 1
    missed = [r for r in results if percentile(r.page_ms, 95) >= GOAL_P95_MS]
    if missed:
        print(
            f"\nGoal (p95 < {GOAL_P95_MS:g} ms) missed by: "
            + ", ".join(r.page.label for r in missed)
        )
        if args.strict:
            status = status or 1
    else:
        print(f"\nGoal met: p95 < {GOAL_P95_MS:g} ms on every page.")
    print("load average at the end: " + " ".join(f"{x:.2f}" for x in os.getloadavg()))
    return status


if __name__ == "__main__":
    sys.exit(main())
