"""How dates read in messages, the same on every page and in every refusal."""

from __future__ import annotations

import datetime

from django.utils import formats


def short_date(value: datetime.date) -> str:
    """The date in the active language's short format (e.g. 05/03/2025 in Italian)."""
    return formats.date_format(value, "SHORT_DATE_FORMAT")
