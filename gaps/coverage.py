"""Coverage-gap computation: pure functions over numpy arrays (no ORM, no Django).

The Celery jobs load territory, sites, capacity, standards and demand into arrays, call
:func:`compute_category` once per service category and store what it returns. Everything
here is deterministic: the same inputs, in the same order, give bitwise the same outputs
(only sequential numpy reductions, no threads, no hash-ordered containers), and
:func:`input_fingerprint` names a set of inputs so two runs over identical inputs can be
recognised.

Three lenses per area (municipality or sub-municipal zone) and category:

* **normative** — supply against a ratio standard "N units per P inhabitants" of a
  population group (:func:`normative_lens`), and presence — at least ``minimum`` sites
  (:func:`presence_lens`);
* **accessibility** — the two-step floating catchment area score (:func:`two_step_fca`);
* **demand** — people waiting against free places (:func:`demand_lens`).

Distance
    Great-circle distance in km on a sphere of radius :data:`EARTH_RADIUS_KM` (the IUGG
    mean Earth radius). Not a local equirectangular projection: one projection over all
    fourteen metropolitan cities (latitude 37°N to 46°N) would misstate east-west
    distances by up to 15 %. :func:`catchment_pairs` finds the pairs with a k-d tree
    (:class:`scipy.spatial.cKDTree`) over unit vectors on the sphere, where the straight
    chord between two points grows monotonically with their great-circle distance, so a
    chord radius selects exactly the pairs within a great-circle radius; each chord ``c``
    is then turned into the arc ``2 R asin(c / 2)``, the same number the haversine
    formula gives. A cost table (:class:`CostPairs`) may be given instead, e.g. an
    imported travel-time matrix in minutes; the catchment threshold is then in its unit.

Distance decay ``f(d)``, zero beyond the catchment threshold ``d0`` (``d <= d0`` is
inside, as in PySAL ``access``'s ``max_cost``), applied in both steps as in
``access.Access.two_stage_fca``:

* ``step``: ``f = 1`` inside the catchment; or, with tiers ``((b1, w1), (b2, w2), ...)``
  sorted by bound, ``f(d)`` is the weight of the first tier with ``d <= b`` and 0 past the
  last bound — the definition of ``access.weights.step_fn``;
* ``linear``: ``f = 1 - d / d0`` (1 at the site, 0 at the edge of the catchment);
* ``gaussian``: ``f = exp(-d² / (2 σ²))`` without the normalising constant, so ``f(0) = 1``
  — the definition of ``access.weights.gaussian(sigma)``.

Two-step floating catchment area (Luo and Wang 2003; with decay, Luo and Qi 2009)
    Step 1, per site ``j``: ``R_j = S_j / Σ_i P_i f(d_ij)`` (capacity over the
    decay-weighted population in its catchment). Step 2, per area ``i``:
    ``A_i = Σ_j R_j f(d_ij)``. ``A_i`` is units of capacity per inhabitant (places per
    person); multiply by 10,000 for "per 10,000 inhabitants". The raw score is returned,
    never rescaled to a mean of 1 (``access``'s ``normalize=True``).

Defined answers where ``access`` gives NaN or infinity
    * An area with no site in its catchment has score **0** (no accessibility);
      ``access`` gives NaN. ``sites_in_reach`` says which areas these are.
    * A site whose catchment holds no population (every area it reaches has population
      0, or every weight is 0) has an **undefined ratio**: ``ratio_defined`` is False,
      ``supply_ratio`` holds 0.0 as a placeholder, and the site **contributes nothing**
      to any score. ``access`` divides by zero there: infinity for a site with capacity,
      spreading to every area it reaches, or NaN for a site without capacity, which it
      skips. Areas reached only by such sites therefore score 0 as well.
    Atlante never returns NaN or infinity.

Population used
    The population of the group a standard counts (women, 65+, 0-17) where it is known
    for an area; elsewhere the total population, with ``group_known`` False so the result
    says the group share was not known instead of inventing one. The same population is
    the 2SFCA demand and the weight of the zone aggregate.

Zones
    A zone (an Ambito, a district) is a set of member areas; an area may belong to zones
    of several kinds. Counts, supply, population, waiting and free places are summed over
    the members and the lenses applied to the sums (a standard "per Ambito" is judged on
    the Ambito's totals); the accessibility score of a zone is the population-weighted
    mean of its members' scores, and **0** for a zone whose members have no population.
"""

from __future__ import annotations

import hashlib
import itertools
import math
import struct
from dataclasses import dataclass, fields
from enum import StrEnum
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.spatial import cKDTree

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]

