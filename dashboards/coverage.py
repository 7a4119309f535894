"""The coverage picture of the officials' dashboards, from the latest coverage run.

Three lenses on one standard (``../shared/docs/domain.md``):

* **normative** – supply against the standard: the ratio supply / requirement (per-capita
  against the standard), or, for a presence standard, whether the service is there;
* **accessibility** – the two-step floating catchment area score (2SFCA), shown per
  10,000 inhabitants;
* **demand** – people waiting. A count of people: it is published as the API and the
  exports publish it (``gaps.publication``: "<5" for 1 to 4, "n.d." for a cell hidden so
  that a small one cannot be recovered from its zone's total), computed over the whole
  run and standard so that every view of a run shows the same figures.

The map is drawn from the boundaries of municipalities and zones (the only place where
boundaries are loaded); no site location is ever read here, so confidential sites (women's
shelters) are never drawn: they are supply inside an area's total.

Everything is computed with a constant number of queries whatever the number of areas; the
loops below run over the result rows of a run (a few hundred municipalities and zones).
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass

from django.core.cache import cache
from django.db.models import Sum
from django.urls import reverse
from django.utils.formats import number_format
from django.utils.translation import get_language, gettext, pgettext

from core.suppression import SUPPRESSED, SUPPRESSED_SECONDARY
from dashboards.indicators import Area
from dashboards.tables import Column, Row, Table
from dashboards.templatetags.dashboard_tables import is_number, suppressed
from gaps.models import AreaKind, CoverageResult, CoverageRun, RunStatus, Standard, StandardKind
from gaps.runs import ALL
from registry.models import Municipality, Zone, ZoneKind
from services.api import category_branch_q

LENSES = ("normative", "accessibility", "demand")
LEVELS = ("municipality", "zone")
CLASSES = 5  # classes 0..4 on the map; None: no data

# Accessibility (2SFCA) is a number of units per inhabitant: shown per 10,000.
ACCESSIBILITY_PER = 10_000

# Social workers (Law 178/2020, art. 1 c. 797-798): the LEPS thresholds, inhabitants per
# full-time social worker, and the state contribution per FTE a year in each band.
SOCIAL_WORKER_STANDARDS = ("social-workers-1-per-5000", "social-workers-1-per-4000")
LEPS_THRESHOLDS = (6500, 5000, 4000)
CONTRIBUTION_BAND_1 = 40_000  # € a year per FTE beyond 1 per 6,500, up to 1 per 5,000
CONTRIBUTION_BAND_2 = 20_000  # € a year per FTE beyond 1 per 5,000, up to 1 per 4,000

_EPSILON = 1e-9


class BadParameter(ValueError):
    """A query parameter of the coverage picture that is not one of its choices."""

    def __init__(self, name: str, value: str):
        super().__init__(name, value)
        self.name = name
        self.value = value

    def message(self) -> str:
        return gettext("Unknown value %(value)r for the parameter %(name)s.") % {
            "value": self.value,
            "name": self.name,
        }


# --- The run, the standards, the choices ----------------------------------------------------


def latest_run(city) -> CoverageRun | None:
    """The latest complete run covering the city: its own (scope = its slug) or a run of
    every city (scope "all"), whichever finished last (``gaps.runs.latest_complete_run``
    per scope)."""
    return (
        CoverageRun.objects.filter(scope__in=(city.slug, ALL), status=RunStatus.COMPLETE)
        .order_by("-finished_at", "-id")
        .first()
    )


def standards_for(area: Area) -> list[Standard]:
    """Active standards with results in the latest run (on a category page: those of the
    category's branch)."""
    run = area.coverage_run
    if run is None:
        return []
    # A complete run never changes: which standards it has results for is read once (its
    # start names it too: ids restart when a demo database is reset).
    with_results = cache.get_or_set(
        f"dashboards:run-standards:{run.pk}:{run.started_at:%Y%m%d%H%M%S%f}",
        lambda: sorted(
            CoverageResult.objects.filter(run=run)
            .order_by()
            .values_list("standard_id", flat=True)
            .distinct()
        ),
        timeout=24 * 60 * 60,
    )
    standards = Standard.objects.filter(active=True, pk__in=with_results)
    if area.category is not None:
        standards = standards.filter(category_branch_q(area.category.code, prefix="category__"))
    return list(standards.select_related("category").order_by("code"))


def standard_name(standard: Standard) -> str:
    return standard.name_it if (get_language() or "").startswith("it") else standard.name_en


def lens_label(lens: str) -> str:
    return {
        "normative": gettext("Per-capita vs standard"),
        "accessibility": gettext("Accessibility (2SFCA)"),
        "demand": gettext("Waiting demand"),
    }[lens]


def level_label(level: str) -> str:
    return {"municipality": gettext("Municipalities"), "zone": gettext("Ambiti")}[level]


@dataclass(frozen=True)
class Choice:
    """What the coverage picture shows: read from a query string (page, map, export)."""

    standard: Standard | None  # None: no standard to show (no run yet)
    lens: str
    level: str
    standards: tuple[Standard, ...]  # the choices offered


def choice_from(query, area: Area) -> Choice:
    """The standard (``standard``: its code), lens and level of a query string.

    Missing parameters take the defaults (the first standard with results, the
    normative lens, municipalities); an unknown value raises :class:`BadParameter`."""
    standards = area.coverage_standards
    lens = query.get("lens") or LENSES[0]
    if lens not in LENSES:
        raise BadParameter("lens", lens)
    level = query.get("level") or LEVELS[0]
    if level not in LEVELS:
        raise BadParameter("level", level)
    code = query.get("standard")
    if not code:
        return Choice(standards[0] if standards else None, lens, level, standards)
    standard = next((s for s in standards if s.code == code), None)
    if standard is None:
        # An active standard without results (yet) is shown as "no data".
        standard = Standard.objects.filter(code=code, active=True).first()
        if standard is None:
            raise BadParameter("standard", code)
    return Choice(standard, lens, level, standards)


# --- The areas and their results --------------------------------------------------------------


def _ambiti(area: Area):
    """The Ambiti of the area: the city's, the zone itself, or the municipality's."""
    zones = Zone.objects.filter(
        metropolitan_city_id=area.city.pk, kind=ZoneKind.AMBITO, parent_municipality__isnull=True
    )
    if area.zone is not None:
        zones = Zone.objects.filter(pk=area.zone.pk)
    elif area.municipality is not None:
        zones = zones.filter(municipalities=area.municipality)
    return zones


def _municipalities(area: Area):
    if area.municipality is not None:
        return Municipality.objects.filter(pk=area.municipality.pk)
    if area.zone is not None:
        return Municipality.objects.filter(zones=area.zone)
    return Municipality.objects.filter(metropolitan_city_id=area.city.pk)


@dataclass
class _Place:
    kind: str  # AreaKind
    pk: int
    code: str
    name: str
    population: int | None
    boundary: dict | None = None
    result: CoverageResult | None = None

    @property
    def key(self) -> str:
        return f"{'m' if self.kind == AreaKind.MUNICIPALITY else 'z'}-{self.code}"


def _places(area: Area, level: str, *, geometry: bool) -> list[_Place]:
    """The municipalities or Ambiti of the area, in name order (one or two queries)."""
    if level == "municipality":
        fields = ["pk", "istat_code", "name", "population"] + (["boundary"] if geometry else [])
        rows = _municipalities(area).order_by("name", "istat_code").values_list(*fields)
        return [
            _Place(AreaKind.MUNICIPALITY, r[0], r[1], r[2], r[3], r[4] if geometry else None)
            for r in rows
        ]
    fields = ["pk", "code", "name", "population"] + (["boundary"] if geometry else [])
    zones = list(_ambiti(area).order_by("name", "code").values_list(*fields))
    ids = [zone[0] for zone in zones]
    population = dict(
        Zone.municipalities.through.objects.filter(zone_id__in=ids)
        .order_by()
        .values("zone_id")
        .annotate(total=Sum("municipality__population"))
        .values_list("zone_id", "total")
    )
    places = [
        _Place(
            AreaKind.ZONE,
            z[0],
            z[1],
            z[2],
            population.get(z[0]) or z[3],
            z[4] if geometry else None,
        )
        for z in zones
    ]
    if geometry:
        _zone_outlines([p for p in places if not p.boundary])
    return places


def _zone_outlines(places: list[_Place]) -> None:
    """An Ambito without a boundary of its own is drawn as its municipalities' polygons."""
    if not places:
        return
    by_zone = {place.pk: place for place in places}
    members = (
        Zone.municipalities.through.objects.filter(zone_id__in=list(by_zone))
        .order_by("zone_id", "municipality__istat_code")
        .values_list("zone_id", "municipality__boundary")
    )
    polygons: dict[int, list] = defaultdict(list)
    for zone_id, boundary in members:
        if not isinstance(boundary, dict):
            continue
        if boundary.get("type") == "Polygon":
            polygons[zone_id].append(boundary["coordinates"])
        elif boundary.get("type") == "MultiPolygon":
            polygons[zone_id].extend(boundary["coordinates"])
    for zone_id, parts in polygons.items():
        by_zone[zone_id].boundary = {"type": "MultiPolygon", "coordinates": parts}


def _attach_results(places: list[_Place], run: CoverageRun | None, standard: Standard) -> None:
    if run is None or not places:
        return
    kind = places[0].kind
    column = "municipality_id" if kind == AreaKind.MUNICIPALITY else "zone_id"
    by_pk = {place.pk: place for place in places}
    results = CoverageResult.objects.filter(
        run=run, standard=standard, area_kind=kind, **{f"{column}__in": list(by_pk)}
    ).only(
        "id",
        "run_id",
        "standard_id",
        "municipality_id",
        "zone_id",
        "population_used",
        "supply",
        "present",
        "requirement",
        "gap",
        "ratio",
        "accessibility",
        "waiting",
    )
    for result in results:
        by_pk[getattr(result, column)].result = result


def _published_waiting(places: list[_Place]) -> dict[int, object]:
    """Result id → people waiting as published (``gaps.publication``: primary and
    complementary suppression over the whole run and standard)."""
    from gaps.publication import published_people_counts

    results = [place.result for place in places if place.result is not None]
    if not results:
        return {}
    return {
        pk: _whole(counts["waiting"]) for pk, counts in published_people_counts(results).items()
    }


def _whole(value):
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


# --- Values and classes by lens -------------------------------------------------------------


def _number(value: float, digits: int = 0) -> str:
    return number_format(value, decimal_pos=digits, use_l10n=True, force_grouping=True)


def _percent(ratio: float) -> str:
    return f"{_number(100 * ratio)}%"


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
    klass = min(CLASSES - 1, math.floor((ratio + _EPSILON) * 4))
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
    label = gettext("%(count)s waiting") % {"count": _number(published)}
    if published == 0:
        return _Value(0, label, 0)
    klass = 1
    for bound, bound_class in DEMAND_BOUNDS:
        if published >= bound:
            klass = bound_class
    return _Value(published, label, klass)


def _accessibility_label(value: float) -> str:
    return gettext("%(value)s per %(per)s inhabitants") % {
        "value": _number(value * ACCESSIBILITY_PER, 2),
        "per": _number(ACCESSIBILITY_PER),
    }


def _shown_score(score: float) -> float:
    return round(score * ACCESSIBILITY_PER, 6)


def _accessibility(places: list[_Place]) -> dict[int, _Value]:
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


def _values(places: list[_Place], standard: Standard, lens: str) -> dict[int, _Value]:
    if lens == "accessibility":
        return _accessibility(places)
    if lens == "demand":
        published = _published_waiting(places)
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
                    "low": _number(min(members) * ACCESSIBILITY_PER, 2),
                    "high": _number(max(members) * ACCESSIBILITY_PER, 2),
                    "per": _number(ACCESSIBILITY_PER),
                }
                entries.append({"class": klass, "label": label, "count": len(members)})
    label = gettext("no data")
    if lens == "demand":
        label = gettext("no data, or hidden to protect a small count (n.d.)")
    entries.append({"class": None, "label": label, "count": counts[None]})
    return entries


