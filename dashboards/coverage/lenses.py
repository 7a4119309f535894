"""Values, classes and legends of the three lenses, and the map's features."""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass

from django.urls import reverse
from django.utils.formats import number_format
from django.utils.translation import gettext

from core.suppression import SUPPRESSED, SUPPRESSED_SECONDARY
from dashboards.coverage.choice import (
    ACCESSIBILITY_PER,
    CLASSES,
    EPSILON,
    LENSES,
    LEVELS,
    BadParameter,
    lens_label,
    standard_name,
)
from dashboards.coverage.places import PlaceResult, attach_results, places_of, published_waiting
from dashboards.indicators import Area
from gaps.models import AreaKind, CoverageResult, Standard, StandardKind

# --- Values and classes by lens -------------------------------------------------------------


def format_number(value: float, digits: int = 0) -> str:
    return number_format(value, decimal_pos=digits, use_l10n=True, force_grouping=True)


def _percent(ratio: float) -> str:
    return f"{format_number(100 * ratio)}%"


@dataclass
class _Value:
    value: object  # int | float | str | None
    label: str
    klass: int | None


def _normative(standard: Standard, result: CoverageResult | None) -> _Value:
    if result is None:
        return _Value(None, gettext("no data"), None)
    if standard.kind == StandardKind.PRESENCE:
        if result.present:
            return _Value(1, gettext("present"), CLASSES - 1)
        return _Value(0, gettext("absent"), 0)
    if result.ratio is None:
        return _Value(None, gettext("no data"), None)
    ratio = result.ratio
    klass = min(CLASSES - 1, math.floor((ratio + EPSILON) * 4))
    label = gettext("%(percent)s of the standard") % {"percent": _percent(ratio)}
    return _Value(round(ratio, 4), label, klass)


NORMATIVE_LEGEND = (
    (0, lambda: gettext("under 25% of the standard")),
    (1, lambda: gettext("25% to 50%")),
    (2, lambda: gettext("50% to 75%")),
    (3, lambda: gettext("75% to 100%")),
    (4, lambda: gettext("meets the standard (100% or more)")),
)
PRESENCE_LEGEND = (
    (0, lambda: gettext("absent")),
    (4, lambda: gettext("present")),
)
# Waiting people: fixed classes on the published figure (never on a hidden value).
DEMAND_BOUNDS = ((5, 2), (10, 3), (25, 4))
DEMAND_LEGEND = (
    (0, lambda: gettext("nobody waiting")),
    (1, lambda: gettext("1 to 4 people (shown as <5)")),
    (2, lambda: gettext("5 to 9 people")),
    (3, lambda: gettext("10 to 24 people")),
    (4, lambda: gettext("25 people or more")),
)


def _demand(published) -> _Value:
    if published is None:
        return _Value(None, gettext("no data"), None)
    if published == SUPPRESSED:
        return _Value(SUPPRESSED, gettext("<5 waiting"), 1)
    if published == SUPPRESSED_SECONDARY:
        # Hidden to protect a small cell elsewhere: no class, or the class would tell.
        return _Value(SUPPRESSED_SECONDARY, gettext("n.d. (hidden to protect a small count)"), None)
    label = gettext("%(count)s waiting") % {"count": format_number(published)}
    if published == 0:
        return _Value(0, label, 0)
    klass = 1
    for bound, bound_class in DEMAND_BOUNDS:
        if published >= bound:
            klass = bound_class
    return _Value(published, label, klass)


def _accessibility_label(value: float) -> str:
    return gettext("%(value)s per %(per)s inhabitants") % {
        "value": format_number(value * ACCESSIBILITY_PER, 2),
        "per": format_number(ACCESSIBILITY_PER),
    }


def _shown_score(score: float) -> float:
    return round(score * ACCESSIBILITY_PER, 6)