#: IUGG mean Earth radius R1 (Moritz 2000), km.
EARTH_RADIUS_KM = 6371.0088

#: Bumped whenever the meaning of an input or of a result changes, so fingerprints of
#: runs computed under different definitions never coincide.
ALGORITHM_VERSION = "atlante-coverage-1"


# --- input checking ----------------------------------------------------------------------


def _floats(name: str, values: ArrayLike, *, size: int | None = None) -> FloatArray:
    """A finite, non-negative, 1-D float64 copy of ``values`` (ValueError otherwise)."""
    array = np.array(values, dtype=np.float64, ndmin=1)
    if array.ndim != 1:
        raise ValueError(f"{name} must be one-dimensional")
    if size is not None and array.shape[0] != size:
        raise ValueError(f"{name} has {array.shape[0]} values, expected {size}")
    if not np.all(np.isfinite(array)):
        raise ValueError(f"{name} must be finite")
    if np.any(array < 0):
        raise ValueError(f"{name} must not be negative")
    return array + 0.0  # folds -0.0 into 0.0, so equal inputs have equal bytes


def _indices(name: str, values: ArrayLike, *, bound: int, size: int | None = None) -> IntArray:
    """A 1-D int64 copy of ``values``, each in ``[0, bound)`` (ValueError otherwise)."""
    array = np.array(values, ndmin=1)
    if array.size == 0:
        array = array.astype(np.int64)
    if array.ndim != 1 or not np.issubdtype(array.dtype, np.integer):
        raise ValueError(f"{name} must be a one-dimensional array of integers")
    if size is not None and array.shape[0] != size:
        raise ValueError(f"{name} has {array.shape[0]} values, expected {size}")
    if array.size and (array.min() < 0 or array.max() >= bound):
        raise ValueError(f"{name} must lie in [0, {bound})")
    return array.astype(np.int64)


def _coordinates(name: str, lon: ArrayLike, lat: ArrayLike) -> tuple[FloatArray, FloatArray]:
    lon_array = np.array(lon, dtype=np.float64, ndmin=1)
    lat_array = np.array(lat, dtype=np.float64, ndmin=1)
    if lon_array.ndim != 1 or lon_array.shape != lat_array.shape:
        raise ValueError(f"{name}: longitudes and latitudes must be 1-D and of equal length")
    if not (np.all(np.isfinite(lon_array)) and np.all(np.isfinite(lat_array))):
        raise ValueError(f"{name}: coordinates must be finite")
    if np.any(np.abs(lat_array) > 90) or np.any(np.abs(lon_array) > 180):
        raise ValueError(f"{name}: coordinates must be degrees (lon in ±180, lat in ±90)")
    return lon_array + 0.0, lat_array + 0.0


# --- distance ----------------------------------------------------------------------------


def unit_vectors(lon: ArrayLike, lat: ArrayLike) -> FloatArray:
    """Points on the unit sphere, shape (n, 3), for longitudes/latitudes in degrees.

    Euclidean (chord) distance between these vectors is a monotone function of the
    great-circle distance, which is what lets a k-d tree answer "within d km".
    """
    lon_r = np.radians(np.asarray(lon, dtype=np.float64))
    lat_r = np.radians(np.asarray(lat, dtype=np.float64))
    cos_lat = np.cos(lat_r)
    return np.column_stack((cos_lat * np.cos(lon_r), cos_lat * np.sin(lon_r), np.sin(lat_r)))


def great_circle_km(
    lon1: ArrayLike, lat1: ArrayLike, lon2: ArrayLike, lat2: ArrayLike
) -> FloatArray:
    """Great-circle distance in km between points given in degrees (haversine formula).

    Elementwise with numpy broadcasting; for explaining a single result row and for
    checking :func:`catchment_pairs`, which reaches the same distances through chords.
    """
    phi1, phi2 = np.radians(lat1), np.radians(lat2)
    half_dphi = (phi2 - phi1) / 2
    half_dlambda = (np.radians(lon2) - np.radians(lon1)) / 2
    h = np.sin(half_dphi) ** 2 + np.cos(phi1) * np.cos(phi2) * np.sin(half_dlambda) ** 2
    return np.asarray(2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.minimum(h, 1.0))))