def _link(area: Area, place: _Place) -> str:
    if place.kind == AreaKind.MUNICIPALITY:
        return reverse("admin:dashboard-municipality", args=[area.city.slug, place.code])
    return reverse("admin:dashboard-zone", args=[area.city.slug, place.code])


def _map_data(area: Area, standard: Standard, lens: str, level: str, *, geometry: bool):
    places = _places(area, level, geometry=geometry)
    run = area.coverage_run
    _attach_results(places, run, standard)
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
                    "link": _link(area, place),
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


# --- The ranked table of gaps ----------------------------------------------------------------


def _rank_key(lens: str, standard: Standard, place: _Place, waiting) -> tuple:
    result = place.result
    population = -(place.population or 0)
    if lens == "accessibility":
        return (result.accessibility, population, place.name)
    gap = -(result.gap or 0.0)
    if standard.kind == StandardKind.PRESENCE:
        gap = 0.0 if result.present else -1.0  # absent first
    if lens == "demand":
        # Ranked on the published figure only: "<5" as 1, "n.d." as 5.
        shown = {SUPPRESSED: 1, SUPPRESSED_SECONDARY: 5}.get(waiting, waiting)
        return (-(shown or 0), gap, population, place.name)
    return (gap, population, place.name)


def gaps_table(area: Area, standard: Standard, lens: str, limit: int = 20) -> Table:
    """The area's municipalities and Ambiti with the largest gaps for the standard
    (requirement − supply, largest first; a presence standard: where it is absent first);
    the accessibility lens ranks the least accessible first and the demand lens the most
    people waiting first."""
    if lens not in LENSES:
        raise BadParameter("lens", lens)
    run = area.coverage_run
    places = []
    if area.municipality is None:
        places += _places(area, "zone", geometry=False)
    places += _places(area, "municipality", geometry=False)
    municipalities = [p for p in places if p.kind == AreaKind.MUNICIPALITY]
    zones = [p for p in places if p.kind == AreaKind.ZONE]
    _attach_results(municipalities, run, standard)
    _attach_results(zones, run, standard)
    places = [p for p in places if p.result is not None]
    waiting = _published_waiting(places)
    ranked = sorted(places, key=lambda p: _rank_key(lens, standard, p, waiting.get(p.result.pk)))[
        :limit
    ]

    def rounded(value, digits=2):
        return None if value is None else round(value, digits)

    rows = []
    for place in ranked:
        result = place.result
        kind = (
            pgettext("area kind", "municipality")
            if place.kind == AreaKind.MUNICIPALITY
            else pgettext("area kind", "Ambito")
        )
        rows.append(
            Row(
                place.key,
                place.name,
                {
                    "kind": kind,
                    "population": place.population,
                    "supply": rounded(result.supply),
                    "requirement": rounded(result.requirement),
                    "gap": rounded(result.gap),
                    "ratio": None if result.ratio is None else round(100 * result.ratio, 1),
                    "present": gettext("yes") if result.present else gettext("no"),
                    "accessibility": round(result.accessibility * ACCESSIBILITY_PER, 2),
                    "waiting": waiting.get(result.pk),
                },
                _link(area, place),
            )
        )
    columns = (
        Column("kind", gettext("Kind")),
        Column("population", gettext("Population")),
        Column("supply", gettext("Supply"), unit=standard.get_supply_measure_display()),
        Column("requirement", gettext("Requirement"), unit=standard.get_supply_measure_display()),
        Column("gap", gettext("Gap"), unit=standard.get_supply_measure_display()),
        Column("ratio", gettext("Supply / requirement"), unit="%"),
        Column("present", gettext("Service present")),
        Column(
            "accessibility",
            gettext("Accessibility"),
            unit=gettext("per %(per)s inhabitants") % {"per": _number(ACCESSIBILITY_PER)},
        ),
        Column("waiting", gettext("People waiting"), people=True),
    )
    note = gettext(
        "From the latest coverage run. Gap: requirement minus supply, never below zero. "
        "Accessibility: the two-step floating catchment area score. People waiting are "
        "shown as “<5” from 1 to 4, and as “n.d.” where a figure could give away a "
        "small one."
    )
    if run is None:
        note = gettext("No coverage run has completed for this city yet.")
    return Table(
        "gaps",
        gettext("Largest gaps: %(standard)s") % {"standard": standard_name(standard)},
        columns,
        tuple(rows),
        None,
        note,
    )


