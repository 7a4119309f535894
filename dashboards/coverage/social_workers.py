"""Social workers per Ambito against the LEPS thresholds (Law 178/2020)."""

from __future__ import annotations

from django.db.models import Sum
from django.urls import reverse
from django.utils.translation import gettext

from dashboards.coverage.choice import (
    CONTRIBUTION_BAND_1,
    CONTRIBUTION_BAND_2,
    EPSILON,
    LEPS_THRESHOLDS,
    SOCIAL_WORKER_STANDARDS,
)
from dashboards.coverage.lenses import format_number
from dashboards.coverage.places import ambiti_of
from dashboards.indicators import Area
from dashboards.tables import Column, Row, Table
from gaps.models import AreaKind, CoverageResult
from registry.models import Zone

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
    return {"per_worker": per_worker, "ratio": f"1 : {format_number(per_worker)}"}


def _zone_population(ids: list[int]) -> dict[int, int]:
    """Inhabitants per Ambito: the sum over its municipalities, in one query."""
    return dict(
        Zone.municipalities.through.objects.filter(zone_id__in=ids)
        .order_by()
        .values("zone_id")
        .annotate(total=Sum("municipality__population"))
        .values_list("zone_id", "total")
    )


def _zone_fte(run, ids: list[int]) -> dict[int, float]:
    """Social workers (FTE) per Ambito as the run measured them; none without a run."""
    fte: dict[int, float] = {}
    if run is None:
        return fte
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
    return fte


def _zone_cells(
    people: int, workers: float | None, thresholds: list[tuple[str, int]], totals: dict
) -> dict[str, object]:
    """One Ambito's cells; adds its figures to `totals` (FTE, bands and contribution only
    when they are known)."""
    cells: dict[str, object] = {"population": people, "fte": None}
    cells.update(_ratio_cells(people, workers))
    if workers is None:
        cells.update({key: None for key, _t in thresholds})
        cells.update({"band_1": None, "band_2": None, "contribution": None})
    else:
        band_1, band_2, contribution = state_contribution(people, workers)
        cells["fte"] = round(workers, 2)
        for key, threshold in thresholds:
            met = people > 0 and workers * threshold + EPSILON >= people
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
    return cells


def _total_row(totals: dict, known: bool, thresholds: list[tuple[str, int]]) -> Row:
    """The total of the Ambiti; its figures only when every Ambito has them."""
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
    return Row("total", gettext("Total"), total_cells)


def _social_workers_columns(thresholds: list[tuple[str, int]]) -> tuple[Column, ...]:
    return (
        Column("population", gettext("Population")),
        Column("fte", gettext("Social workers"), unit=gettext("FTE")),
        Column("ratio", gettext("Ratio")),
        Column("per_worker", gettext("Inhabitants per social worker")),
        *(
            Column(key, gettext("Meets 1 : %(n)s") % {"n": format_number(threshold)})
            for key, threshold in thresholds
        ),
        Column("band_1", gettext("FTE from 1 : 6,500 to 1 : 5,000"), unit=gettext("FTE")),
        Column("band_2", gettext("FTE from 1 : 5,000 to 1 : 4,000"), unit=gettext("FTE")),
        Column("contribution", gettext("State contribution"), unit=gettext("€ a year")),
    )


def _social_workers_note(run) -> str:
    if run is None:
        return gettext("No coverage run has completed for this city yet.")
    return gettext(
        "LEPS (Law 178/2020, art. 1 c. 797-798): 1 social worker per 5,000 inhabitants, "
        "further objective 1 per 4,000. The state contributes €40,000 a year per "
        "full-time social worker beyond 1 per 6,500 up to 1 per 5,000, and €20,000 a year "
        "beyond 1 per 5,000 up to 1 per 4,000. Social workers are the staff (FTE) the latest "
        "coverage run counted in each Ambito."
    )


def social_workers_table(area: Area) -> Table:
    """Per Ambito of the area: population, social workers (FTE) from the latest run, the
    ratio "1 : N", which LEPS thresholds it meets and the state contribution implied
    (:func:`state_contribution`)."""
    run = area.coverage_run
    zones = list(ambiti_of(area).order_by("code").values_list("pk", "code", "name"))
    ids = [pk for pk, _code, _name in zones]
    population = _zone_population(ids)
    fte = _zone_fte(run, ids)

    thresholds = [(f"meets_{t}", t) for t in LEPS_THRESHOLDS]
    rows = []
    totals = {"population": 0, "fte": 0.0, "band_1": 0.0, "band_2": 0.0, "contribution": 0}
    known = True
    for pk, code, name in zones:
        workers = fte.get(pk)
        known = known and workers is not None
        cells = _zone_cells(population.get(pk) or 0, workers, thresholds, totals)
        rows.append(
            Row(code, name, cells, reverse("admin:dashboard-zone", args=[area.city.slug, code]))
        )
    total = _total_row(totals, known, thresholds) if len(rows) > 1 else None
    return Table(
        "social-workers",
        gettext("Social workers per Ambito (LEPS)"),
        _social_workers_columns(thresholds),
        tuple(rows),
        total,
        _social_workers_note(run),
    )