@dataclass(frozen=True, slots=True, eq=False)
class CostPairs:
    """A sparse cost table: one row per (area, site) pair that may be within reach.

    ``demand[k]`` and ``supply[k]`` index the area and site arrays, ``cost[k]`` is the
    distance (km) or travel time between them. Pairs absent from the table are out of
    reach. Pairs beyond the catchment threshold may be present; they get weight 0.
    A pair must not appear twice. Summation follows the row order, so the same table in
    the same order always gives bitwise the same scores.
    """

    demand: IntArray
    supply: IntArray
    cost: FloatArray
    n_demand: int
    n_supply: int

    @classmethod
    def from_table(
        cls,
        demand: ArrayLike,
        supply: ArrayLike,
        cost: ArrayLike,
        *,
        n_demand: int,
        n_supply: int,
    ) -> CostPairs:
        """Check and wrap an external cost table (e.g. an imported travel-time matrix):
        indices in range, costs finite and non-negative, no pair twice."""
        demand_idx = _indices("demand", demand, bound=n_demand)
        supply_idx = _indices("supply", supply, bound=n_supply, size=demand_idx.shape[0])
        costs = _floats("cost", cost, size=demand_idx.shape[0])
        keys = demand_idx * np.int64(n_supply) + supply_idx
        if np.unique(keys).shape[0] != keys.shape[0]:
            raise ValueError("the cost table repeats a (demand, supply) pair")
        return cls(demand_idx, supply_idx, costs, int(n_demand), int(n_supply))


def catchment_pairs(
    demand_lon: ArrayLike,
    demand_lat: ArrayLike,
    supply_lon: ArrayLike,
    supply_lat: ArrayLike,
    *,
    max_km: float,
) -> CostPairs:
    """Every (area, site) pair within ``max_km`` great-circle km, with its distance.

    One k-d tree per side over unit vectors; ``sparse_distance_matrix`` returns the pairs
    whose chord is within the chord of ``max_km`` (slightly widened against rounding, then
    cut exactly on the arc), so only O(pairs) work is done, never O(areas × sites).
    """
    if not (math.isfinite(max_km) and max_km >= 0):
        raise ValueError("max_km must be finite and non-negative")
    d_lon, d_lat = _coordinates("demand", demand_lon, demand_lat)
    s_lon, s_lat = _coordinates("supply", supply_lon, supply_lat)
    n_demand, n_supply = d_lon.shape[0], s_lon.shape[0]
    if n_demand == 0 or n_supply == 0:
        empty_i = np.zeros(0, dtype=np.int64)
        return CostPairs(empty_i, empty_i.copy(), np.zeros(0), n_demand, n_supply)
    half_angle = min(max_km / (2 * EARTH_RADIUS_KM), math.pi / 2)
    chord_radius = 2 * math.sin(half_angle) * (1 + 1e-9) + 1e-15
    demand_tree = cKDTree(unit_vectors(d_lon, d_lat))
    supply_tree = cKDTree(unit_vectors(s_lon, s_lat))
    found = demand_tree.sparse_distance_matrix(supply_tree, chord_radius, output_type="ndarray")
    arc_km = 2 * EARTH_RADIUS_KM * np.arcsin(np.minimum(found["v"] / 2, 1.0))
    keep = arc_km <= max_km
    return CostPairs(
        found["i"][keep].astype(np.int64),
        found["j"][keep].astype(np.int64),
        np.ascontiguousarray(arc_km[keep]),
        n_demand,
        n_supply,
    )


# --- distance decay ----------------------------------------------------------------------


class Decay(StrEnum):
    """How the pull of a site fades with distance inside the catchment."""

    STEP = "step"
    LINEAR = "linear"
    GAUSSIAN = "gaussian"


@dataclass(frozen=True, slots=True)
class Catchment:
    """Catchment threshold ``d0`` (cost units: km, or minutes for a travel-time table)
    and distance decay; see the module docstring for the formulas."""

    threshold: float
    decay: Decay = Decay.STEP
    sigma: float | None = None
    steps: tuple[tuple[float, float], ...] = ()

    def __post_init__(self) -> None:
        if not (math.isfinite(self.threshold) and self.threshold > 0):
            raise ValueError("the catchment threshold must be finite and positive")
        object.__setattr__(self, "decay", Decay(self.decay))
        if self.decay is Decay.GAUSSIAN:
            if self.sigma is None or not (math.isfinite(self.sigma) and self.sigma > 0):
                raise ValueError("a Gaussian decay needs a finite, positive sigma")
        elif self.sigma is not None:
            raise ValueError("sigma applies to the Gaussian decay only")
        if self.steps:
            if self.decay is not Decay.STEP:
                raise ValueError("tiers apply to the step decay only")
            bounds = [float(bound) for bound, _ in self.steps]
            weights = [float(weight) for _, weight in self.steps]
            if any(b >= c for b, c in itertools.pairwise(bounds)):
                raise ValueError("tier bounds must be strictly increasing")
            if not all(math.isfinite(x) and x >= 0 for x in bounds + weights):
                raise ValueError("tier bounds and weights must be finite and non-negative")
            object.__setattr__(self, "steps", tuple(zip(bounds, weights, strict=True)))


