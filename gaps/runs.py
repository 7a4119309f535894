"""Coverage runs: compute every active standard over a scope and store the results.

A run is created as *running* (the database refuses a second running run of the same
scope), computes in memory, then writes all its result rows and marks itself complete in
one transaction: readers see the whole run or none of it. If anything fails the run is
marked failed with the error and no row; a run whose process died (still *running* after
``COVERAGE_RUN_TIMEOUT``) is marked interrupted by the next one. The latest complete run
of a scope is what dashboards and the API show; older runs stay for comparison.
"""

from __future__ import annotations

import datetime
import hashlib
import time

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from gaps.coverage import LensResults, compute_category, input_fingerprint
from gaps.inputs import load
from gaps.models import (
    AreaKind,
    CoverageResult,
    CoverageRun,
    RunStatus,
    RunTrigger,
    Standard,
)

ALL = "all"


class RunUnderWay(Exception):
    """A run of the same scope is already running."""


def scope_of(metropolitan_city) -> str:
    return ALL if metropolitan_city is None else metropolitan_city.slug


def latest_complete_run(metropolitan_city=None) -> CoverageRun | None:
    return (
        CoverageRun.objects.filter(scope=scope_of(metropolitan_city), status=RunStatus.COMPLETE)
        .order_by("-finished_at", "-id")
        .first()
    )


def _mark_interrupted(scope: str) -> None:
    timeout = datetime.timedelta(seconds=getattr(settings, "COVERAGE_RUN_TIMEOUT", 1800))
    now = timezone.now()
    CoverageRun.objects.filter(
        scope=scope, status=RunStatus.RUNNING, started_at__lt=now - timeout
    ).update(status=RunStatus.FAILED, finished_at=now, error="Interrupted: no result.")


def _rows(run, standard, areas: LensResults, ids: list[int], kind: str) -> list[CoverageResult]:
    def value(array, i):
        return None if array is None else float(array[i])

    rows = []
    for i, area_id in enumerate(ids):
        rows.append(
            CoverageResult(
                run=run,
                standard=standard,
                area_kind=kind,
                municipality_id=area_id if kind == AreaKind.MUNICIPALITY else None,
                zone_id=area_id if kind == AreaKind.ZONE else None,
                population_used=float(areas.population_used[i]),
                group_known=bool(areas.group_known[i]),
                supply=float(areas.supply[i]),
                site_count=int(areas.site_count[i]),
                present=bool(areas.present[i]),
                requirement=value(areas.requirement, i),
                gap=value(areas.gap, i),
                ratio=value(areas.ratio, i),
                accessibility=float(areas.accessibility[i]),
                sites_in_reach=(
                    None if areas.sites_in_reach is None else int(areas.sites_in_reach[i])
                ),
                waiting=float(areas.waiting[i]),
                free_places=float(areas.free_places[i]),
                unmet=float(areas.unmet[i]),
            )
        )
    return rows


def run_coverage(
    metropolitan_city=None, *, trigger: str = RunTrigger.MANUAL, user=None
) -> CoverageRun:
    scope = scope_of(metropolitan_city)
    _mark_interrupted(scope)
    try:
        with transaction.atomic():
            run = CoverageRun.objects.create(
                metropolitan_city=metropolitan_city,
                scope=scope,
                trigger=trigger,
                triggered_by=user,
            )
    except IntegrityError:
        raise RunUnderWay(scope) from None
    started = time.monotonic()
    try:
        standards = list(Standard.objects.filter(active=True).select_related("category"))
        rows, parameters, fingerprints = [], [], []
        for done, standard in enumerate(standards, start=1):
            loaded = load(metropolitan_city, standard)
            result = compute_category(loaded.inputs)
            fingerprints.append(input_fingerprint(loaded.inputs))
            parameters.append(loaded.parameters)
            rows += _rows(
                run, standard, result.areas, loaded.municipality_ids, AreaKind.MUNICIPALITY
            )
            rows += _rows(run, standard, result.zones, loaded.zone_ids, AreaKind.ZONE)
            # Outside the final transaction, so the admin sees it while the run goes on.
            CoverageRun.objects.filter(pk=run.pk).update(progress=done * 99 // len(standards))
        with transaction.atomic():
            CoverageResult.objects.bulk_create(rows, batch_size=5000)
            run.status = RunStatus.COMPLETE
            run.progress = 100
            run.parameters = {"standards": parameters}
            run.input_fingerprint = hashlib.sha256("".join(fingerprints).encode()).hexdigest()
            run.finished_at = timezone.now()
            run.duration = datetime.timedelta(seconds=time.monotonic() - started)
            run.save()
    except Exception as error:
        CoverageRun.objects.filter(pk=run.pk).update(
            status=RunStatus.FAILED,
            finished_at=timezone.now(),
            duration=datetime.timedelta(seconds=time.monotonic() - started),
            error=f"{type(error).__name__}: {error}",
        )
        raise
    return run
