"""Celery jobs of the coverage engine: one per metropolitan city, and one for all."""

from celery import shared_task
from django.core.cache import cache
from django.db import OperationalError

from gaps.models import RunTrigger
from gaps.runs import ALL, RunUnderWay, run_coverage
from gaps.triggers import pending_key
from registry.models import MetropolitanCity


@shared_task(bind=True, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def compute_coverage(
    self, metropolitan_city_slug: str | None = None, trigger: str = RunTrigger.SCHEDULE
) -> int | None:
    """Compute a scope's coverage and return the run's id. A run of the same scope under
    way makes a change-triggered run wait its turn (it must see the newer data); a
    scheduled one is dropped (the running one is as new)."""
    scope = metropolitan_city_slug or ALL
    # From here on, an edit schedules another run: this one may not see it.
    cache.delete(pending_key(scope))
    city = None
    if metropolitan_city_slug is not None:
        city = MetropolitanCity.objects.get(slug=metropolitan_city_slug)
    try:
        return run_coverage(city, trigger=trigger).pk
    except RunUnderWay:
        if trigger == RunTrigger.CHANGE:
            raise self.retry(countdown=30, max_retries=20) from None
        return None
