"""Benchmark of the coverage engine (issue 4): end-to-end runs, and the 2SFCA kernel
against PySAL ``access`` on the same cost table.

Run with ``make bench-coverage`` (or ``python -m tests.bench.bench_coverage``) on the
``large`` demo data built by ``make bench-seed`` in the PostgreSQL database
``atlante_bench`` (all 14 metropolitan cities, ~50,000 sites). It measures, in one run:

1. **End-to-end** ``gaps.runs.run_coverage`` for all cities and for Roma, ``--repeat``
   times each after one warm-up run, split into phases by timing wrappers this script
   installs on the names ``gaps.runs`` calls (no code of gaps/ or registry/ is changed):
   *load* (``gaps.inputs.load``: ORM queries → arrays, itself split into its queries),
   *compute* (``gaps.coverage.compute_category``: k-d tree catchment, 2SFCA, lenses),
   *rows* (result objects and input fingerprints), *store* (the final transaction: bulk
   insert and commit) and *other* (run row, progress updates). SQL queries are counted
   per phase on every run, and once with ``CaptureQueriesContext``; the counts must not
   depend on the number of sites (the exit status is 1 otherwise).
2. **Kernel**: ``gaps.coverage.two_step_fca`` against
   ``access.Access(...).two_stage_fca`` on the same cost table — all municipality
   centroids × all active sites within a radius (great-circle km, step decay with the
   radius as catchment), for growing radii while the memory allows. Each implementation
   runs in a fresh process (``tests/bench/coverage_kernel.py``); its peak resident set is
   ``VmHWM`` of that process (the whole process: interpreter, libraries, inputs and the
   kernel; see that module for why not ``ru_maxrss``), and the peak before the kernel ran
   is reported too, so the difference is what the kernel itself needed. ``access`` runs
   twice: on frames keyed by the integer indices (as tests/registry/test_coverage.py
   does) and keyed by text codes (six-digit ISTAT-like area codes, site ids as text), as
   its users' data usually are; the cost table is the same. Scores must agree to 1e-9
   (relative) wherever ``access``'s are finite, and be 0 where it says NaN (the exit
   status is 1 otherwise). The goals are judged on the largest table.

``--profile`` adds a cProfile of one all-cities run; ``--explain`` the plan of the
slowest query of a run. Runs write ``CoverageRun`` rows into ``atlante_bench``, like any
run would.
"""

from __future__ import annotations

import argparse
import cProfile
import functools
import io
import json
import math
import os
import pstats
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from tests.bench.bench_api import bench_database

BASE_DIR = Path(__file__).resolve().parents[2]
ONE_CITY = "roma"
GOAL_ALL_CITIES_S = 10.0
GOAL_SPEED_UP = 15.0
AGREEMENT_RTOL = 1e-9
# Radii (km) of the kernel's cost tables; "full" is every centroid × every site.
KERNEL_RADII = "50,200,500,full"
FULL_RADIUS_KM = 2000.0  # farther than any two points of Italy
# Bytes per pair access needs at its peak (6.8 GiB for 75 M pairs, issue 4), with margin,
# plus the table held by this process and by each child: a size is skipped when
# MemAvailable is below this.
ACCESS_BYTES_PER_PAIR = 160
PHASES = ("load", "compute", "rows", "store", "other")
LOAD_PARTS = (
    "scope_municipalities",
    "site_supply",
    "group_population",
    "demand",
    "zone_members",
)
COMPUTE_PARTS = ("catchment_pairs", "two_step_fca")
# access keyed by integer indices (as tests/registry/test_coverage.py), and by text codes
ACCESS_VARIANTS = {"access": "integer keys", "access-codes": "text codes"}
IMPLEMENTATIONS = ("atlante", *ACCESS_VARIANTS)
GIB = 1024**3


def configure_environment(database_url: str) -> None:
    """Settings as in production (``DEBUG`` off, real secrets) for this run only."""
    from cryptography.fernet import Fernet

    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    os.environ["DATABASE_URL"] = database_url
    os.environ["DEBUG"] = "false"
    os.environ["SECRET_KEY"] = secrets.token_urlsafe(50)
    os.environ["FIELD_ENCRYPTION_KEYS"] = Fernet.generate_key().decode()
    os.environ["IDENTIFIER_HASH_KEY"] = secrets.token_urlsafe(32)
    os.environ["ALLOWED_HOSTS"] = "testserver"


