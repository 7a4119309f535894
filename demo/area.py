"""The loaded territory as the demo needs it: municipalities with prepared boundaries."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from demo.geometry import Area, WeightedChoice
from registry.models import MetropolitanCity, Municipality
from registry.territory import read_municipalities


@dataclass(eq=False)
class Place:
    """A municipality of the demo territory."""

    id: int
    istat_code: str
    name: str
    cadastral_code: str
    population: int
    lat: float
    lon: float
    metro_slug: str
    area: Area
    is_capital: bool = False


@dataclass(eq=False)
class Metro:
    """A metropolitan city with its municipalities, the capital first."""

    slug: str
    name: str
    id: int
    places: list[Place]
    population: int = 0
    capital: Place = field(init=False)
    by_population: WeightedChoice = field(init=False)
    # Spread-out weights (population ** 0.85): small towns get a little more than their
    # share of providers' sites, as they do in reality.
    by_presence: WeightedChoice = field(init=False)

    def __post_init__(self) -> None:
        self.places.sort(key=lambda p: (-p.population, p.istat_code))
        self.capital = self.places[0]
        self.capital.is_capital = True
        self.population = sum(p.population for p in self.places)
        self.by_population = WeightedChoice(self.places, [p.population for p in self.places])
        self.by_presence = WeightedChoice(self.places, [p.population**0.85 for p in self.places])

    @property
    def display_name(self) -> str:
        return "Roma Capitale" if self.slug == "roma" else self.name


class TerritoryMissing(Exception):
    """The territory of some metropolitan cities has not been loaded."""

    def __init__(self, slugs: list[str]) -> None:
        super().__init__(", ".join(slugs))
        self.slugs = slugs


def load_metros(slugs: list[str]) -> list[Metro]:
    """The chosen metropolitan cities, in the given order; raises TerritoryMissing."""
    expected: dict[str, int] = {}
    for row in read_municipalities(set(slugs)):
        expected[row["metro_slug"]] = expected.get(row["metro_slug"], 0) + 1
    cities = {c.slug: c for c in MetropolitanCity.objects.filter(slug__in=slugs)}
    places: dict[str, list[Place]] = {slug: [] for slug in slugs}
    rows = (
        Municipality.objects.filter(metropolitan_city__slug__in=slugs)
        .order_by("istat_code")
        .values_list(
            "id",
            "istat_code",
            "name",
            "cadastral_code",
            "population",
            "centroid_lat",
            "centroid_lon",
            "boundary",
            "metropolitan_city__slug",
        )
    )
    for pk, istat, name, cadastral, population, lat, lon, boundary, slug in rows:
        places[slug].append(
            Place(
                pk,
                istat,
                name,
                cadastral,
                population,
                lat,
                lon,
                slug,
                Area(boundary, (lon, lat)),
            )
        )
    missing = [
        slug
        for slug in slugs
        if slug not in cities or not places[slug] or len(places[slug]) < expected.get(slug, 1)
    ]
    if missing:
        raise TerritoryMissing(missing)
    return [Metro(slug, cities[slug].name, cities[slug].id, places[slug]) for slug in slugs]


@dataclass(frozen=True)
class Birthplaces:
    """Italian municipalities people are born in (the 14 metropolitan cities' comuni)."""

    codes: WeightedChoice

    @classmethod
    def load(cls) -> Birthplaces:
        rows = sorted(read_municipalities(), key=lambda row: row["istat_code"])
        return cls(
            WeightedChoice(
                [row["cadastral_code"] for row in rows],
                [int(row["population_2011"]) for row in rows],
            )
        )


def distance_km(a: Place, b: Place) -> float:
    """Approximate distance between two municipalities' centroids."""
    dlat = (a.lat - b.lat) * 111.0
    dlon = (a.lon - b.lon) * 111.0 * math.cos(math.radians((a.lat + b.lat) / 2))
    return math.hypot(dlat, dlon)
