"""With a real Redis broker and a real Celery worker process: a burst of edits to a
site's capacity leads to exactly one new coverage run, whose results reflect them."""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection

from config.celery import app as celery_app
from gaps.models import CoverageResult, CoverageRun, RunStatus, RunTrigger
from gaps.runs import run_coverage
from services.models import CapacityUnit, ServiceCategory
from tests.factories import (
    CapacityFactory,
    MetropolitanCityFactory,
    MunicipalityFactory,
    ServiceAtSiteFactory,
    ServiceFactory,
    SiteFactory,
)

ROOT = Path(__file__).resolve().parents[2]
COALESCE_SECONDS = 2


def wait_for(condition, timeout: float, message: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.25)
    raise AssertionError(message)


@pytest.fixture
def worker(settings, tmp_path):
    """A worker process on the test database and the test broker; the test process
    sends to the broker instead of running tasks inline."""
    settings.COVERAGE_COALESCE_SECONDS = COALESCE_SECONDS
    celery_app.conf.task_always_eager = False
    celery_app.control.purge()
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings_test",
        "DATABASE_URL": (
            f"postgres://{connection.settings_dict['USER']}@{connection.settings_dict['HOST']}:"
            f"{connection.settings_dict['PORT']}/{connection.settings_dict['NAME']}"
        ),
    }
    log = (tmp_path / "worker.log").open("wb")
    process = subprocess.Popen(  # noqa: S603 - our own venv's celery, fixed arguments
        [
            str(Path(sys.executable).with_name("celery")),
            "-A",
            "config",
            "worker",
            "--pool=solo",
            "--without-gossip",
            "--without-mingle",
            "--loglevel=WARNING",
            "-n",
            f"test-worker-{os.getpid()}@%h",
        ],
        cwd=ROOT,
        env=environment,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    process.log_path = tmp_path / "worker.log"
    try:
        wait_for(lambda: celery_app.control.ping(timeout=0.5), 60, "the worker did not start")
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()
        celery_app.conf.task_always_eager = True


@pytest.mark.django_db(transaction=True)
def test_a_burst_of_capacity_edits_leads_to_exactly_one_run(reference_data, worker, settings):
    metro = MetropolitanCityFactory(slug="lavoratrice")
    town = MunicipalityFactory(metropolitan_city=metro, population=20000)
    shelter = ServiceFactory(
        categories=[ServiceCategory.objects.get(code="gender-violence.shelter")],
        public_contact="1522",
        confidential=True,
    )
    offering = ServiceAtSiteFactory(
        service=shelter, site=SiteFactory(organisation=shelter.organisation, municipality=town)
    )
    capacity = CapacityFactory(offering=offering, unit=CapacityUnit.PLACES, total=6, available=2)
    first = run_coverage(metro)
    # From here on, edits schedule runs (the set-up above scheduled none).
    settings.COVERAGE_RECOMPUTE_ON_CHANGE = True

    # Three edits in a row, each committed: one run must cover them all.
    for total, available in ((8, 3), (10, 4), (12, 5)):
        capacity.refresh_from_db()
        capacity.total, capacity.available = total, available
        capacity.save()

    new_run = wait_for(
        lambda: (
            CoverageRun.objects.filter(scope="lavoratrice", status=RunStatus.COMPLETE)
            .exclude(pk=first.pk)
            .first()
        ),
        90,
        "no run followed the edits",
    )
    # Give a second, unwanted run the time to show up if one had been scheduled.
    time.sleep(COALESCE_SECONDS * 3)
    runs = CoverageRun.objects.filter(scope="lavoratrice").exclude(pk=first.pk)
    assert runs.count() == 1
    assert new_run.trigger == RunTrigger.CHANGE
    row = CoverageResult.objects.get(
        run=new_run, standard__code="shelter-family-places", municipality=town
    )
    assert (row.supply, row.free_places) == (12.0, 5.0)
    assert worker.poll() is None, worker.log_path.read_text()