def median(values: list[float]) -> float:
    return statistics.median(values)


def mem_available() -> int:
    with open("/proc/meminfo") as meminfo:
        for line in meminfo:
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    return 0


# --- 1. end to end -----------------------------------------------------------------------


@dataclass
class RunFigures:
    wall: float = 0.0
    phases: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    parts: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    queries: Counter = field(default_factory=Counter)
    standards: int = 0
    rows: int = 0
    sites: int = 0
    areas: int = 0


class Instrument:
    """Timing wrappers on the names ``gaps.runs`` and ``gaps.inputs`` call, and a query
    counter per phase (a database execute wrapper: cheaper than recording the SQL)."""

    def __init__(self):
        import gaps.coverage
        import gaps.inputs
        import gaps.runs

        self.figures = RunFigures()
        self.phase = "other"
        self._atomic_blocks: list[float] = []
        self._store_queries = 0
        runs, inputs, coverage = gaps.runs, gaps.inputs, gaps.coverage
        runs.load = self._phase("load", runs.load, self._after_load)
        runs.compute_category = self._phase("compute", runs.compute_category)
        runs._rows = self._phase("rows", runs._rows, self._after_rows)
        runs.input_fingerprint = self._phase("rows", runs.input_fingerprint)
        runs.transaction = _TimedTransaction(self, runs.transaction)
        for name in LOAD_PARTS:
            setattr(inputs, name, self._part(name, getattr(inputs, name)))
        for name in COMPUTE_PARTS:
            setattr(coverage, name, self._part(name, getattr(coverage, name)))

    def _phase(self, phase, function, after=None):
        @functools.wraps(function)
        def timed(*args, **kwargs):
            outer, self.phase = self.phase, phase
            start = time.perf_counter()
            try:
                result = function(*args, **kwargs)
            finally:
                self.figures.phases[phase] += time.perf_counter() - start
                self.phase = outer
            if after is not None:
                after(result)
            return result

        return timed

    def _part(self, part, function):
        @functools.wraps(function)
        def timed(*args, **kwargs):
            start = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                self.figures.parts[part] += time.perf_counter() - start

        return timed

    def _after_load(self, loaded):
        self.figures.standards += 1
        self.figures.sites += len(loaded.site_ids)
        self.figures.areas = len(loaded.municipality_ids)

    def _after_rows(self, rows):
        self.figures.rows += len(rows)

    def count_query(self, execute, sql, params, many, context):
        self.figures.queries[self.phase] += 1
        return execute(sql, params, many, context)

    def measure(self, city) -> RunFigures:
        from django.db import connection

        from gaps.models import RunStatus
        from gaps.runs import run_coverage

        self.figures, self.phase = RunFigures(), "other"
        self._atomic_blocks = []
        with connection.execute_wrapper(self.count_query):
            start = time.perf_counter()
            run = run_coverage(city)
            self.figures.wall = time.perf_counter() - start
        assert run.status == RunStatus.COMPLETE, run.error
        # The last transaction of a run is the store (bulk insert, run row, commit); the
        # first, the creation of the run row, stays in "other".
        store = self._atomic_blocks[-1]
        self.figures.phases["store"] += store
        self.figures.queries["store"] += self._store_queries
        self.figures.queries["other"] -= self._store_queries
        timed = sum(self.figures.phases[phase] for phase in PHASES if phase != "other")
        self.figures.phases["other"] = self.figures.wall - timed
        return self.figures


class _TimedTransaction:
    """Stands for ``django.db.transaction`` in ``gaps.runs``: times each atomic block."""

    def __init__(self, instrument: Instrument, transaction):
        self._instrument = instrument
        self._transaction = transaction

    def __getattr__(self, name):
        return getattr(self._transaction, name)

    @contextmanager
    def atomic(self, *args, **kwargs):
        instrument = self._instrument
        before = instrument.figures.queries["other"]
        start = time.perf_counter()
        with self._transaction.atomic(*args, **kwargs):
            yield
        instrument._atomic_blocks.append(time.perf_counter() - start)
        instrument._store_queries = instrument.figures.queries["other"] - before


