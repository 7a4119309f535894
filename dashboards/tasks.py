"""Celery job of the dashboards: keep the facts they aggregate current."""

from celery import shared_task
from django.db import OperationalError

from dashboards.facts import refresh_facts
from dashboards.memo import warm_city_tables


@shared_task(autoretry_for=(OperationalError,), retry_backoff=True, max_retries=3)
def refresh_dashboard_facts() -> float:
    """Refresh the facts, then publish the cities' dashboard tables of that refresh;
    returns the seconds the refresh took."""
    seconds = refresh_facts()
    warm_city_tables()
    return seconds
