"""From the database to the arrays of gaps/coverage.py, for one scope and standard.

Areas are the municipalities of the scope, with their total population and, where
imported, the population of the standard's group. Sites are the active sites offering a
listed service of the standard's category (with its sub-categories) — confidential ones
included, since they are supply: only their aggregate ever leaves the computation. For a
single metropolitan city the sites just beyond its border, within the catchment, are
included too (they serve the border) but add to no area's supply. Demand is counted per
person's municipality of residence, or the referred site's, or the case organisation's.
A few grouped queries per standard; no per-row queries.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from django.db.models import Count, Q, Sum
from django.db.models.functions import Coalesce

from beneficiaries.models import Referral, ReferralStatus
from gaps.coverage import Catchment, CategoryInputs, CostPairs, Decay, RatioStandard
from gaps.models import (
    CatchmentUnit,
    PopulationFigure,
    PopulationGroup,
    Standard,
    StandardKind,
    SupplyMeasure,
    TravelTime,
)
from registry.models import Municipality, Zone
from services.models import Capacity, CapacityUnit, ServiceAtSite, ServiceCategory, Site
from services.selectors import category_branch_q, listed_services, listed_sites

# The catchment of the accessibility lens where a standard gives none (ratio and
# presence standards): 10 km, step. Recorded in every run's parameters.
DEFAULT_CATCHMENT_KM = 10.0
KM_PER_DEGREE_LATITUDE = 111.2
FREE_PLACE_UNITS = (CapacityUnit.PLACES, CapacityUnit.BEDS)


@dataclass
class LoadedInputs:
    inputs: CategoryInputs
    municipality_ids: list[int]
    zone_ids: list[int]
    site_ids: list[int] = field(default_factory=list)
    parameters: dict = field(default_factory=dict)


def catchment_of(standard: Standard) -> Catchment:
    if standard.kind != StandardKind.ACCESSIBILITY:
        return Catchment(DEFAULT_CATCHMENT_KM, Decay.STEP)
    threshold = float(standard.catchment)
    if standard.decay == Decay.GAUSSIAN:
        sigma = float(standard.sigma) if standard.sigma else threshold / 2
        return Catchment(threshold, Decay.GAUSSIAN, sigma=sigma)
    return Catchment(threshold, Decay(standard.decay))


def minute_catchment(standard: Standard) -> bool:
    return (
        standard.kind == StandardKind.ACCESSIBILITY
        and standard.catchment_unit == CatchmentUnit.MINUTES
    )


def travel_time_pairs(area_ids: list[int], site_ids: list[int]) -> CostPairs:
    """The imported travel times between these areas and sites, as a cost table in
    minutes; a pair without a travel time is out of reach."""
    area_index = {area_id: i for i, area_id in enumerate(area_ids)}
    site_index = {site_id: j for j, site_id in enumerate(site_ids)}
    rows = (
        TravelTime.objects.filter(municipality_id__in=area_ids, site_id__in=site_ids)
        .order_by("municipality_id", "site_id")
        .values_list("municipality_id", "site_id", "minutes")
    )
    demand, supply, cost = [], [], []
    for municipality_id, site_id, minutes in rows:
        demand.append(area_index[municipality_id])
        supply.append(site_index[site_id])
        cost.append(minutes)
    return CostPairs.from_table(
        np.array(demand, dtype=np.int64),
        np.array(supply, dtype=np.int64),
        np.array(cost, dtype=np.float64),
        n_demand=len(area_ids),
        n_supply=len(site_ids),
    )


def scope_municipalities(metropolitan_city) -> list[Municipality]:
    municipalities = Municipality.objects.defer("boundary").order_by("id")
    if metropolitan_city is not None:
        municipalities = municipalities.filter(metropolitan_city=metropolitan_city)
    return list(municipalities.only("id", "population", "centroid_lat", "centroid_lon"))


def group_population(municipality_ids: list[int], group: str) -> dict[int, int]:
    """The latest imported figure of the group per municipality."""
    if group == PopulationGroup.ALL:
        return {}
    latest: dict[int, int] = {}
    rows = (
        PopulationFigure.objects.filter(municipality_id__in=municipality_ids, group=group)
        .order_by("municipality_id", "-year")
        .values_list("municipality_id", "population")
    )
    for municipality_id, population in rows:
        latest.setdefault(municipality_id, population)
    return latest


def category_services(standard: Standard) -> list[int]:
    """Ids of the listed services in the standard's category and its sub-categories,
    fetched once: the supply and the demand both start from them, and filtering by a
    list of ids uses the indexes where a join would read far more (measured: the demand
    query 5 s against 1 s on the large data)."""
    branch = ServiceCategory.objects.filter(category_branch_q(standard.category.code))
    return list(
        listed_services().filter(categories__in=branch).values_list("pk", flat=True).distinct()
    )


def site_supply(
    standard: Standard,
    services: list[int],
    box: tuple[float, float, float, float] | None,
    reachable=None,
):
    """Per site offering the category, by id: (id, lon, lat, municipality id, capacity,
    free places); inside ``box`` if given, among ``reachable`` site ids if given."""
    offerings = ServiceAtSite.objects.filter(
        service_id__in=services, site__in=listed_sites().values("pk")
    )
    if reachable is not None:
        offerings = offerings.filter(site__in=reachable)
    if box is not None:
        south, north, west, east = box
        offerings = offerings.filter(
            site__latitude__gte=south,
            site__latitude__lte=north,
            site__longitude__gte=west,
            site__longitude__lte=east,
        )
    sites = {
        row["site_id"]: [
            row["site__longitude"],
            row["site__latitude"],
            row["site__municipality_id"],
            0.0,
            0.0,
        ]
        for row in offerings.values(
            "site_id", "site__longitude", "site__latitude", "site__municipality_id"
        ).distinct()
    }
    capacities = Capacity.objects.filter(offering__in=offerings.values("pk"))
    if standard.supply_measure == SupplyMeasure.SITES:
        for site in sites.values():
            site[3] = 1.0
    else:
        totals = (
            capacities.filter(unit=standard.supply_measure)
            .values("offering__site_id")
            .annotate(total=Sum("total"))
        )
        for row in totals:
            sites[row["offering__site_id"]][3] = float(row["total"])
    free = (
        capacities.filter(unit__in=FREE_PLACE_UNITS, available__isnull=False)
        .values("offering__site_id")
        .annotate(free=Sum("available"))
    )
    for row in free:
        sites[row["offering__site_id"]][4] = float(row["free"])
    return [(site_id, *sites[site_id]) for site_id in sorted(sites)]


def demand(services: list[int], area_ids: list[int]) -> dict[int, tuple[int, int]]:
    """Open referrals and wait-listed people per municipality of the scope, for the
    category's services."""
    rows = (
        Referral.objects.filter(
            service_id__in=services,
            status__in=(ReferralStatus.REFERRED, ReferralStatus.WAITING),
        )
        .annotate(
            area=Coalesce(
                "case__beneficiary__residence_municipality_id",
                "offering__site__municipality_id",
                "case__organisation__municipality_id",
            )
        )
        .filter(area__in=area_ids)
        .values("area")
        .annotate(
            referred=Count("pk", filter=Q(status=ReferralStatus.REFERRED)),
            waiting=Count("pk", filter=Q(status=ReferralStatus.WAITING)),
        )
    )
    return {row["area"]: (row["referred"], row["waiting"]) for row in rows}


