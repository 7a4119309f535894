"""What changed between two complete runs of a scope ("since last month"): per standard
and area, the gap, accessibility and unmet demand then and now, largest changes first."""

from __future__ import annotations

from dataclasses import dataclass

from gaps.models import CoverageResult, CoverageRun, RunStatus

KEY = ("standard__code", "area_kind", "municipality__istat_code", "zone_id")
FIGURES = ("gap", "accessibility", "unmet")


@dataclass(frozen=True)
class Difference:
    standard: str
    area_kind: str
    area: str
    figure: str
    before: float | None
    after: float | None

    @property
    def change(self) -> float:
        return (self.after or 0.0) - (self.before or 0.0)


def run_before(run: CoverageRun, since) -> CoverageRun | None:
    """The last complete run of the same scope finished at or before ``since``."""
    return (
        CoverageRun.objects.filter(
            scope=run.scope, status=RunStatus.COMPLETE, finished_at__lte=since
        )
        .exclude(pk=run.pk)
        .order_by("-finished_at", "-id")
        .first()
    )


def _figures(run: CoverageRun) -> dict:
    rows = CoverageResult.objects.filter(run=run).values_list(*KEY, *FIGURES)
    return {row[: len(KEY)]: row[len(KEY) :] for row in rows}


def differences(old: CoverageRun, new: CoverageRun) -> list[Difference]:
    before, after = _figures(old), _figures(new)
    found = []
    for key in sorted(before.keys() | after.keys(), key=str):
        then = before.get(key, (None,) * len(FIGURES))
        now = after.get(key, (None,) * len(FIGURES))
        standard, kind, istat_code, zone_id = key
        area = istat_code if kind == "municipality" else f"zone {zone_id}"
        for figure, a, b in zip(FIGURES, then, now, strict=True):
            if a != b:
                found.append(Difference(standard, kind, area, figure, a, b))
    return sorted(found, key=lambda d: -abs(d.change))
