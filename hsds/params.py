"""Query parameters of the HSDS API: only those the HSDS OpenAPI lists for each path,
parsed strictly; anything unknown, empty or malformed answers 400 naming it."""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.http import QueryDict
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import ValidationError

DEFAULT_PER_PAGE = 50
MAX_PER_PAGE = 200
FORMATS = ("json", "ndjson")


def check_known(query_params: QueryDict, known: Iterable[str]) -> None:
    unknown = sorted(set(query_params) - set(known))
    if unknown:
        raise ValidationError({name: [_("Unknown query parameter.")] for name in unknown})
    empty = sorted(name for name, value in query_params.items() if value == "")
    if empty:
        raise ValidationError(
            {name: [_("Give a value, or leave the parameter out.")] for name in empty}
        )


def boolean(query_params: QueryDict, name: str) -> bool:
    raw = query_params.get(name)
    if raw is None:
        return False
    if raw.lower() in ("true", "1"):
        return True
    if raw.lower() in ("false", "0"):
        return False
    raise ValidationError({name: [_("Give true or false.")]})


def whole_number(
    query_params: QueryDict, name: str, *, default: int, low: int, high: int | None
) -> int:
    raw = query_params.get(name)
    if raw is None:
        return default
    if raw.isascii() and raw.isdigit() and int(raw) >= low and (high is None or int(raw) <= high):
        return int(raw)
    if high is None:
        message = _("A whole number, at least %(low)d.") % {"low": low}
    else:
        message = _("A whole number from %(low)d to %(high)d.") % {"low": low, "high": high}
    raise ValidationError({name: [message]})


def page_and_size(query_params: QueryDict) -> tuple[int, int]:
    page = whole_number(query_params, "page", default=1, low=1, high=None)
    per_page = whole_number(
        query_params, "per_page", default=DEFAULT_PER_PAGE, low=1, high=MAX_PER_PAGE
    )
    return page, per_page


def moment(query_params: QueryDict, name: str) -> datetime.datetime | None:
    """An ISO 8601 date-time (or a date, meaning its midnight), in the project's time zone
    when it gives no offset."""
    raw = query_params.get(name)
    if raw is None:
        return None
    try:
        value = parse_datetime(raw)
        if value is None:
            day = parse_date(raw)
            if day is not None:
                value = datetime.datetime.combine(day, datetime.time())
    except ValueError:
        value = None
    if value is None:
        raise ValidationError({name: [_("Give an ISO 8601 date-time.")]})
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    return value.astimezone(datetime.UTC)


def output_format(query_params: QueryDict) -> str:
    raw = query_params.get("format", "json")
    if raw not in FORMATS:
        raise ValidationError({"format": [_("Give json or ndjson.")]})
    return raw


def positive_number(query_params: QueryDict, name: str) -> float | None:
    raw = query_params.get(name)
    if raw is None:
        return None
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not (0 < value < float("inf")):
        raise ValidationError({name: [_("Give a positive number.")]})
    return value