def decay_weights(cost: ArrayLike, catchment: Catchment) -> FloatArray:
    """``f(cost)`` for each pair: the decay inside the catchment, 0 beyond it."""
    d = np.asarray(cost, dtype=np.float64)
    inside = d <= catchment.threshold
    if catchment.decay is Decay.STEP:
        if catchment.steps:
            bounds = np.array([bound for bound, _ in catchment.steps])
            # 0 past the last bound, as access.weights.step_fn
            tier_weights = np.array([weight for _, weight in catchment.steps] + [0.0])
            # first tier with d <= bound, i.e. the leftmost bound >= d
            weights = tier_weights[np.searchsorted(bounds, d, side="left")]
        else:
            weights = np.ones_like(d)
    elif catchment.decay is Decay.LINEAR:
        weights = 1.0 - d / catchment.threshold
    else:
        sigma = float(catchment.sigma)  # type: ignore[arg-type]  # checked in Catchment
        # same expression as access.weights.gaussian: exp(-x*x / (2*sigma**2))
        weights = np.exp(-d * d / (2 * sigma**2))
    return np.where(inside, weights, 0.0)


# --- accessibility: two-step floating catchment area ----------------------------------


@dataclass(frozen=True, slots=True, eq=False)
class TwoStepFCA:
    """Result of :func:`two_step_fca`."""

    #: A_i per area: capacity per inhabitant within reach (0 where no site is in reach).
    score: FloatArray
    #: R_j per site: capacity per decay-weighted inhabitant (0.0 where not defined).
    supply_ratio: FloatArray
    #: False where a site's catchment holds no population: its ratio is not defined.
    ratio_defined: BoolArray
    #: Σ_i P_i f(d_ij) per site, the denominator of step 1.
    catchment_population: FloatArray
    #: Number of sites with positive weight for each area.
    sites_in_reach: IntArray


def two_step_fca(
    population: ArrayLike,
    capacity: ArrayLike,
    pairs: CostPairs,
    catchment: Catchment,
) -> TwoStepFCA:
    """Two-step floating catchment area scores for every area (see the module docstring).

    Both steps are sparse matrix-vector products over the pair list, done as weighted
    ``np.bincount`` (a COO product): W^T P gives the catchment populations, W R the
    scores. That is one pass over the pairs per step with no CSR build (which would cost
    a sort of all pairs) and a fixed, sequential summation order, hence bitwise
    reproducible.
    """
    demand = _floats("population", population, size=pairs.n_demand)
    supply = _floats("capacity", capacity, size=pairs.n_supply)
    # A plain step weighs every pair in reach 1: no weight array at all (it would cost
    # three full-size temporaries and two multiplications by one; the sums are the same
    # bit for bit, since x * 1.0 == x).
    plain_step = catchment.decay is Decay.STEP and not catchment.steps
    if plain_step:
        weights = None
        reach = pairs.cost <= catchment.threshold
    else:
        weights = decay_weights(pairs.cost, catchment)
        reach = weights > 0
    if not np.all(reach):
        demand_idx, supply_idx = pairs.demand[reach], pairs.supply[reach]
        if weights is not None:
            weights = weights[reach]
    else:
        demand_idx, supply_idx = pairs.demand, pairs.supply

    def weighted(values: FloatArray) -> FloatArray:
        return values if weights is None else values * weights

    catchment_population = np.bincount(
        supply_idx, weights=weighted(demand[demand_idx]), minlength=pairs.n_supply
    )
    ratio_defined = catchment_population > 0
    supply_ratio = np.zeros(pairs.n_supply)
    np.divide(supply, catchment_population, out=supply_ratio, where=ratio_defined)
    # An undefined ratio is 0.0 here, so its site adds nothing in step 2.
    score = np.bincount(
        demand_idx, weights=weighted(supply_ratio[supply_idx]), minlength=pairs.n_demand
    )
    sites_in_reach = np.bincount(demand_idx, minlength=pairs.n_demand).astype(np.int64)
    return TwoStepFCA(
        score=score,
        supply_ratio=supply_ratio,
        ratio_defined=ratio_defined,
        catchment_population=catchment_population,
        sites_in_reach=sites_in_reach,
    )


# --- zones -------------------------------------------------------------------------------


