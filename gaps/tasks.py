"""Celery jobs of the coverage engine: one per metropolitan city, and one for all."""

from celery import shared_task
from django.db import OperationalError

from gaps.models import RunTrigger
from gaps.runs import RunUnderWay, run_coverage
from registry.models import MetropolitanCity


@shared_task(
    autoretry_for=(OperationalError,), retry_backoff=True, max_retries=3, ignore_result=True
)
def compute_coverage(
    metropolitan_city_slug: str | None = None, trigger: str = RunTrigger.SCHEDULE
) -> int | None:
    """Compute a scope's coverage; the run's id, or None if one is already under way
    (that run will reflect the same data or newer)."""
    city = None
    if metropolitan_city_slug is not None:
        city = MetropolitanCity.objects.get(slug=metropolitan_city_slug)
    try:
        return run_coverage(city, trigger=trigger).pk
    except RunUnderWay:
        return None
