"""One 2SFCA kernel on a stored cost table, in a process of its own (issue 4's benchmark).

Started by ``tests/bench/bench_coverage.py`` as
``python -m tests.bench.coverage_kernel {atlante|access|access-codes} DIRECTORY THRESHOLD
REPEAT``: it loads the table the parent wrote to ``DIRECTORY`` (``demand.npy``,
``supply.npy``, ``cost.npy``, ``population.npy``, ``capacity.npy``), puts it in the form
the implementation takes (Atlante: a :class:`gaps.coverage.CostPairs` over the same
arrays; ``access``: the three pandas frames, keyed by the integer indices as in
tests/registry/test_coverage.py; ``access-codes``: the same frames keyed by text codes, as
data usually are — six-digit ISTAT-like codes for the areas, site ids for the sites), notes
its own peak resident set so far (interpreter, libraries and inputs), runs the kernel
``REPEAT`` times with a step decay of catchment ``THRESHOLD``, writes the scores to
``scores-<impl>.npy`` and prints one JSON line: the timings and the peak resident set
before the kernel and at the end. No Django: neither kernel needs it.

The peak resident set is ``VmHWM`` of ``/proc/self/status``, the high-water mark of this
program's address space, which ``exec`` starts afresh. Not ``ru_maxrss`` (of the process,
or of the child from ``os.wait4`` / ``RUSAGE_CHILDREN``): Linux carries it over ``fork``
and ``exec``, so a child of the benchmark (Django, ~0.4 GiB resident) would report at
least the parent's resident set at the fork, hiding the kernel's own peak.
"""

from __future__ import annotations

import functools
import json
import sys
import time
from pathlib import Path

import numpy as np


def rss_peak_bytes() -> int:
    """Peak resident set of this program so far: VmHWM (kB) of /proc/self/status."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    raise RuntimeError("no VmHWM in /proc/self/status (Linux only)")


def load(directory: Path) -> dict[str, np.ndarray]:
    names = ("demand", "supply", "cost", "population", "capacity")
    return {name: np.load(directory / f"{name}.npy") for name in names}


def run_atlante(arrays: dict[str, np.ndarray], threshold: float, repeat: int):
    from gaps.coverage import Catchment, CostPairs, two_step_fca

    # The arrays as they are, unchecked (CostPairs.from_table would sort all pairs to
    # look for duplicates): the kernel alone is timed, as for access.
    pairs = CostPairs(
        arrays["demand"],
        arrays["supply"],
        arrays["cost"],
        arrays["population"].shape[0],
        arrays["capacity"].shape[0],
    )
    catchment = Catchment(threshold)
    inputs_rss = rss_peak_bytes()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        result = two_step_fca(arrays["population"], arrays["capacity"], pairs, catchment)
        times.append(time.perf_counter() - start)
    return result.score, times, {}, inputs_rss


def run_access(arrays: dict[str, np.ndarray], threshold: float, repeat: int, codes=False):
    import warnings

    import pandas as pd
    from access import Access

    n_demand, n_supply = arrays["population"].shape[0], arrays["capacity"].shape[0]
    area_keys, site_keys = np.arange(n_demand), np.arange(n_supply)
    if codes:
        area_keys = np.char.zfill(area_keys.astype(str), 6).astype(object)
        site_keys = site_keys.astype(str).astype(object)
    # As tests/registry/test_coverage.py: frames indexed already (demand_index=True).
    demand = pd.DataFrame({"pop": arrays["population"]}, index=pd.Index(area_keys, name="geoid"))
    supply = pd.DataFrame({"places": arrays["capacity"]}, index=pd.Index(site_keys, name="geoid"))
    costs = pd.DataFrame(
        {
            "origin": area_keys[arrays["demand"]],
            "dest": site_keys[arrays["supply"]],
            "cost": arrays["cost"],
        }
    )
    del arrays["demand"], arrays["supply"], arrays["cost"]
    inputs_rss = rss_peak_bytes()
    times, construct, fca = [], [], []
    for _ in range(repeat):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # access's own pandas deprecation warnings
            start = time.perf_counter()
            model = Access(
                demand_df=demand,
                demand_index=True,
                demand_value="pop",
                supply_df=supply,
                supply_index=True,
                supply_value="places",
                cost_df=costs,
                cost_origin="origin",
                cost_dest="dest",
                cost_name="cost",
            )
            built = time.perf_counter()
            result = model.two_stage_fca(name="fca", max_cost=threshold, normalize=False)
            done = time.perf_counter()
        times.append(done - start)
        construct.append(built - start)
        fca.append(done - built)
        del model
    score = result["fca_places"].reindex(demand.index).to_numpy(dtype=float)
    return score, times, {"construct_s": construct, "two_stage_fca_s": fca}, inputs_rss


def main() -> int:
    implementation, directory, threshold, repeat = sys.argv[1:5]
    directory = Path(directory)
    arrays = load(directory)
    run = {
        "atlante": run_atlante,
        "access": run_access,
        "access-codes": functools.partial(run_access, codes=True),
    }[implementation]
    score, times, parts, inputs_rss = run(arrays, float(threshold), int(repeat))
    np.save(directory / f"scores-{implementation}.npy", score)
    report = {"times_s": times, "inputs_rss": inputs_rss, "peak_rss": rss_peak_bytes()}
    print(json.dumps({**report, **parts}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