def zone_sum(
    values: ArrayLike, member_area: IntArray, member_zone: IntArray, n_zones: int
) -> FloatArray:
    """Sum of ``values`` (per area) over each zone's member areas."""
    per_area = np.asarray(values, dtype=np.float64)
    return np.bincount(member_zone, weights=per_area[member_area], minlength=n_zones)


def zone_weighted_mean(
    values: ArrayLike,
    population: ArrayLike,
    member_area: IntArray,
    member_zone: IntArray,
    n_zones: int,
) -> FloatArray:
    """Population-weighted mean of ``values`` over each zone's member areas:
    ``Σ P_a v_a / Σ P_a``; 0 for a zone whose members have no population (and for a
    zone without members), since nobody there has any access to average."""
    per_area = np.asarray(values, dtype=np.float64)
    weight = np.asarray(population, dtype=np.float64)
    totals = zone_sum(weight, member_area, member_zone, n_zones)
    weighted = zone_sum(per_area * weight, member_area, member_zone, n_zones)
    mean = np.zeros(n_zones)
    np.divide(weighted, totals, out=mean, where=totals > 0)
    return mean


# --- normative, presence and demand lenses -------------------------------------------


@dataclass(frozen=True, slots=True)
class RatioStandard:
    """``units`` of capacity per ``per_inhabitants`` inhabitants of a population group,
    e.g. 1 family place in a women's shelter per 10,000 inhabitants (Istanbul Convention
    explanatory report §135): ``RatioStandard(units=1, per_inhabitants=10_000)``."""

    units: float
    per_inhabitants: float

    def __post_init__(self) -> None:
        if not (math.isfinite(self.units) and self.units > 0):
            raise ValueError("units must be finite and positive")
        if not (math.isfinite(self.per_inhabitants) and self.per_inhabitants > 0):
            raise ValueError("per_inhabitants must be finite and positive")


@dataclass(frozen=True, slots=True, eq=False)
class NormativeLens:
    """Result of :func:`normative_lens`, one value per area (or zone)."""

    requirement: FloatArray  # units the standard asks for
    gap: FloatArray  # max(0, requirement - supply), in units
    ratio: FloatArray  # supply / requirement; 1.0 where the requirement is 0
    group_known: BoolArray  # False: computed on the total population


def normative_lens(
    supply: ArrayLike,
    population: ArrayLike,
    standard: RatioStandard,
    *,
    group_known: ArrayLike | bool = True,
) -> NormativeLens:
    """Supply against a ratio standard.

    ``population`` is that of the group the standard counts, or the total population
    where the group's is not known (then ``group_known`` is False for that area, and the
    result carries the flag instead of an invented share). Requirement =
    ``population × units / per_inhabitants`` (fractional: 2.3 FTE is a real figure);
    gap = ``max(0, requirement − supply)``; ratio = ``supply / requirement``, 1.0 where
    the requirement is 0 (the standard asks nothing of an area without population, so it
    is met; the gap is 0 too).
    """
    supply_array = _floats("supply", supply)
    population_array = _floats("population", population, size=supply_array.shape[0])
    known = np.broadcast_to(np.asarray(group_known, dtype=bool), supply_array.shape).copy()
    requirement = population_array * standard.units / standard.per_inhabitants
    gap = np.maximum(requirement - supply_array, 0.0)
    ratio = np.ones_like(requirement)
    np.divide(supply_array, requirement, out=ratio, where=requirement > 0)
    return NormativeLens(requirement=requirement, gap=gap, ratio=ratio, group_known=known)


def presence_lens(count: ArrayLike, *, minimum: int = 1) -> BoolArray:
    """Whether each area (or zone) has at least ``minimum`` sites of the category, as the
    presence standards ask ("present in every Ambito", National plan for social services
    2021-2023)."""
    if minimum < 1:
        raise ValueError("minimum must be at least 1")
    return _floats("count", count) >= minimum


@dataclass(frozen=True, slots=True, eq=False)
class DemandLens:
    """Result of :func:`demand_lens`, one value per area (or zone)."""

    waiting: FloatArray  # open referrals + wait-listed
    free_places: FloatArray
    unmet: FloatArray  # max(0, waiting - free_places)


def demand_lens(
    open_referrals: ArrayLike, wait_listed: ArrayLike, free_places: ArrayLike
) -> DemandLens:
    """People waiting (open referrals plus wait-listed) against free places; unmet demand
    is ``max(0, waiting − free places)``. Counts must be non-negative: an over-full
    service has 0 free places, not a negative number, and the caller says so."""
    referrals = _floats("open_referrals", open_referrals)
    listed = _floats("wait_listed", wait_listed, size=referrals.shape[0])
    free = _floats("free_places", free_places, size=referrals.shape[0])
    waiting = referrals + listed
    return DemandLens(waiting=waiting, free_places=free, unmet=np.maximum(waiting - free, 0.0))