# --- Social workers per Ambito (LEPS) --------------------------------------------------------


def state_contribution(population: float, fte: float) -> tuple[float, float, int]:
    """FTE in each band of Law 178/2020, art. 1 c. 797, and the yearly contribution.

    Our reading of the law: the state pays, for each full-time-equivalent social worker
    an Ambito employs *beyond* the ratio of 1 per 6,500 inhabitants, €40,000 a year up to
    the ratio of 1 per 5,000 (band 1), and €20,000 a year for each one beyond 1 per 5,000
    up to the objective of 1 per 4,000 (band 2); nothing below 1 per 6,500 and nothing
    beyond 1 per 4,000. With P inhabitants and F FTE::

        band 1 = max(0, min(F, P / 5000) − P / 6500)
        band 2 = max(0, min(F, P / 4000) − P / 5000)
        contribution = 40,000 × band 1 + 20,000 × band 2   (€ a year, rounded to the euro)

    Fractions of an FTE count pro rata. The FTE are the supply the coverage run measured
    for the "social-workers" standard in the Ambito (staff FTE of the social-work
    services at its sites): an estimate of what the law counts (social workers employed
    by the Ambito's public bodies), and before the cap of the national fund (c. 798).
    """
    band_1 = max(0.0, min(fte, population / 5000) - population / 6500)
    band_2 = max(0.0, min(fte, population / 4000) - population / 5000)
    return band_1, band_2, round(CONTRIBUTION_BAND_1 * band_1 + CONTRIBUTION_BAND_2 * band_2)


