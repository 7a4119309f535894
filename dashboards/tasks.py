"""Celery job of the dashboards: keep the facts they aggregate current."""

from celery import shared_task
from django.db import OperationalError

from dashboards.facts import refresh_facts


@shared_task(autoretry_for=(OperationalError,), retry_backoff=True, max_retries=3)
def refresh_dashboard_facts() -> float:
    """Refresh the cases' and referrals' facts; returns the seconds it took."""
    return refresh_facts()
