"""Counts of people in coverage results as they may leave the server.

A result's ``waiting`` and ``unmet`` count people. They are published with the small-cell
suppression of :mod:`core.suppression` — primary (1 to 4 shown as ``"<5"``) and
complementary across the area hierarchy of a run: for each run and standard, a zone's
figure is the total of its municipalities' (waiting is their sum; unmet demand is computed
on the zone's sums, so it is at most their sum, and is treated as a total all the same),
so a hidden municipality cannot be recovered by subtracting its neighbours from the zone.

Suppression is always computed over the whole run and standard, whatever subset of rows
is being shown: a filtered API page or admin page publishes exactly what the full export
publishes, so comparing two views gives nothing away.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from django.core.cache import cache

from core.suppression import suppress
from gaps.models import AreaKind, CoverageResult, CoverageRun
from registry.models import Zone

PEOPLE_COUNTS = ("waiting", "unmet")

Published = float | str


def published_people_counts(
    results: Iterable[CoverageResult],
) -> dict[int, dict[str, Published]]:
    """``{result id: {"waiting": published, "unmet": published}}`` for every result of
    the runs and standards of ``results`` (three queries, whatever their number).

    A run's results never change once stored, so what is published of a run and standard
    is kept in the shared cache for a day and computed once."""
    wanted: dict[tuple[int, int], set[int]] = defaultdict(set)
    for result in results:
        wanted[(result.run_id, result.standard_id)].add(result.pk)
    published: dict[int, dict[str, Published]] = {}
    if not wanted:
        return published
    # The run's start names it in the cache: ids restart when a demo database is reset.
    started = dict(
        CoverageRun.objects.filter(pk__in={run for run, _ in wanted}).values_list(
            "pk", "started_at"
        )
    )
    keys = {pair: _cache_key(pair, started.get(pair[0])) for pair in wanted}
    missing = set()
    for pair, ids in wanted.items():
        kept = cache.get(keys[pair])
        # A result the kept copy does not know of (a run being written): publish again.
        if kept is None or not ids <= kept.keys():
            missing.add(pair)
        else:
            published.update(kept)
    if missing:
        computed = _publish(missing)
        for pair in missing:
            counts = computed.get(pair, {})
            cache.set(keys[pair], counts, timeout=CACHE_SECONDS)
            published.update(counts)
    return published


CACHE_SECONDS = 24 * 60 * 60


def _cache_key(pair: tuple[int, int], started) -> str:
    stamp = started.isoformat() if started else "-"
    return f"gaps:published-people:{pair[0]}:{stamp}:{pair[1]}"


def _publish(pairs: set[tuple[int, int]]) -> dict[tuple[int, int], dict[int, dict]]:
    """What is published of each (run, standard): result id → counts."""
    rows = (
        CoverageResult.objects.filter(
            run_id__in={run for run, _ in pairs}, standard_id__in={std for _, std in pairs}
        )
        .order_by("run_id", "standard_id", "area_kind", "municipality_id", "zone_id", "id")
        .values_list(
            "id", "run_id", "standard_id", "area_kind", "municipality_id", "zone_id", *PEOPLE_COUNTS
        )
    )
    groups: dict[tuple[int, int], list[tuple]] = defaultdict(list)
    zone_ids = set()
    for row in rows:
        if (row[1], row[2]) in pairs:
            groups[(row[1], row[2])].append(row)
            if row[3] == AreaKind.ZONE:
                zone_ids.add(row[5])
    members: dict[int, list[int]] = defaultdict(list)
    for zone_id, municipality_id in (
        Zone.municipalities.through.objects.filter(zone_id__in=zone_ids)
        .order_by("zone_id", "municipality_id")
        .values_list("zone_id", "municipality_id")
    ):
        members[zone_id].append(municipality_id)

    published: dict[tuple[int, int], dict[int, dict]] = {}
    for pair, group in groups.items():
        counts: dict[int, dict[str, Published]] = defaultdict(dict)
        published[pair] = counts
        by_municipality = {row[4]: row[0] for row in group if row[3] == AreaKind.MUNICIPALITY}
        equations = []
        for row in group:
            if row[3] != AreaKind.ZONE:
                continue
            parts = [by_municipality[m] for m in members[row[5]] if m in by_municipality]
            if parts:
                equations.append((row[0], parts))
        for i, name in enumerate(PEOPLE_COUNTS, start=6):
            shown = suppress({row[0]: row[i] for row in group}, equations)
            for result_id, value in shown.items():
                counts[result_id][name] = value
        published[pair] = dict(counts)
    return published