def _ratio_cells(population: int, fte: float | None) -> dict[str, object]:
    if fte is None:
        return {"per_worker": None, "ratio": gettext("no data")}
    if fte <= 0:
        return {"per_worker": None, "ratio": gettext("no social worker")}
    per_worker = round(population / fte)
    return {"per_worker": per_worker, "ratio": f"1 : {_number(per_worker)}"}


def social_workers_table(area: Area) -> Table:
    """Per Ambito of the area: population, social workers (FTE) from the latest run, the
    ratio "1 : N", which LEPS thresholds it meets and the state contribution implied
    (:func:`state_contribution`)."""
    run = area.coverage_run
    zones = list(_ambiti(area).order_by("code").values_list("pk", "code", "name"))
    ids = [pk for pk, _code, _name in zones]
    population = dict(
        Zone.municipalities.through.objects.filter(zone_id__in=ids)
        .order_by()
        .values("zone_id")
        .annotate(total=Sum("municipality__population"))
        .values_list("zone_id", "total")
    )
    fte: dict[int, float] = {}
    if run is not None:
        supply = (
            CoverageResult.objects.filter(
                run=run,
                area_kind=AreaKind.ZONE,
                zone_id__in=ids,
                standard__code__in=SOCIAL_WORKER_STANDARDS,
            )
            .order_by("-standard__code")  # "…-per-5000" before "…-per-4000"
            .values_list("zone_id", "supply")
        )
        for zone_id, value in supply:
            fte.setdefault(zone_id, value)

    thresholds = [(f"meets_{t}", t) for t in LEPS_THRESHOLDS]
    rows = []
    totals = {"population": 0, "fte": 0.0, "band_1": 0.0, "band_2": 0.0, "contribution": 0}
    known = True
    for pk, code, name in zones:
        people = population.get(pk) or 0
        workers = fte.get(pk)
        cells: dict[str, object] = {"population": people, "fte": None}
        cells.update(_ratio_cells(people, workers))
        if workers is None:
            known = False
            cells.update({key: None for key, _t in thresholds})
            cells.update({"band_1": None, "band_2": None, "contribution": None})
        else:
            band_1, band_2, contribution = state_contribution(people, workers)
            cells["fte"] = round(workers, 2)
            for key, threshold in thresholds:
                met = people > 0 and workers * threshold + _EPSILON >= people
                cells[key] = gettext("yes") if met else gettext("no")
            cells.update(
                {
                    "band_1": round(band_1, 2),
                    "band_2": round(band_2, 2),
                    "contribution": contribution,
                }
            )
            totals["fte"] += workers
            totals["band_1"] += band_1
            totals["band_2"] += band_2
            totals["contribution"] += contribution
        totals["population"] += people
        rows.append(
            Row(code, name, cells, reverse("admin:dashboard-zone", args=[area.city.slug, code]))
        )

    total = None
    if len(rows) > 1:
        total_cells: dict[str, object] = {"population": totals["population"]}
        if known:
            total_cells.update(
                {
                    "fte": round(totals["fte"], 2),
                    **_ratio_cells(totals["population"], totals["fte"]),
                    "band_1": round(totals["band_1"], 2),
                    "band_2": round(totals["band_2"], 2),
                    "contribution": totals["contribution"],
                }
            )
        total_cells.update({key: None for key, _t in thresholds})
        total = Row("total", gettext("Total"), total_cells)

    columns = (
        Column("population", gettext("Population")),
        Column("fte", gettext("Social workers"), unit=gettext("FTE")),
        Column("ratio", gettext("Ratio")),
        Column("per_worker", gettext("Inhabitants per social worker")),
        *(
            Column(key, gettext("Meets 1 : %(n)s") % {"n": _number(threshold)})
            for key, threshold in thresholds
        ),
        Column("band_1", gettext("FTE from 1 : 6,500 to 1 : 5,000"), unit=gettext("FTE")),
        Column("band_2", gettext("FTE from 1 : 5,000 to 1 : 4,000"), unit=gettext("FTE")),
        Column("contribution", gettext("State contribution"), unit=gettext("€ a year")),
    )
    note = gettext(
        "LEPS (Law 178/2020, art. 1 c. 797-798): 1 social worker per 5,000 inhabitants, "
        "further objective 1 per 4,000. The state contributes €40,000 a year per "
        "full-time social worker beyond 1 per 6,500 up to 1 per 5,000, and €20,000 a year "
        "beyond 1 per 5,000 up to 1 per 4,000. Social workers are the staff (FTE) the latest "
        "coverage run counted in each Ambito."
    )
    if run is None:
        note = gettext("No coverage run has completed for this city yet.")
    return Table(
        "social-workers",
        gettext("Social workers per Ambito (LEPS)"),
        columns,
        tuple(rows),
        total,
        note,
    )