# --- one category ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, eq=False)
class CategoryInputs:
    """Everything one category's computation reads, as arrays.

    Areas are the demand points (municipality centroids or sub-municipal zones); they may
    include areas beyond the city being reported, so that a site near its border counts
    the population on both sides. Sites are the supply points; ``site_area`` is the index
    of the area a site lies in, or -1 for a site outside every listed area (it still
    serves the areas within its catchment but adds to no area's supply or count).
    Give either all four coordinate arrays (great-circle km) or ``cost_pairs``.
    Zones are given as membership pairs (``zone_member_area[k]`` belongs to
    ``zone_member_zone[k]``). Arrays are checked and copied on construction.
    """

    area_population: ArrayLike
    site_capacity: ArrayLike
    site_area: ArrayLike
    catchment: Catchment
    area_group_population: ArrayLike | None = None  # NaN where the group is not known
    standard: RatioStandard | None = None
    presence_minimum: int = 1
    area_lon: ArrayLike | None = None
    area_lat: ArrayLike | None = None
    site_lon: ArrayLike | None = None
    site_lat: ArrayLike | None = None
    cost_pairs: CostPairs | None = None
    area_open_referrals: ArrayLike | None = None
    area_wait_listed: ArrayLike | None = None
    site_free_places: ArrayLike | None = None
    zone_member_area: ArrayLike = ()
    zone_member_zone: ArrayLike = ()
    n_zones: int = 0

    def __post_init__(self) -> None:
        put = object.__setattr__
        population = _floats("area_population", self.area_population)
        n_areas = population.shape[0]
        capacity = _floats("site_capacity", self.site_capacity)
        n_sites = capacity.shape[0]
        put(self, "area_population", population)
        put(self, "site_capacity", capacity)
        site_area = _indices(
            "site_area", np.asarray(self.site_area) + 1, bound=n_areas + 1, size=n_sites
        )
        put(self, "site_area", site_area - 1)
        if self.area_group_population is not None:
            group = np.array(self.area_group_population, dtype=np.float64, ndmin=1)
            known = ~np.isnan(group)
            _floats("area_group_population", group[known])
            if group.shape != (n_areas,):
                raise ValueError("area_group_population must have one value per area")
            # one NaN bit pattern, so equal inputs have equal bytes
            put(self, "area_group_population", np.where(known, group + 0.0, np.nan))
        coordinates = (self.area_lon, self.area_lat, self.site_lon, self.site_lat)
        if self.cost_pairs is not None:
            if any(value is not None for value in coordinates):
                raise ValueError("give either coordinates or cost_pairs, not both")
            if (self.cost_pairs.n_demand, self.cost_pairs.n_supply) != (n_areas, n_sites):
                raise ValueError("cost_pairs does not match the areas and sites")
        else:
            if any(value is None for value in coordinates):
                raise ValueError("give all four coordinate arrays, or cost_pairs")
            area_lon, area_lat = _coordinates("areas", self.area_lon, self.area_lat)  # type: ignore[arg-type]
            site_lon, site_lat = _coordinates("sites", self.site_lon, self.site_lat)  # type: ignore[arg-type]
            if area_lon.shape[0] != n_areas or site_lon.shape[0] != n_sites:
                raise ValueError("coordinates must have one point per area and per site")
            put(self, "area_lon", area_lon)
            put(self, "area_lat", area_lat)
            put(self, "site_lon", site_lon)
            put(self, "site_lat", site_lat)
        for name, size in (
            ("area_open_referrals", n_areas),
            ("area_wait_listed", n_areas),
            ("site_free_places", n_sites),
        ):
            value = getattr(self, name)
            put(self, name, np.zeros(size) if value is None else _floats(name, value, size=size))
        if self.presence_minimum < 1:
            raise ValueError("presence_minimum must be at least 1")
        member_area = _indices("zone_member_area", self.zone_member_area, bound=n_areas)
        member_zone = _indices(
            "zone_member_zone",
            self.zone_member_zone,
            bound=self.n_zones,
            size=member_area.shape[0],
        )
        put(self, "zone_member_area", member_area)
        put(self, "zone_member_zone", member_zone)

    @property
    def n_areas(self) -> int:
        return int(np.shape(self.area_population)[0])

    @property
    def n_sites(self) -> int:
        return int(np.shape(self.site_capacity)[0])