def zone_members(metropolitan_city, zone_kind: str) -> tuple[list[int], list[int], list[int]]:
    """Zones made of whole municipalities (sub-municipal areas are not demand points
    yet), as (zone ids, member municipality ids, member zone ids)."""
    zones = Zone.objects.filter(parent_municipality__isnull=True)
    if metropolitan_city is not None:
        zones = zones.filter(metropolitan_city=metropolitan_city)
    if zone_kind:
        zones = zones.filter(kind=zone_kind)
    zone_ids = sorted(zones.values_list("id", flat=True))
    pairs = (
        Zone.municipalities.through.objects.filter(zone_id__in=zone_ids)
        .order_by("zone_id", "municipality_id")
        .values_list("zone_id", "municipality_id")
    )
    pairs = list(pairs)
    return zone_ids, [m for _, m in pairs], [z for z, _ in pairs]


def _site_scope(
    metropolitan_city,
    municipalities: list[Municipality],
    ids: list[int],
    catchment: Catchment,
    by_minutes: bool,
):
    """Which sites may serve the scope: (box, reachable site ids), either or both None.

    By minutes, reach is what the travel-time matrix says: the sites in the scope, and
    those outside it that an area of the scope has a travel time to. By distance, for a
    single metropolitan city, the box around its centroids widened by the catchment.
    """
    if by_minutes:
        reachable = Site.objects.filter(
            Q(municipality_id__in=ids)
            | Q(pk__in=TravelTime.objects.filter(municipality_id__in=ids).values("site_id"))
        ).values("pk")
        return None, reachable
    if metropolitan_city is not None and municipalities:
        margin_lat = catchment.threshold / KM_PER_DEGREE_LATITUDE
        lats = [m.centroid_lat for m in municipalities]
        lons = [m.centroid_lon for m in municipalities]
        margin_lon = margin_lat / max(math.cos(math.radians(max(abs(x) for x in lats))), 0.1)
        box = (
            min(lats) - margin_lat,
            max(lats) + margin_lat,
            min(lons) - margin_lon,
            max(lons) + margin_lon,
        )
        return box, None
    return None, None