# --- What the page around the map needs -------------------------------------------------------


def coverage_context(request, area: Area) -> dict[str, object]:
    """The context of ``admin/dashboards/partials/coverage.html``: the choices (from the
    query string; an unknown value falls back to the default with an error message), the
    map's data URL, the legend and the two published tables."""
    from urllib.parse import urlencode

    error = ""
    try:
        choice = choice_from(request.GET, area)
    except BadParameter as bad:
        error = bad.message()
        choice = choice_from({}, area)
    params = {"lens": choice.lens, "level": choice.level}
    if choice.standard is not None:
        params["standard"] = choice.standard.code
    if area.zone is not None:
        params["zone"] = area.zone.code
    if area.municipality is not None:
        params["municipality"] = area.municipality.istat_code
    query = urlencode(params)
    map_url = reverse("admin:dashboard-map", args=[area.city.slug]) + "?" + query
    # Other parameters of the page (period, …) ride along in the form.
    ours = {"standard", "lens", "level"}
    hidden = [(k, v) for k, values in request.GET.lists() if k not in ours for v in values]

    tables = []
    legend_entries: list[dict[str, object]] = []
    if choice.standard is not None:
        legend_entries = legend(area, choice.standard, choice.lens, choice.level)
        tables.append(gaps_table(area, choice.standard, choice.lens).publish())
    if area.municipality is None or _ambiti(area).exists():
        tables.append(social_workers_table(area).publish())
    exports = {
        table.key: {
            fmt: reverse("admin:dashboard-export", args=[area.city.slug, table.key, fmt])
            + "?"
            + urlencode([*hidden, *params.items()])
            for fmt in ("csv", "xlsx")
        }
        for table in tables
    }
    return {
        "choice": choice,
        "standards": [(s.code, standard_name(s)) for s in choice.standards],
        "lenses": [(lens, lens_label(lens)) for lens in LENSES],
        "levels": [(level, level_label(level)) for level in LEVELS],
        "hidden": hidden,
        "map_url": map_url,
        "standard_name": standard_name(choice.standard) if choice.standard else "",
        "lens_name": lens_label(choice.lens),
        "legend": legend_entries,
        "tables": [_table_view(table, exports[table.key]) for table in tables],
        "error": error,
    }