def capture_queries(city) -> list[dict]:
    """The queries of one whole run, as Django records them."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from gaps.runs import run_coverage

    with CaptureQueriesContext(connection) as captured:
        run_coverage(city)
    return captured.captured_queries


def end_to_end(cities: dict[str, object], repeat: int):
    instrument = Instrument()
    captured = {label: capture_queries(city) for label, city in cities.items()}  # warm-up
    figures: dict[str, list[RunFigures]] = {label: [] for label in cities}
    for _ in range(repeat):  # interleaved, so background load weighs on both alike
        for label, city in cities.items():
            figures[label].append(instrument.measure(city))
    return figures, captured


def print_end_to_end(figures: dict[str, list[RunFigures]], captured, repeat: int) -> bool:
    print(f"== 1. End-to-end run_coverage: median of {repeat} runs after 1 warm-up (s) ==")
    header = (
        f"{'scope':<12}{'standards':>10}{'areas':>7}{'sites':>8}{'rows':>7}"
        f"{'total':>8}" + "".join(f"{phase:>9}" for phase in PHASES) + f"{'min':>8}{'max':>8}"
    )
    print(header)
    print("-" * len(header))
    for label, runs in figures.items():
        first = runs[0]
        walls = [run.wall for run in runs]
        print(
            f"{label:<12}{first.standards:>10}{first.areas:>7}{first.sites:>8}{first.rows:>7}"
            f"{median(walls):>8.2f}"
            + "".join(f"{median([run.phases[p] for run in runs]):>9.2f}" for p in PHASES)
            + f"{min(walls):>8.2f}{max(walls):>8.2f}"
        )
    print("sites: summed over the standards (the sites offering each standard's category).")
    print()
    print("Inside load and compute (median s per run, summed over the standards):")
    parts = LOAD_PARTS + COMPUTE_PARTS
    print(f"{'scope':<12}" + "".join(f"{part:>22}" for part in parts))
    for label, runs in figures.items():
        print(
            f"{label:<12}"
            + "".join(f"{median([run.parts[part] for run in runs]):>22.3f}" for part in parts)
        )
    print()
    print("SQL queries per run, by phase (execute wrapper on every timed run;")
    print("CaptureQueriesContext on the warm-up run):")
    print(
        f"{'scope':<12}" + "".join(f"{phase:>9}" for phase in PHASES) + f"{'total':>8}"
        f"{'captured':>10}{'load per standard':>19}"
    )
    same = True
    per_standard = {}
    for label, runs in figures.items():
        counts = runs[0].queries
        if any(run.queries != counts for run in runs):
            same = False
        per_standard[label] = counts["load"] / runs[0].standards
        print(
            f"{label:<12}"
            + "".join(f"{counts[phase]:>9}" for phase in PHASES)
            + f"{sum(counts.values()):>8}{len(captured[label]):>10}{per_standard[label]:>19.2f}"
        )
    if len(set(per_standard.values())) != 1:
        same = False
    rows_per_batch = 5000
    for label, runs in figures.items():
        batches = math.ceil(runs[0].rows / rows_per_batch)
        print(
            f"  {label}: load = {runs[0].queries['load']} grouped queries for "
            f"{runs[0].standards} standards, whatever the number of sites; store = {batches} "
            f"INSERT batch(es) of up to {rows_per_batch:,} for {runs[0].rows:,} rows + the run "
            "row"
        )
    print(
        "  (CaptureQueriesContext also records the BEGIN and COMMIT of the run's two "
        "transactions, which no execute wrapper sees)"
    )
    print()
    print("Slowest queries of the warm-up all-cities run (Django's timing, s):")
    by_shape: dict[str, list[float]] = defaultdict(list)
    for query in captured["all cities"]:
        by_shape[query["sql"][:90]].append(float(query["time"]))
    shapes = sorted(by_shape.items(), key=lambda item: sum(item[1]), reverse=True)[:4]
    for shape, times in shapes:
        print(f"  {sum(times):7.3f} s in {len(times):>2} × {shape}…")
    return same


def explain_slowest(captured) -> None:
    from django.db import connection

    query = max(captured, key=lambda q: float(q["time"]))
    print(f"\n=== EXPLAIN ANALYZE of the slowest query ({float(query['time']):.3f} s) ===")
    print(query["sql"])
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {query['sql']}")
        print("\n".join(row[0] for row in cursor.fetchall()))


def profile_run() -> str:
    from gaps.runs import run_coverage

    profiler = cProfile.Profile()
    profiler.enable()
    run_coverage(None)
    profiler.disable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out).strip_dirs()
    stats.sort_stats("cumulative").print_stats(30)
    stats.sort_stats("tottime").print_stats(15)
    return out.getvalue()


# --- 2. kernel ---------------------------------------------------------------------------


@dataclass
class KernelFigures:
    label: str
    radius_km: float
    pairs: int
    pairs_s: float
    times: dict[str, list[float]] = field(default_factory=dict)
    peak: dict[str, int] = field(default_factory=dict)
    inputs: dict[str, int] = field(default_factory=dict)
    extra: dict[str, dict] = field(default_factory=dict)
    agreement: dict[str, Agreement] = field(default_factory=dict)


@dataclass
class Agreement:
    finite: int
    nan: int
    inf: int
    max_rel: float
    max_abs: float
    agree: bool


def agreement(ours: np.ndarray, theirs: np.ndarray) -> Agreement:
    """Atlante's scores against access's: equal to 1e-9 (relative, and absolute) where
    access's are finite, 0 where access says NaN (no site in reach)."""
    finite = np.isfinite(theirs)
    difference = np.abs(ours[finite] - theirs[finite])
    scale = np.abs(theirs[finite])
    max_abs = float(difference.max()) if finite.any() else 0.0
    max_rel = float((difference / np.where(scale > 0, scale, 1)).max()) if finite.any() else 0.0
    return Agreement(
        finite=int(finite.sum()),
        nan=int(np.isnan(theirs).sum()),
        inf=int(np.isinf(theirs).sum()),
        max_rel=max_rel,
        max_abs=max_abs,
        agree=bool(
            np.allclose(ours[finite], theirs[finite], rtol=AGREEMENT_RTOL, atol=0)
            and max_abs <= 1e-9
            and (ours[np.isnan(theirs)] == 0).all()
        ),
    )


