"""The areas of the coverage picture and their results in a run."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Sum

from dashboards.indicators import Area
from gaps.models import AreaKind, CoverageResult, CoverageRun, Standard
from registry.models import Municipality, Zone, ZoneKind

# --- The areas and their results --------------------------------------------------------------


def ambiti_of(area: Area):
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
class PlaceResult:
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


def places_of(area: Area, level: str, *, geometry: bool) -> list[PlaceResult]:
    """The municipalities or Ambiti of the area, in name order (one or two queries)."""
    if level == "municipality":
        fields = ["pk", "istat_code", "name", "population"] + (["boundary"] if geometry else [])
        rows = _municipalities(area).order_by("name", "istat_code").values_list(*fields)
        return [
            PlaceResult(AreaKind.MUNICIPALITY, r[0], r[1], r[2], r[3], r[4] if geometry else None)
            for r in rows
        ]
    fields = ["pk", "code", "name", "population"] + (["boundary"] if geometry else [])
    zones = list(ambiti_of(area).order_by("name", "code").values_list(*fields))
    ids = [zone[0] for zone in zones]
    population = dict(
        Zone.municipalities.through.objects.filter(zone_id__in=ids)
        .order_by()
        .values("zone_id")
        .annotate(total=Sum("municipality__population"))
        .values_list("zone_id", "total")
    )
    places = [
        PlaceResult(
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


def _zone_outlines(places: list[PlaceResult]) -> None:
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


def attach_results(places: list[PlaceResult], run: CoverageRun | None, standard: Standard) -> None:
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


def published_waiting(places: list[PlaceResult]) -> dict[int, object]:
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