def _cell(value) -> str:
    if value is None:
        return "—"
    if isinstance(value, str):
        return value
    if isinstance(value, float) and not value.is_integer():
        return _number(value, 2)
    return _number(value)


def _is_number(value) -> bool:
    """A number or its suppression marker: aligned right, as the shared table partial does."""
    return suppressed(value) or is_number(value)


def _table_view(table: Table, exports: dict[str, str]) -> dict[str, object]:
    """A published table as the partial renders it (cells in column order, formatted;
    numbers and their suppression markers aligned right, as in every dashboard table)."""
    if not table.published:
        raise ValueError("only published tables leave the server")

    def cells(row: Row) -> list[dict[str, object]]:
        values = [row.cells.get(column.key) for column in table.columns]
        return [
            {"text": _cell(v), "number": _is_number(v), "suppressed": suppressed(v)} for v in values
        ]

    def numeric(column: Column) -> bool:
        return any(_is_number(row.cells.get(column.key)) for row in table.rows)

    return {
        "table": table,
        "headers": [
            {
                "label": f"{column.label} ({column.unit})" if column.unit else column.label,
                "number": numeric(column),
            }
            for column in table.columns
        ],
        "rows": [{"label": r.label, "link": r.link, "cells": cells(r)} for r in table.rows],
        "total": None
        if table.total is None
        else {"label": table.total.label, "cells": cells(table.total)},
        "exports": exports,
    }