def kernel_inputs():
    """Centroids and populations of every municipality; every active site with its
    places and beds (0 where it has none), from the benchmark database."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT centroid_lon, centroid_lat, population FROM registry_municipality ORDER BY id"
        )
        areas = np.array(cursor.fetchall(), dtype=np.float64)
        cursor.execute(
            """
            SELECT s.longitude, s.latitude, COALESCE(SUM(c.total), 0)
            FROM services_site s
            LEFT JOIN services_serviceatsite o ON o.site_id = s.id
            LEFT JOIN services_capacity c
                ON c.offering_id = o.id AND c.unit IN ('places', 'beds')
            WHERE s.active
            GROUP BY s.id ORDER BY s.id
            """
        )
        sites = np.array(cursor.fetchall(), dtype=np.float64)
    return areas, sites


def run_child(implementation: str, directory: Path, threshold: float, repeat: int) -> dict:
    command = [
        sys.executable,
        "-m",
        "tests.bench.coverage_kernel",
        implementation,
        str(directory),
        repr(threshold),
        str(repeat),
    ]
    env = {**os.environ, "PYTHONPATH": str(BASE_DIR)}
    # The command is this interpreter and the kernel module with the benchmark's own values.
    done = subprocess.run(  # noqa: S603
        command, cwd=BASE_DIR, env=env, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise SystemExit(f"{implementation} kernel failed ({done.returncode}):\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def kernel(radii: list[str], repeat: int, work_dir: Path) -> list[KernelFigures]:
    from gaps.coverage import catchment_pairs

    areas, sites = kernel_inputs()
    results = []
    for radius in radii:
        radius_km = FULL_RADIUS_KM if radius == "full" else float(radius)
        label = "all pairs" if radius == "full" else f"{radius_km:g} km"
        start = time.perf_counter()
        pairs = catchment_pairs(
            areas[:, 0], areas[:, 1], sites[:, 0], sites[:, 1], max_km=radius_km
        )
        pairs_s = time.perf_counter() - start
        n = pairs.cost.shape[0]
        need = n * ACCESS_BYTES_PER_PAIR
        if mem_available() < need:
            print(
                f"  {label}: {n:,} pairs skipped: MemAvailable {mem_available() / GIB:.1f} "
                f"GiB < {need / GIB:.1f} GiB wanted for access"
            )
            break
        directory = work_dir / label.replace(" ", "-")
        directory.mkdir()
        for name, array in (
            ("demand", pairs.demand),
            ("supply", pairs.supply),
            ("cost", pairs.cost),
            ("population", areas[:, 2]),
            ("capacity", sites[:, 2]),
        ):
            np.save(directory / f"{name}.npy", array)
        del pairs
        figures = KernelFigures(label, radius_km, n, pairs_s)
        for implementation in IMPLEMENTATIONS:
            report = run_child(implementation, directory, radius_km, repeat)
            figures.times[implementation] = report["times_s"]
            figures.peak[implementation] = report["peak_rss"]
            figures.inputs[implementation] = report["inputs_rss"]
            figures.extra[implementation] = report
        ours = np.load(directory / "scores-atlante.npy")
        for implementation in ACCESS_VARIANTS:
            theirs = np.load(directory / f"scores-{implementation}.npy")
            figures.agreement[implementation] = agreement(ours, theirs)
        for path in directory.iterdir():
            path.unlink()
        directory.rmdir()
        results.append(figures)
        print(
            f"  {label}: {n:,} pairs, atlante {median(figures.times['atlante']):.3f} s, "
            f"access {median(figures.times['access']):.3f} s",
            flush=True,
        )
    return results


def first(times: list[float]) -> float:
    """The first call, in a fresh process: cold caches, fresh pages for every array."""
    return times[0]


def warm(times: list[float]) -> float:
    """The median of the calls after the first (the first when there is only one)."""
    return median(times[1:] or times)


def print_kernel(results: list[KernelFigures], n_areas: int, n_sites: int) -> bool:
    print()
    print(
        f"== 2. 2SFCA kernel: gaps.coverage.two_step_fca vs access.Access.two_stage_fca "
        f"({n_areas:,} centroids × {n_sites:,} sites, step decay, catchment = radius) =="
    )
    print(
        "s: the kernel call (access: Access(...) + two_stage_fca), 1st = the first call in "
        "a fresh process,\nwarm = median of the next ones; peak: VmHWM of the process; "
        "kern: peak − peak before the first call;\naccess keyed by integer indices (int) "
        "or by text codes (text), on the same table"
    )
    header = (
        f"{'table':<10}{'pairs':>12}{'access':>7}{'atl 1st':>9}{'atl warm':>9}{'acc 1st':>9}"
        f"{'acc warm':>9}{'×1st':>7}{'×warm':>7}"
        f"{'atl peak':>10}{'acc peak':>10}{'atl kern':>10}{'acc kern':>10}"
        f"{'×peak':>7}{'×kern':>7}{'max rel':>9}  agree"
    )
    print(header)
    print("-" * len(header))
    ok = True
    for r in results:
        ours = r.times["atlante"]
        kernel_ours = r.peak["atlante"] - r.inputs["atlante"]
        for name in ACCESS_VARIANTS:
            theirs = r.times[name]
            kernel_theirs = r.peak[name] - r.inputs[name]
            check = r.agreement[name]
            print(
                f"{r.label:<10}{r.pairs:>12,}{'int' if name == 'access' else 'text':>7}"
                f"{first(ours):>9.3f}{warm(ours):>9.3f}{first(theirs):>9.3f}{warm(theirs):>9.3f}"
                f"{first(theirs) / first(ours):>6.1f}×{warm(theirs) / warm(ours):>6.1f}×"
                f"{r.peak['atlante'] / GIB:>6.2f} GiB{r.peak[name] / GIB:>6.2f} GiB"
                f"{kernel_ours / GIB:>6.2f} GiB{kernel_theirs / GIB:>6.2f} GiB"
                f"{r.peak[name] / r.peak['atlante']:>6.1f}×"
                f"{kernel_theirs / max(kernel_ours, 1):>6.1f}×{check.max_rel:>9.1e}  "
                f"{'yes' if check.agree else 'NO'}"
            )
            ok = ok and check.agree
    print()
    for r in results:
        check = r.agreement["access"]
        print(
            f"  {r.label}: pairs found by the k-d tree in {r.pairs_s:.2f} s (in no kernel "
            f"time); access scores finite {check.finite:,}, NaN {check.nan:,} (Atlante: 0), "
            f"inf {check.inf:,}; max |diff| {check.max_abs:.1e}; calls (s): "
            + "; ".join(
                f"{name} " + ", ".join(f"{t:.3f}" for t in r.times[name])
                for name in IMPLEMENTATIONS
            )
        )
    return ok


# --- main --------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--repeat",
        type=int,
        default=3,
        help="timed end-to-end runs per scope, and kernel calls per process (default 3)",
    )
    parser.add_argument(
        "--radii",
        default=KERNEL_RADII,
        help=f"kernel cost tables, km or 'full', comma-separated (default {KERNEL_RADII})",
    )
    parser.add_argument("--no-end-to-end", action="store_true", help="the kernel only")
    parser.add_argument("--no-kernel", action="store_true", help="the end-to-end runs only")
    parser.add_argument("--profile", action="store_true", help="cProfile one all-cities run")
    parser.add_argument(
        "--explain", action="store_true", help="EXPLAIN ANALYZE the slowest query of a run"
    )
    args = parser.parse_args()

    database_url = bench_database()
    configure_environment(database_url)
    sys.path.insert(0, str(BASE_DIR))

    import warnings

    warnings.filterwarnings("ignore", message="No directory at")

    import django

    django.setup()
    import platform

    import access
    import scipy
    from django.conf import settings
    from django.db import connection

    from gaps.models import Standard
    from registry.models import MetropolitanCity

    if not Standard.objects.filter(active=True).exists():
        sys.exit("No active standard in atlante_bench: run `manage.py migrate` on it.")
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        server = cursor.fetchone()[0]
    print(f"Atlante coverage benchmark, {time.strftime('%Y-%m-%d %H:%M:%S UTC', time.gmtime())}")
    print(
        f"database {settings.DATABASES['default']['NAME']} (PostgreSQL {server}), "
        f"DEBUG={settings.DEBUG}; Python {platform.python_version()}, numpy {np.__version__}, "
        f"scipy {scipy.__version__}, access {access.__version__}; {os.cpu_count()} CPUs, "
        f"MemAvailable {mem_available() / GIB:.1f} GiB, load average "
        + " ".join(f"{load:.2f}" for load in os.getloadavg())
    )
    print()

    status = 0
    all_cities_s = None
    if not args.no_end_to_end:
        cities = {"all cities": None, ONE_CITY: MetropolitanCity.objects.get(slug=ONE_CITY)}
        figures, captured = end_to_end(cities, args.repeat)
        if not print_end_to_end(figures, captured, args.repeat):
            print("FAILED: the number of queries differs between runs or scopes.")
            status = 1
        all_cities_s = median([run.wall for run in figures["all cities"]])
        if args.explain:
            explain_slowest(captured["all cities"])
        if args.profile:
            print("\n=== cProfile: run_coverage(None) ===")
            print(profile_run())

    kernel_results = []
    if not args.no_kernel:
        print()
        print("Kernel tables (growing while MemAvailable allows):", flush=True)
        with tempfile.TemporaryDirectory(prefix="bench-coverage-") as work_dir:
            kernel_results = kernel(
                [radius.strip() for radius in args.radii.split(",")],
                args.repeat,
                Path(work_dir),
            )
        areas, sites = kernel_inputs()
        if not print_kernel(kernel_results, areas.shape[0], sites.shape[0]):
            print("FAILED: the scores differ from access's.")
            status = 1

    print()
    print("load average at the end: " + " ".join(f"{load:.2f}" for load in os.getloadavg()))
    print("Goals:")
    if all_cities_s is not None:
        verdict = "met" if all_cities_s < GOAL_ALL_CITIES_S else "MISSED"
        print(
            f"  end-to-end all cities < {GOAL_ALL_CITIES_S:g} s: {all_cities_s:.2f} s — {verdict}"
        )
    if kernel_results:
        largest = kernel_results[-1]
        ours = largest.times["atlante"]
        for name, keys in ACCESS_VARIANTS.items():
            theirs = largest.times[name]
            speed_up = warm(theirs) / warm(ours)
            memory = largest.peak[name] / largest.peak["atlante"]
            kernel_memory = (largest.peak[name] - largest.inputs[name]) / max(
                largest.peak["atlante"] - largest.inputs["atlante"], 1
            )
            verdict = "met" if speed_up >= GOAL_SPEED_UP else "MISSED"
            print(
                f"  kernel ≥ {GOAL_SPEED_UP:g}× faster than access ({keys}, "
                f"{largest.pairs:,} pairs): {speed_up:.1f}× warm, "
                f"{first(theirs) / first(ours):.1f}× first call — {verdict}"
            )
            verdict = "met" if min(memory, kernel_memory) >= 2 else "MISSED"
            print(
                f"  memory well under access's ({keys}): process peak {memory:.1f}× lower, "
                f"the kernel's own {kernel_memory:.1f}× lower — {verdict} (goal read as ≥ 2×)"
            )
    return status


if __name__ == "__main__":
    sys.exit(main())
