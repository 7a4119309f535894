"""Housekeeping of partner credentials."""

from celery import shared_task
from oauth2_provider.models import clear_expired


@shared_task
def clear_expired_tokens() -> None:
    """Delete expired access tokens (they authenticate nobody, but pile up: a partner
    asking every ten minutes leaves 144 a day)."""
    clear_expired()
