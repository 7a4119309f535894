"""What-if: the coverage a change would give, computed beside the official run and never
stored — "add 20 shelter places at this site", "open a service in this municipality".

The inputs are loaded as for a run, the scenario applied to the arrays, and both
computed; the answer lists the areas whose figures change.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from gaps.coverage import LensResults, compute_category
from gaps.inputs import load
from gaps.models import Standard
from registry.models import Municipality


@dataclasses.dataclass(frozen=True)
class AddCapacity:
    site_id: int
    units: float


@dataclasses.dataclass(frozen=True)
class NewSite:
    """A new site at the municipality's centroid with ``units`` of capacity."""

    municipality_id: int
    units: float


@dataclasses.dataclass(frozen=True)
class AreaChange:
    area_kind: str
    area_id: int
    gap_before: float | None
    gap_after: float | None
    accessibility_before: float
    accessibility_after: float
    supply_before: float
    supply_after: float


class UnknownSite(ValueError):
    pass


def _changes(kind: str, ids: list[int], before: LensResults, after: LensResults) -> list:
    changes = []
    for i, area_id in enumerate(ids):
        gap_b = None if before.gap is None else float(before.gap[i])
        gap_a = None if after.gap is None else float(after.gap[i])
        row = AreaChange(
            kind,
            area_id,
            gap_b,
            gap_a,
            float(before.accessibility[i]),
            float(after.accessibility[i]),
            float(before.supply[i]),
            float(after.supply[i]),
        )
        if (gap_b, row.accessibility_before, row.supply_before) != (
            gap_a,
            row.accessibility_after,
            row.supply_after,
        ):
            changes.append(row)
    return changes


def what_if(
    metropolitan_city,
    standard: Standard,
    *,
    add_capacity: tuple[AddCapacity, ...] = (),
    new_sites: tuple[NewSite, ...] = (),
) -> list[AreaChange]:
    loaded = load(metropolitan_city, standard)
    inputs = loaded.inputs
    capacity = np.array(inputs.site_capacity, dtype=np.float64)
    position = {site_id: i for i, site_id in enumerate(loaded.site_ids)}
    for change in add_capacity:
        if change.site_id not in position:
            raise UnknownSite(change.site_id)
        capacity[position[change.site_id]] += change.units
    lon, lat = list(inputs.site_lon), list(inputs.site_lat)
    site_area, free = list(inputs.site_area), list(inputs.site_free_places)
    capacity_list = list(capacity)
    area_index = {area_id: i for i, area_id in enumerate(loaded.municipality_ids)}
    municipalities = Municipality.objects.in_bulk([s.municipality_id for s in new_sites])
    for site in new_sites:
        municipality = municipalities[site.municipality_id]
        lon.append(municipality.centroid_lon)
        lat.append(municipality.centroid_lat)
        site_area.append(area_index.get(site.municipality_id, -1))
        capacity_list.append(site.units)
        free.append(0.0)
    scenario = dataclasses.replace(
        inputs,
        site_lon=lon,
        site_lat=lat,
        site_area=site_area,
        site_capacity=capacity_list,
        site_free_places=free,
    )
    before, after = compute_category(inputs), compute_category(scenario)
    return _changes("municipality", loaded.municipality_ids, before.areas, after.areas) + _changes(
        "zone", loaded.zone_ids, before.zones, after.zones
    )
