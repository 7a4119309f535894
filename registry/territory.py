"""Loading the shipped territory data (ISTAT municipalities, 2011 census, boundaries).

Data and attribution: ``registry/data/territory/SOURCES.md``.
"""

import csv
import json
from dataclasses import dataclass
from pathlib import Path

from django.db import transaction

from registry.models import MetropolitanCity, Municipality

DATA_DIR = Path(__file__).resolve().parent / "data" / "territory"
POPULATION_YEAR = 2011


@dataclass(frozen=True)
class LoadReport:
    cities_created: int
    cities_updated: int
    municipalities_created: int
    municipalities_updated: int
    municipalities_unchanged: int


def read_municipalities(metro_slugs: set[str] | None = None) -> list[dict[str, str]]:
    with (DATA_DIR / "municipalities.csv").open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    if metro_slugs:
        rows = [row for row in rows if row["metro_slug"] in metro_slugs]
    return rows


def metro_slugs() -> list[str]:
    return sorted({row["metro_slug"] for row in read_municipalities()})


def read_boundaries(metro_slug: str) -> dict[str, dict]:
    """Boundary geometries of one metropolitan city's municipalities, by ISTAT code."""
    path = DATA_DIR / "boundaries" / f"{metro_slug}.geojson"
    features = json.loads(path.read_text(encoding="utf-8"))["features"]
    return {feature["properties"]["istat_code"]: feature["geometry"] for feature in features}


@transaction.atomic
def load_territory(*, metro_slugs: set[str] | None = None) -> LoadReport:
    """Create or update metropolitan cities and municipalities; idempotent.

    A second run with the same files writes nothing: rows are compared before saving.
    """
    rows = read_municipalities(metro_slugs)
    if metro_slugs and not rows:
        raise ValueError(f"Unknown metropolitan city: {', '.join(sorted(metro_slugs))}")
    cities_created = cities_updated = 0
    cities: dict[str, MetropolitanCity] = {}
    for row in rows:
        slug = row["metro_slug"]
        if slug in cities:
            continue
        wanted = {
            "istat_code": row["province_istat_code"],
            "name": row["metro_city"],
            "region": row["region"],
        }
        city = MetropolitanCity.objects.filter(slug=slug).first()
        if city is None:
            city = MetropolitanCity.objects.create(slug=slug, **wanted)
            cities_created += 1
        elif any(getattr(city, key) != value for key, value in wanted.items()):
            for key, value in wanted.items():
                setattr(city, key, value)
            city.save()
            cities_updated += 1
        cities[slug] = city

    existing = {
        m.istat_code: m
        for m in Municipality.objects.filter(istat_code__in=[row["istat_code"] for row in rows])
    }
    boundaries = {slug: read_boundaries(slug) for slug in cities}
    to_create, to_update = [], []
    fields = [
        "metropolitan_city",
        "name",
        "cadastral_code",
        "population",
        "population_year",
        "centroid_lat",
        "centroid_lon",
        "boundary",
    ]
    for row in rows:
        wanted = {
            "metropolitan_city": cities[row["metro_slug"]],
            "name": row["name"],
            "cadastral_code": row["cadastral_code"],
            "population": int(row["population_2011"]),
            "population_year": POPULATION_YEAR,
            "centroid_lat": float(row["centroid_lat"]),
            "centroid_lon": float(row["centroid_lon"]),
            "boundary": boundaries[row["metro_slug"]].get(row["istat_code"]),
        }
        current = existing.get(row["istat_code"])
        if current is None:
            to_create.append(Municipality(istat_code=row["istat_code"], **wanted))
        elif any(getattr(current, key) != value for key, value in wanted.items()):
            for key, value in wanted.items():
                setattr(current, key, value)
            to_update.append(current)
    for municipality in to_create + to_update:
        municipality.full_clean(validate_unique=False, validate_constraints=False)
    Municipality.objects.bulk_create(to_create, batch_size=500)
    Municipality.objects.bulk_update(to_update, fields, batch_size=200)
    return LoadReport(
        cities_created=cities_created,
        cities_updated=cities_updated,
        municipalities_created=len(to_create),
        municipalities_updated=len(to_update),
        municipalities_unchanged=len(rows) - len(to_create) - len(to_update),
    )