@dataclass(frozen=True, slots=True, eq=False)
class LensResults:
    """The three lenses for a set of areas or of zones; every array has one value each.

    Each row explains itself: the supply, the population used, whether that is the
    group's or the total, the requirement, and the result of each lens.
    """

    population_used: FloatArray
    group_known: BoolArray
    supply: FloatArray  # capacity of the sites inside (units)
    site_count: IntArray
    present: BoolArray
    requirement: FloatArray | None  # None without a ratio standard
    gap: FloatArray | None
    ratio: FloatArray | None
    accessibility: FloatArray  # 2SFCA score (areas) or its weighted mean (zones)
    sites_in_reach: IntArray | None  # areas only
    waiting: FloatArray
    free_places: FloatArray
    unmet: FloatArray


@dataclass(frozen=True, slots=True, eq=False)
class CategoryResult:
    """Per-area, per-zone and per-site results of :func:`compute_category`."""

    areas: LensResults
    zones: LensResults
    site_ratio: FloatArray
    site_ratio_defined: BoolArray
    site_catchment_population: FloatArray


def _lenses(
    *,
    population: FloatArray,
    group_known: BoolArray,
    supply: FloatArray,
    site_count: IntArray,
    accessibility: FloatArray,
    sites_in_reach: IntArray | None,
    referrals: FloatArray,
    listed: FloatArray,
    free: FloatArray,
    inputs: CategoryInputs,
) -> LensResults:
    normative = (
        normative_lens(supply, population, inputs.standard, group_known=group_known)
        if inputs.standard is not None
        else None
    )
    demand = demand_lens(referrals, listed, free)
    return LensResults(
        population_used=population,
        group_known=group_known,
        supply=supply,
        site_count=site_count,
        present=presence_lens(site_count, minimum=inputs.presence_minimum),
        requirement=None if normative is None else normative.requirement,
        gap=None if normative is None else normative.gap,
        ratio=None if normative is None else normative.ratio,
        accessibility=accessibility,
        sites_in_reach=sites_in_reach,
        waiting=demand.waiting,
        free_places=demand.free_places,
        unmet=demand.unmet,
    )


def _population_used(inputs: CategoryInputs) -> tuple[FloatArray, BoolArray]:
    """Per area, the population the standard counts (the target group where known, else
    everyone) and whether the group's population was known."""
    total = np.asarray(inputs.area_population)
    if inputs.area_group_population is None:
        group_known = np.zeros(inputs.n_areas, dtype=bool)
        population = total.copy()
    else:
        group = np.asarray(inputs.area_group_population)
        group_known = ~np.isnan(group)
        population = np.where(group_known, group, total)
    return population, group_known


def _accessibility(inputs: CategoryInputs, population: FloatArray) -> TwoStepFCA:
    """The two-step floating catchment over the given or computed area-site pairs."""
    if inputs.cost_pairs is not None:
        pairs = inputs.cost_pairs
    else:
        pairs = catchment_pairs(
            inputs.area_lon,  # type: ignore[arg-type]  # set in CategoryInputs
            inputs.area_lat,  # type: ignore[arg-type]
            inputs.site_lon,  # type: ignore[arg-type]
            inputs.site_lat,  # type: ignore[arg-type]
            max_km=inputs.catchment.threshold,
        )
    return two_step_fca(population, inputs.site_capacity, pairs, inputs.catchment)


def _site_totals(inputs: CategoryInputs) -> tuple[FloatArray, IntArray, FloatArray]:
    """Per area: supply, number of sites and free places of the sites inside it.

    Sites outside every listed area (-1) serve through the catchment but add to no
    area's supply, count or free places: bincount over the sites inside only.
    """
    n_areas = inputs.n_areas
    site_area = np.asarray(inputs.site_area)
    inside = site_area >= 0
    located = site_area[inside]
    supply = np.bincount(
        located, weights=np.asarray(inputs.site_capacity)[inside], minlength=n_areas
    )
    site_count = np.bincount(located, minlength=n_areas).astype(np.int64)
    free = np.bincount(
        located, weights=np.asarray(inputs.site_free_places)[inside], minlength=n_areas
    )
    return supply, site_count, free


