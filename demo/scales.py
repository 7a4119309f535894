"""How much demo data each ``--scale`` makes, and how it is shared out by population."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Scale:
    name: str
    all_metros: bool  # large covers the 14 metropolitan cities, whatever --metro says
    organisations: int
    sites: int
    beneficiaries: int
    housing_units: int


SCALES: dict[str, Scale] = {
    "small": Scale(
        "small", False, organisations=25, sites=150, beneficiaries=400, housing_units=40
    ),
    "medium": Scale(
        "medium", False, organisations=150, sites=2_000, beneficiaries=30_000, housing_units=600
    ),
    "large": Scale(
        "large",
        True,
        organisations=4_000,
        sites=50_000,
        beneficiaries=1_000_000,
        housing_units=20_000,
    ),
}

# Per person and per case: about 0.6 cases a person, 1.15 referrals and 1.75 needs a case.
CASES_PER_WORKER = 60


def apportion(total: int, weights: list[float], minimum: int = 0) -> list[int]:
    """Split `total` in proportion to `weights` (largest remainder), each at least `minimum`."""
    if not weights:
        return []
    weight_sum = sum(weights) or 1.0
    shares = [total * weight / weight_sum for weight in weights]
    counts = [int(share) for share in shares]
    left = total - sum(counts)
    by_remainder = sorted(range(len(weights)), key=lambda i: (counts[i] - shares[i], i))
    for index in by_remainder[:left]:
        counts[index] += 1
    return [max(minimum, count) for count in counts]
