"""Coverage runs over a small city computed by hand (issue 4, parts 2-4).

Three municipalities on one meridian: A (20,000 inhabitants) and B (10,000) 5.6 km
apart, C (5,000) 67 km away; an Ambito of A and B. One women's shelter in A with 6
places, 2 of them free. Someone resident in B is wait-listed for it.
"""

import datetime

import pytest
from django.utils import timezone

from gaps import runs
from gaps.models import AreaKind, CoverageResult, CoverageRun, RunStatus, RunTrigger
from gaps.runs import RunUnderWay, latest_complete_run, run_coverage
from gaps.tasks import compute_coverage

pytestmark = pytest.mark.django_db
SHELTER = "shelter-family-places"


def result(run, municipality=None, zone=None, standard=SHELTER) -> CoverageResult:
    return CoverageResult.objects.get(
        run=run, standard__code=standard, municipality=municipality, zone=zone
    )


def test_a_run_stores_every_lens_per_municipality_and_zone(city):
    run = run_coverage(city["metro"], trigger=RunTrigger.MANUAL)
    assert (run.status, run.progress, run.scope) == (RunStatus.COMPLETE, 100, "piccola")
    assert run.duration is not None and len(run.input_fingerprint) == 64
    a, b, c = (result(run, city[name]) for name in "abc")
    # Requirement: 1 place per 10,000 → 2, 1, 0.5; supply 6 in A only.
    assert (a.requirement, a.supply, a.gap, a.ratio) == (2.0, 6.0, 0.0, 3.0)
    assert (b.requirement, b.supply, b.gap, b.ratio) == (1.0, 0.0, 1.0, 0.0)
    assert (c.requirement, c.gap) == (0.5, 0.5)
    # 2SFCA, 10 km step: the shelter reaches A and B (30,000 people): 6 / 30,000 each.
    assert a.accessibility == pytest.approx(0.0002, rel=1e-12)
    assert b.accessibility == pytest.approx(0.0002, rel=1e-12)
    assert (c.accessibility, c.sites_in_reach) == (0.0, 0)
    # Demand: one person of B waiting, free places are in A.
    assert (b.waiting, b.free_places, b.unmet) == (1.0, 0.0, 1.0)
    assert (a.waiting, a.free_places, a.unmet) == (0.0, 2.0, 0.0)
    ambito = result(run, zone=city["ambito"])
    assert ambito.area_kind == AreaKind.ZONE
    assert (ambito.population_used, ambito.supply, ambito.requirement, ambito.gap) == (
        30000.0,
        6.0,
        3.0,
        0.0,
    )
    assert ambito.accessibility == pytest.approx(0.0002, rel=1e-12)
    assert (ambito.waiting, ambito.unmet) == (1.0, 0.0)


def test_a_group_standard_without_group_figures_says_so(city):
    run = run_coverage(city["metro"])
    centres = result(run, city["a"], standard="anti-violence-centres")
    assert (centres.group_known, centres.population_used) == (False, 20000.0)


def test_presence_is_judged_per_ambito(city):
    run = run_coverage(city["metro"])
    ambito = result(run, zone=city["ambito"], standard="housing-first-in-every-ambito")
    assert (ambito.present, ambito.site_count) == (False, 0)


def test_same_inputs_give_the_same_fingerprint_and_rows(city):
    first, second = run_coverage(city["metro"]), run_coverage(city["metro"])
    assert first.input_fingerprint == second.input_fingerprint
    columns = ("standard_id", "municipality_id", "zone_id", "requirement", "accessibility", "unmet")

    def rows(run):
        return list(
            run.results.order_by("standard_id", "municipality_id", "zone_id").values_list(*columns)
        )

    assert rows(first) == rows(second)
    assert latest_complete_run(city["metro"]) == second


def test_a_failed_run_leaves_the_previous_one_visible_and_no_rows(city, monkeypatch):
    good = run_coverage(city["metro"])
    calls = {"n": 0}
    compute = runs.compute_category

    def fails_on_the_third(inputs):
        calls["n"] += 1
        if calls["n"] == 3:
            raise RuntimeError("disk full")
        return compute(inputs)

    monkeypatch.setattr(runs, "compute_category", fails_on_the_third)
    with pytest.raises(RuntimeError):
        run_coverage(city["metro"])
    failed = CoverageRun.objects.exclude(pk=good.pk).get()
    assert (failed.status, failed.error) == (RunStatus.FAILED, "RuntimeError: disk full")
    assert not failed.results.exists()
    assert latest_complete_run(city["metro"]) == good


def test_never_two_runs_of_the_same_scope_at_once(city):
    CoverageRun.objects.create(metropolitan_city=city["metro"], scope="piccola", trigger="manual")
    with pytest.raises(RunUnderWay):
        run_coverage(city["metro"])
    # Another scope is free to run.
    assert run_coverage(None).status == RunStatus.COMPLETE


def test_a_run_whose_process_died_is_marked_interrupted(city, settings):
    stale = CoverageRun.objects.create(
        metropolitan_city=city["metro"], scope="piccola", trigger="schedule"
    )
    CoverageRun.objects.filter(pk=stale.pk).update(
        started_at=timezone.now() - datetime.timedelta(seconds=settings.COVERAGE_RUN_TIMEOUT + 1)
    )
    run = run_coverage(city["metro"])
    stale.refresh_from_db()
    assert (stale.status, stale.error) == (RunStatus.FAILED, "Interrupted: no result.")
    assert run.status == RunStatus.COMPLETE


def test_the_task_runs_a_city_and_is_scheduled_nightly(city, settings):
    run_id = compute_coverage.delay("piccola").get()
    run = CoverageRun.objects.get(pk=run_id)
    assert (run.scope, run.trigger, run.status) == ("piccola", "schedule", RunStatus.COMPLETE)
    nightly = settings.CELERY_BEAT_SCHEDULE["coverage-all-nightly"]
    assert nightly["task"] == "gaps.tasks.compute_coverage"
    assert (nightly["schedule"].hour, nightly["schedule"].minute) == ({2}, {30})
