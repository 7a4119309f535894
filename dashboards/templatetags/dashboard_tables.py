"""Filters for the shared dashboard table partial: a cell of a row, shown and plotted."""

from django import template
from django.urls import reverse
from django.utils.formats import number_format

from core.suppression import MARKERS

register = template.Library()


@register.filter
def cell(row, key):
    """``row|cell:column.key``: the published value of a cell (None: not shown)."""
    return row.cells.get(key)


@register.filter
def is_number(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


@register.filter
def suppressed(value) -> bool:
    return value in MARKERS


@register.filter
def show(value) -> str:
    """A published value as the page shows it: numbers in the locale, markers as they are."""
    if value is None:
        return "–"
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int) or (isinstance(value, float) and value.is_integer()):
        return number_format(int(value), use_l10n=True, force_grouping=True)
    if isinstance(value, float):
        return number_format(value, decimal_pos=1, use_l10n=True, force_grouping=True)
    return str(value)


@register.filter
def plot_value(value) -> str:
    """The value a chart plots: a plain number, or nothing (a gap) for a hidden cell."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return ""
    return repr(value) if isinstance(value, float) else str(value)


@register.simple_tag(takes_context=True)
def export_url(context, table_key: str, fmt: str) -> str:
    """The download of a table of this page, rebuilt from the page's query string."""
    city = context.get("city")
    url = reverse("admin:dashboard-export", args=[city.slug, table_key, fmt])
    query = context.get("export_query") or ""
    return f"{url}?{query}" if query else url
