"""Demo planning zones: ambiti grouping municipalities, and municipi inside the capital.

The real ambiti territoriali sociali are set by each region and are not shipped with the
territory data, so the demo groups municipalities by proximity into ambiti of roughly
150,000 inhabitants and names them as demo zones. The capital, as in Rome, Milan and
Turin, is its own ambito and is split into municipi with a share of its population.
"""

from __future__ import annotations

import math
import random

from registry.models import MetropolitanCity, Municipality, Zone, ZoneKind

PEOPLE_PER_AMBITO = 150_000
PEOPLE_PER_MUNICIPIO = 200_000
ROMAN = [
    "I",
    "II",
    "III",
    "IV",
    "V",
    "VI",
    "VII",
    "VIII",
    "IX",
    "X",
    "XI",
    "XII",
    "XIII",
    "XIV",
    "XV",
    "XVI",
    "XVII",
    "XVIII",
    "XIX",
    "XX",
]


def _cluster(points: list[tuple[float, float]], k: int, rng: random.Random) -> list[int]:
    """Plain k-means on (lat, lon) with a fixed number of rounds; returns a label per point."""
    centres = rng.sample(points, k)
    labels = [0] * len(points)
    for _ in range(25):
        labels = [min(range(k), key=lambda c: math.dist(point, centres[c])) for point in points]
        for c in range(k):
            members = [points[i] for i, label in enumerate(labels) if label == c]
            if members:
                centres[c] = (
                    sum(p[0] for p in members) / len(members),
                    sum(p[1] for p in members) / len(members),
                )
    return labels


def seed_zones(metro: MetropolitanCity, rng: random.Random) -> list[Zone]:
    """Create the demo ambiti and municipi of one metropolitan city; returns them."""
    municipalities = list(
        Municipality.objects.filter(metropolitan_city=metro).order_by("istat_code")
    )
    capital = max(municipalities, key=lambda m: m.population)
    others = [m for m in municipalities if m.pk != capital.pk]
    zones: list[Zone] = []

    capital_ambito = Zone.objects.create(
        metropolitan_city=metro,
        kind=ZoneKind.AMBITO,
        code="ATS-01",
        name=f"Ambito {capital.name} (demo)",
    )
    capital_ambito.municipalities.add(capital)
    zones.append(capital_ambito)

    if others:
        k = max(1, min(len(others), round(sum(m.population for m in others) / PEOPLE_PER_AMBITO)))
        labels = _cluster([(m.centroid_lat, m.centroid_lon) for m in others], k, rng)
        members_by_label: dict[int, list[Municipality]] = {}
        for municipality, label in zip(others, labels, strict=True):
            members_by_label.setdefault(label, []).append(municipality)
        groups = sorted(
            members_by_label.values(), key=lambda group: -sum(m.population for m in group)
        )
        for number, members in enumerate(groups, start=2):
            leader = max(members, key=lambda m: m.population)
            zone = Zone.objects.create(
                metropolitan_city=metro,
                kind=ZoneKind.AMBITO,
                code=f"ATS-{number:02d}",
                name=f"Ambito {leader.name} (demo)",
            )
            zone.municipalities.add(*members)
            zones.append(zone)

    parts = max(2, min(len(ROMAN), round(capital.population / PEOPLE_PER_MUNICIPIO)))
    weights = [rng.uniform(0.7, 1.3) for _ in range(parts)]
    populations = [int(capital.population * w / sum(weights)) for w in weights]
    populations[0] += capital.population - sum(populations)
    for index, population in enumerate(populations):
        zones.append(
            Zone.objects.create(
                metropolitan_city=metro,
                kind=ZoneKind.MUNICIPIO,
                code=f"MUN-{ROMAN[index]}",
                name=f"Municipio {ROMAN[index]} – {capital.name} (demo)",
                parent_municipality=capital,
                population=population,
                population_year=capital.population_year,
            )
        )
    return zones