def _accessibility(places: list[PlaceResult]) -> dict[int, _Value]:
    """Class 0: nothing within reach; classes 1-4: quartiles of the positive scores (ties
    share a class)."""
    # Ranked on the score as shown (rounded), so that equal scores share a class.
    scores = sorted(
        _shown_score(p.result.accessibility)
        for p in places
        if p.result and p.result.accessibility > 0
    )
    first_rank: dict[float, int] = {}
    for rank, score in enumerate(scores):
        first_rank.setdefault(score, rank)
    values = {}
    for place in places:
        if place.result is None:
            values[place.pk] = _Value(None, gettext("no data"), None)
            continue
        score = place.result.accessibility
        if score <= 0:
            values[place.pk] = _Value(0.0, gettext("no service within reach"), 0)
            continue
        klass = 1 + min(3, 4 * first_rank[_shown_score(score)] // len(scores))
        values[place.pk] = _Value(score, _accessibility_label(score), klass)
    return values


def _values(places: list[PlaceResult], standard: Standard, lens: str) -> dict[int, _Value]:
    if lens == "accessibility":
        return _accessibility(places)
    if lens == "demand":
        published = published_waiting(places)
        return {
            p.pk: _demand(None if p.result is None else published.get(p.result.pk)) for p in places
        }
    return {p.pk: _normative(standard, p.result) for p in places}


def _legend(standard: Standard, lens: str, values: dict[int, _Value]) -> list[dict[str, object]]:
    """The classes of the lens with their ranges and how many areas fall in each; the
    "no data" entry last."""
    counts: dict[int | None, int] = defaultdict(int)
    for value in values.values():
        counts[value.klass] += 1
    if lens == "normative":
        fixed = PRESENCE_LEGEND if standard.kind == StandardKind.PRESENCE else NORMATIVE_LEGEND
        entries = [{"class": k, "label": label(), "count": counts[k]} for k, label in fixed]
    elif lens == "demand":
        entries = [{"class": k, "label": label(), "count": counts[k]} for k, label in DEMAND_LEGEND]
    else:
        entries = [{"class": 0, "label": gettext("no service within reach"), "count": counts[0]}]
        for klass in range(1, CLASSES):
            members = [v.value for v in values.values() if v.klass == klass]
            if members:
                label = gettext("%(low)s to %(high)s per %(per)s inhabitants") % {
                    "low": format_number(min(members) * ACCESSIBILITY_PER, 2),
                    "high": format_number(max(members) * ACCESSIBILITY_PER, 2),
                    "per": format_number(ACCESSIBILITY_PER),
                }
                entries.append({"class": klass, "label": label, "count": len(members)})
    label = gettext("no data")
    if lens == "demand":
        label = gettext("no data, or hidden to protect a small count (n.d.)")
    entries.append({"class": None, "label": label, "count": counts[None]})
    return entries


def area_link(area: Area, place: PlaceResult) -> str:
    if place.kind == AreaKind.MUNICIPALITY:
        return reverse("admin:dashboard-municipality", args=[area.city.slug, place.code])
    return reverse("admin:dashboard-zone", args=[area.city.slug, place.code])


def _map_data(area: Area, standard: Standard, lens: str, level: str, *, geometry: bool):
    places = places_of(area, level, geometry=geometry)
    run = area.coverage_run
    attach_results(places, run, standard)
    values = _values(places, standard, lens)
    return run, places, values


def legend(area: Area, standard: Standard, lens: str, level: str) -> list[dict[str, object]]:
    """The map's legend without loading a boundary (for the page around the map)."""
    _run, _unused, values = _map_data(area, standard, lens, level, geometry=False)
    return _legend(standard, lens, values)


def map_features(area: Area, standard: Standard, lens: str, level: str) -> dict:
    """The municipalities (level "municipality") or Ambiti ("zone") of the area as a
    GeoJSON FeatureCollection, each with its boundary and the lens's value, label and
    class (0-4; None: no data). Areas only: no site, no point, nothing about a person
    but the published count of people waiting."""
    if lens not in LENSES:
        raise BadParameter("lens", lens)
    if level not in LEVELS:
        raise BadParameter("level", level)
    run, places, values = _map_data(area, standard, lens, level, geometry=True)
    features = []
    for place in places:
        value = values[place.pk]
        result = place.result
        features.append(
            {
                "type": "Feature",
                "id": place.key,
                "geometry": place.boundary,
                "properties": {
                    "code": place.code,
                    "name": place.name,
                    "kind": place.kind,
                    "value": value.value,
                    "value_label": value.label,
                    "class": value.klass,
                    "gap": None if result is None or result.gap is None else round(result.gap, 2),
                    "population": place.population,
                    "link": area_link(area, place),
                },
            }
        )
    return {
        "type": "FeatureCollection",
        "features": features,
        "standard": {"code": standard.code, "name": standard_name(standard)},
        "lens": {"code": lens, "name": lens_label(lens)},
        "level": level,
        "run": None
        if run is None
        else {
            "id": run.pk,
            "finished_at": run.finished_at.isoformat() if run.finished_at else None,
        },
        "legend": _legend(standard, lens, values),
    }