def _zone_lenses(
    inputs: CategoryInputs,
    fca: TwoStepFCA,
    *,
    population: FloatArray,
    group_known: BoolArray,
    supply: FloatArray,
    site_count: IntArray,
    referrals: FloatArray,
    listed: FloatArray,
    free: FloatArray,
) -> LensResults:
    """The lenses per zone, from the per-area figures summed over each zone's members."""
    n_zones = inputs.n_zones
    member_area = np.asarray(inputs.zone_member_area)
    member_zone = np.asarray(inputs.zone_member_zone)

    def summed(values: ArrayLike) -> FloatArray:
        return zone_sum(values, member_area, member_zone, n_zones)

    members = np.bincount(member_zone, minlength=n_zones)
    known_members = np.bincount(
        member_zone, weights=group_known[member_area].astype(np.float64), minlength=n_zones
    )
    return _lenses(
        population=summed(population),
        # a zone's group population is known only if it is known for every member
        group_known=(members > 0) & (known_members == members),
        supply=summed(supply),
        site_count=np.rint(summed(site_count)).astype(np.int64),
        accessibility=zone_weighted_mean(fca.score, population, member_area, member_zone, n_zones),
        sites_in_reach=None,
        referrals=summed(referrals),
        listed=summed(listed),
        free=summed(free),
        inputs=inputs,
    )


def compute_category(inputs: CategoryInputs) -> CategoryResult:
    """All lenses for one category, per area, per zone and per site.

    Deterministic: the same inputs give bitwise the same arrays (see the module
    docstring for the definitions and the defined answers where a ratio has no
    denominator).
    """
    population, group_known = _population_used(inputs)
    fca = _accessibility(inputs, population)
    supply, site_count, free = _site_totals(inputs)
    referrals = np.asarray(inputs.area_open_referrals)
    listed = np.asarray(inputs.area_wait_listed)
    figures = {
        "population": population,
        "group_known": group_known,
        "supply": supply,
        "site_count": site_count,
        "referrals": referrals,
        "listed": listed,
        "free": free,
    }
    areas = _lenses(
        **figures,
        accessibility=fca.score,
        sites_in_reach=fca.sites_in_reach,
        inputs=inputs,
    )
    zones = _zone_lenses(inputs, fca, **figures)
    return CategoryResult(
        areas=areas,
        zones=zones,
        site_ratio=fca.supply_ratio,
        site_ratio_defined=fca.ratio_defined,
        site_catchment_population=fca.catchment_population,
    )


# --- fingerprint -------------------------------------------------------------------------


def _canonical_chunks(value: Any) -> list[bytes]:
    """A canonical, unambiguous byte form of one input value (type-tagged)."""
    if value is None:
        return [b"none"]
    if isinstance(value, np.ndarray):
        if value.dtype == np.bool_:
            array = value.astype("|b1")
        elif np.issubdtype(value.dtype, np.integer):
            array = value.astype("<i8")
        else:
            array = value.astype("<f8") + 0.0
            array = np.where(np.isnan(array), np.nan, array).astype("<f8")
        shape = ",".join(str(n) for n in array.shape)
        return [f"array:{array.dtype.str}:{shape}".encode(), np.ascontiguousarray(array).tobytes()]
    if isinstance(value, str):
        return [b"str", str(value).encode()]
    if isinstance(value, bool):
        return [b"bool", b"1" if value else b"0"]
    if isinstance(value, int):
        return [b"int", str(value).encode()]
    if isinstance(value, float):
        return [b"float", (value + 0.0).hex().encode()]
    if isinstance(value, tuple):
        chunks = [f"tuple:{len(value)}".encode()]
        for item in value:
            chunks.extend(_canonical_chunks(item))
        return chunks
    if isinstance(value, CostPairs | Catchment | RatioStandard):
        chunks = [type(value).__name__.encode()]
        for field in fields(value):
            chunks.append(field.name.encode())
            chunks.extend(_canonical_chunks(getattr(value, field.name)))
        return chunks
    raise TypeError(f"no canonical form for {type(value).__name__}")


def input_fingerprint(inputs: CategoryInputs) -> str:
    """sha256 (hex) of a canonical byte form of every input and of
    :data:`ALGORITHM_VERSION`: equal for inputs that give the same results (arrays are
    compared as float64/int64 little-endian values, -0.0 as 0.0, one NaN), different as
    soon as one value, the threshold, the decay or the standard differs. Each chunk is
    length-prefixed so no two different inputs share a byte stream."""
    digest = hashlib.sha256()

    def feed(chunk: bytes) -> None:
        digest.update(struct.pack("<Q", len(chunk)))
        digest.update(chunk)

    feed(ALGORITHM_VERSION.encode())
    for field in fields(inputs):
        feed(field.name.encode())
        for chunk in _canonical_chunks(getattr(inputs, field.name)):
            feed(chunk)
    return digest.hexdigest()
