"""The ranked table of the largest gaps."""

from __future__ import annotations

from django.utils.translation import gettext, pgettext

from core.suppression import SUPPRESSED, SUPPRESSED_SECONDARY
from dashboards.coverage.choice import ACCESSIBILITY_PER, LENSES, BadParameter, standard_name
from dashboards.coverage.lenses import area_link, format_number
from dashboards.coverage.places import PlaceResult, attach_results, places_of, published_waiting
from dashboards.indicators import Area
from dashboards.tables import Column, Row, Table
from gaps.models import AreaKind, Standard, StandardKind

# --- The ranked table of gaps ----------------------------------------------------------------


def _rank_key(lens: str, standard: Standard, place: PlaceResult, waiting) -> tuple:
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


def _ranked_places(area: Area, standard: Standard, lens: str, limit: int):
    """The places with a result for the standard, ranked for the lens, and the published
    number of people waiting per result."""
    run = area.coverage_run
    places = []
    if area.municipality is None:
        places += places_of(area, "zone", geometry=False)
    places += places_of(area, "municipality", geometry=False)
    municipalities = [p for p in places if p.kind == AreaKind.MUNICIPALITY]
    zones = [p for p in places if p.kind == AreaKind.ZONE]
    attach_results(municipalities, run, standard)
    attach_results(zones, run, standard)
    places = [p for p in places if p.result is not None]
    waiting = published_waiting(places)
    ranked = sorted(places, key=lambda p: _rank_key(lens, standard, p, waiting.get(p.result.pk)))[
        :limit
    ]
    return ranked, waiting


def _rounded(value, digits=2):
    return None if value is None else round(value, digits)


def _gap_row(area: Area, place: PlaceResult, waiting: dict) -> Row:
    result = place.result
    kind = (
        pgettext("area kind", "municipality")
        if place.kind == AreaKind.MUNICIPALITY
        else pgettext("area kind", "Ambito")
    )
    return Row(
        place.key,
        place.name,
        {
            "kind": kind,
            "population": place.population,
            "supply": _rounded(result.supply),
            "requirement": _rounded(result.requirement),
            "gap": _rounded(result.gap),
            "ratio": None if result.ratio is None else round(100 * result.ratio, 1),
            "present": gettext("yes") if result.present else gettext("no"),
            "accessibility": round(result.accessibility * ACCESSIBILITY_PER, 2),
            "waiting": waiting.get(result.pk),
        },
        area_link(area, place),
    )


def _gaps_columns(standard: Standard) -> tuple[Column, ...]:
    return (
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
            unit=gettext("per %(per)s inhabitants") % {"per": format_number(ACCESSIBILITY_PER)},
        ),
        Column("waiting", gettext("People waiting"), people=True),
    )


def _gaps_note(run) -> str:
    if run is None:
        return gettext("No coverage run has completed for this city yet.")
    return gettext(
        "From the latest coverage run. Gap: requirement minus supply, never below zero. "
        "Accessibility: the two-step floating catchment area score. People waiting are "
        "shown as “<5” from 1 to 4, and as “n.d.” where a figure could give away a "
        "small one."
    )


def gaps_table(area: Area, standard: Standard, lens: str, limit: int = 20) -> Table:
    """The area's municipalities and Ambiti with the largest gaps for the standard
    (requirement − supply, largest first; a presence standard: where it is absent first);
    the accessibility lens ranks the least accessible first and the demand lens the most
    people waiting first."""
    if lens not in LENSES:
        raise BadParameter("lens", lens)
    ranked, waiting = _ranked_places(area, standard, lens, limit)
    return Table(
        "gaps",
        gettext("Largest gaps: %(standard)s") % {"standard": standard_name(standard)},
        _gaps_columns(standard),
        tuple(_gap_row(area, place, waiting) for place in ranked),
        None,
        _gaps_note(area.coverage_run),
    )
