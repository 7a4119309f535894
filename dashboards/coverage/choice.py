"""The coverage picture's choices: lens, level, standard, and the run they read."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.cache import cache
from django.utils.translation import get_language, gettext

from dashboards.indicators import Area
from gaps.models import CoverageResult, CoverageRun, RunStatus, Standard
from gaps.runs import ALL
from services.selectors import category_branch_q

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

EPSILON = 1e-9


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