def _zones_in_scope(
    metropolitan_city, zone_kind: str, index: dict[int, int]
) -> tuple[list[int], list[tuple[int, int]]]:
    """The zone ids, and the (area index, zone index) of each member inside the scope."""
    zone_ids, member_municipalities, member_zones = zone_members(metropolitan_city, zone_kind)
    zone_index = {zone_id: i for i, zone_id in enumerate(zone_ids)}
    in_scope = [
        (index[m], zone_index[z])
        for m, z in zip(member_municipalities, member_zones, strict=True)
        if m in index
    ]
    return zone_ids, in_scope


def _area_figures(
    standard: Standard,
    municipalities: list[Municipality],
    groups: dict[int, int],
    waiting: dict[int, tuple[int, int]],
) -> dict[str, list[float]]:
    """Population, group population and demand per area, as CategoryInputs arguments."""
    return {
        "area_population": [float(m.population) for m in municipalities],
        # For a standard about everyone, the group's population is the total: known.
        "area_group_population": (
            [float(m.population) for m in municipalities]
            if standard.population_group == PopulationGroup.ALL
            else [float(groups.get(m.pk, math.nan)) for m in municipalities]
        ),
        "area_open_referrals": [float(waiting.get(m.pk, (0, 0))[0]) for m in municipalities],
        "area_wait_listed": [float(waiting.get(m.pk, (0, 0))[1]) for m in municipalities],
    }


def _positions(
    by_minutes: bool, municipalities: list[Municipality], ids: list[int], sites: list
) -> dict:
    """How areas and sites are apart, as CategoryInputs arguments: the imported travel
    times, or the coordinates."""
    if by_minutes:
        return {"cost_pairs": travel_time_pairs(ids, [site[0] for site in sites])}
    return {
        "area_lon": [m.centroid_lon for m in municipalities],
        "area_lat": [m.centroid_lat for m in municipalities],
        "site_lon": [site[1] for site in sites],
        "site_lat": [site[2] for site in sites],
    }


def load(metropolitan_city, standard: Standard) -> LoadedInputs:
    municipalities = scope_municipalities(metropolitan_city)
    index = {m.pk: i for i, m in enumerate(municipalities)}
    ids = [m.pk for m in municipalities]
    catchment = catchment_of(standard)
    by_minutes = minute_catchment(standard)
    box, reachable = _site_scope(metropolitan_city, municipalities, ids, catchment, by_minutes)
    services = category_services(standard)
    sites = site_supply(standard, services, box, reachable)
    groups = group_population(ids, standard.population_group)
    waiting = demand(services, ids)
    zone_ids, in_scope = _zones_in_scope(metropolitan_city, standard.zone_kind, index)
    ratio = None
    if standard.kind == StandardKind.RATIO:
        ratio = RatioStandard(float(standard.units), float(standard.per_inhabitants))
    inputs = CategoryInputs(
        **_area_figures(standard, municipalities, groups, waiting),
        **_positions(by_minutes, municipalities, ids, sites),
        site_area=[index.get(site[3], -1) for site in sites],
        site_capacity=[site[4] for site in sites],
        site_free_places=[site[5] for site in sites],
        catchment=catchment,
        standard=ratio,
        zone_member_area=np.array([area for area, _ in in_scope], dtype=np.int64),
        zone_member_zone=np.array([zone for _, zone in in_scope], dtype=np.int64),
        n_zones=len(zone_ids),
    )
    parameters = {
        "standard": standard.code,
        "version": standard.version,
        "catchment": catchment.threshold,
        "catchment_unit": standard.catchment_unit,
        "decay": str(catchment.decay),
        "sites": len(sites),
    }
    return LoadedInputs(
        inputs=inputs,
        municipality_ids=ids,
        zone_ids=zone_ids,
        site_ids=[site[0] for site in sites],
        parameters=parameters,
    )
