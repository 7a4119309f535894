"""gaps.coverage: hand-computed cases, agreement with PySAL ``access``, properties.

No database: these are pure functions over numpy arrays.
"""

import math

import numpy as np
import pandas as pd
import pytest
from access import Access
from access import weights as access_weights
from hypothesis import given, settings
from hypothesis import strategies as st

from gaps.coverage import (
    EARTH_RADIUS_KM,
    Catchment,
    CategoryInputs,
    CostPairs,
    Decay,
    RatioStandard,
    catchment_pairs,
    compute_category,
    decay_weights,
    demand_lens,
    great_circle_km,
    input_fingerprint,
    normative_lens,
    presence_lens,
    two_step_fca,
    zone_weighted_mean,
)

# km in 0.05° of latitude on the sphere of coverage.EARTH_RADIUS_KM: 5.5597... km
KM_PER_005_DEG = 0.05 * math.pi / 180 * EARTH_RADIUS_KM


def table(rows, n_demand, n_supply):
    """CostPairs from (demand, supply, cost) rows."""
    demand, supply, cost = zip(*rows, strict=True) if rows else ((), (), ())
    return CostPairs.from_table(demand, supply, cost, n_demand=n_demand, n_supply=n_supply)


# --- two-step FCA by hand ----------------------------------------------------------------


def test_two_areas_two_sites_step():
    # A (1,000 people) reaches X at 5 km; B (3,000) reaches X at 8 km and Y at 3 km.
    # Catchment 10 km, step decay.
    # Step 1: R_X = 10 / (1000 + 3000) = 0.0025;  R_Y = 20 / 3000 = 0.00666...
    # Step 2: A_A = R_X = 0.0025;  A_B = R_X + R_Y = 0.0025 + 0.00666... = 0.0091666...
    pairs = table([(0, 0, 5.0), (1, 0, 8.0), (1, 1, 3.0)], 2, 2)
    result = two_step_fca([1000, 3000], [10, 20], pairs, Catchment(10))
    np.testing.assert_allclose(result.supply_ratio, [0.0025, 20 / 3000], rtol=1e-15)
    np.testing.assert_allclose(result.score, [0.0025, 0.0025 + 20 / 3000], rtol=1e-15)
    np.testing.assert_array_equal(result.catchment_population, [4000, 3000])
    np.testing.assert_array_equal(result.sites_in_reach, [1, 2])
    assert result.ratio_defined.all()


def test_zero_population_site_ratio_is_undefined_and_contributes_nothing():
    # A (1,000) and C (0 people) reach X (10 places); only C reaches Z (5 places).
    # R_X = 10 / (1000 + 0) = 0.01.  Z's catchment holds 0 people: 5 / 0 is not defined
    # (access: +inf, spreading to C), so Z contributes nothing.
    # A_A = 0.01;  A_C = R_X = 0.01 (Z adds nothing).
    pairs = table([(0, 0, 1.0), (1, 0, 2.0), (1, 1, 1.0)], 2, 2)
    result = two_step_fca([1000, 0], [10, 5], pairs, Catchment(10))
    np.testing.assert_array_equal(result.ratio_defined, [True, False])
    np.testing.assert_array_equal(result.supply_ratio, [0.01, 0.0])  # 0.0: placeholder
    np.testing.assert_array_equal(result.score, [0.01, 0.01])


def test_area_reached_only_by_a_site_without_population_scores_zero():
    # C (0 people) is reached by Z (5 places) only: Z's ratio is undefined, C scores 0.
    pairs = table([(0, 0, 1.0)], 1, 1)
    result = two_step_fca([0], [5], pairs, Catchment(10))
    assert result.score.tolist() == [0.0]
    assert result.ratio_defined.tolist() == [False]
    assert result.sites_in_reach.tolist() == [1]


def test_zero_capacity_site_gives_zero_ratio():
    # A (500) reaches only W (0 places) and B (500) reaches W and X (10 places).
    # R_W = 0 / 1000 = 0 (defined);  R_X = 10 / 500 = 0.02.
    # A_A = 0;  A_B = 0 + 0.02 = 0.02.
    pairs = table([(0, 0, 1.0), (1, 0, 1.0), (1, 1, 1.0)], 2, 2)
    result = two_step_fca([500, 500], [0, 10], pairs, Catchment(10))
    np.testing.assert_array_equal(result.supply_ratio, [0.0, 0.02])
    assert result.ratio_defined.tolist() == [True, True]
    np.testing.assert_array_equal(result.score, [0.0, 0.02])
    assert result.sites_in_reach.tolist() == [1, 2]


def test_area_with_no_site_in_reach_scores_zero():
    # A (1,000) reaches X (10) at 4 km; D (2,000) is 40 km from X, beyond the 10 km
    # catchment: R_X = 10 / 1000 = 0.01, A_A = 0.01, A_D = 0 (access: NaN).
    pairs = table([(0, 0, 4.0), (1, 0, 40.0)], 2, 1)
    result = two_step_fca([1000, 2000], [10], pairs, Catchment(10))
    np.testing.assert_array_equal(result.score, [0.01, 0.0])
    assert result.sites_in_reach.tolist() == [1, 0]
    # an area absent from the cost table altogether: the same answer
    result = two_step_fca([1000, 2000], [10], table([(0, 0, 4.0)], 2, 1), Catchment(10))
    np.testing.assert_array_equal(result.score, [0.01, 0.0])


def test_no_sites_at_all():
    result = two_step_fca([1000, 0], [], table([], 2, 0), Catchment(10))
    np.testing.assert_array_equal(result.score, [0.0, 0.0])


def test_site_outside_the_city_serves_its_border():
    # A (in the city, 1,000 people) at 45.00°N, 9°E; N (neighbouring municipality, outside
    # the city, 1,000 people) at 45.10°N; the site S (10 places) at 45.05°N lies outside
    # the city (site_area = -1). Each area is 0.05° of latitude = 5.56 km from S, inside
    # the 10 km catchment.
    # R_S = 10 / (1000 + 1000) = 0.005;  A_A = A_N = 0.005.
    # A has no supply of its own (S is not in it), so it has no site present, but it has
    # access.
    inputs = CategoryInputs(
        area_population=[1000, 1000],
        area_lon=[9.0, 9.0],
        area_lat=[45.0, 45.1],
        site_capacity=[10],
        site_lon=[9.0],
        site_lat=[45.05],
        site_area=[-1],
        catchment=Catchment(10),
        standard=RatioStandard(units=1, per_inhabitants=10_000),
    )
    result = compute_category(inputs)
    np.testing.assert_allclose(result.areas.accessibility, [0.005, 0.005], rtol=1e-15)
    assert result.areas.supply.tolist() == [0.0, 0.0]
    assert result.areas.site_count.tolist() == [0, 0]
    assert result.areas.present.tolist() == [False, False]
    # requirement 1,000 × 1 / 10,000 = 0.1 place each, none inside: gap 0.1, ratio 0
    np.testing.assert_allclose(result.areas.requirement, [0.1, 0.1])
    np.testing.assert_allclose(result.areas.gap, [0.1, 0.1])
    assert result.areas.ratio.tolist() == [0.0, 0.0]
    np.testing.assert_allclose(result.site_catchment_population, [2000])

    # Without the neighbouring municipality among the areas S would seem to serve A
    # alone: 10 / 1000 = 0.01, twice the true figure. Hence border areas are included.
    alone = CategoryInputs(
        area_population=[1000],
        area_lon=[9.0],
        area_lat=[45.0],
        site_capacity=[10],
        site_lon=[9.0],
        site_lat=[45.05],
        site_area=[-1],
        catchment=Catchment(10),
    )
    np.testing.assert_allclose(compute_category(alone).areas.accessibility, [0.01])


def test_site_at_the_centroid_is_in_reach():
    pairs = catchment_pairs([9.0], [45.0], [9.0], [45.0], max_km=1)
    assert pairs.cost.tolist() == [0.0]
    result = two_step_fca([100], [1], pairs, Catchment(1))
    assert result.score.tolist() == [0.01]


# --- decay functions by hand ---------------------------------------------------------

# A (100 people) is 2 km from X (12 places), B (300 people) 6 km from X; catchment 8 km.
DECAY_PAIRS = [(0, 0, 2.0), (1, 0, 6.0)]


def decay_scores(catchment):
    return two_step_fca([100, 300], [12], table(DECAY_PAIRS, 2, 1), catchment).score


def test_step_decay():
    # f = 1 for both: R = 12 / (100 + 300) = 0.03;  A_A = A_B = 0.03
    np.testing.assert_allclose(decay_scores(Catchment(8)), [0.03, 0.03], rtol=1e-15)


def test_linear_decay():
    # f(2) = 1 - 2/8 = 0.75,  f(6) = 1 - 6/8 = 0.25
    # R = 12 / (100 × 0.75 + 300 × 0.25) = 12 / 150 = 0.08
    # A_A = 0.08 × 0.75 = 0.06;  A_B = 0.08 × 0.25 = 0.02
    scores = decay_scores(Catchment(8, Decay.LINEAR))
    np.testing.assert_allclose(scores, [0.06, 0.02], rtol=1e-15)


def test_gaussian_decay():
    # σ = 4: f(2) = exp(-4/32) = exp(-0.125) = 0.882497,
    #        f(6) = exp(-36/32) = exp(-1.125) = 0.324652
    # R = 12 / (100 × 0.882497 + 300 × 0.324652) = 12 / 185.6454 = 0.0646394
    # A_A = R × 0.882497 = 0.0570440;  A_B = R × 0.324652 = 0.0209853
    scores = decay_scores(Catchment(8, Decay.GAUSSIAN, sigma=4))
    ratio = 12 / (100 * math.exp(-0.125) + 300 * math.exp(-1.125))
    np.testing.assert_allclose(
        scores, [ratio * math.exp(-0.125), ratio * math.exp(-1.125)], rtol=1e-15
    )
    np.testing.assert_allclose(scores, [0.0570440, 0.0209853], atol=1e-7)


def test_tiered_step_decay():
    # tiers: up to 2 km weight 1, up to 6 km weight 0.5 (as access.weights.step_fn)
    # f(2) = 1 (2 <= 2),  f(6) = 0.5;  R = 12 / (100 + 150) = 0.048
    # A_A = 0.048;  A_B = 0.048 × 0.5 = 0.024
    scores = decay_scores(Catchment(8, steps=((2, 1.0), (6, 0.5))))
    np.testing.assert_allclose(scores, [0.048, 0.024], rtol=1e-15)


def test_decay_weights_at_and_beyond_the_edge():
    cost = [0.0, 4.0, 8.0, 8.000001]
    assert decay_weights(cost, Catchment(8)).tolist() == [1, 1, 1, 0]
    assert decay_weights(cost, Catchment(8, Decay.LINEAR)).tolist() == [1, 0.5, 0, 0]
    gaussian = decay_weights(cost, Catchment(8, Decay.GAUSSIAN, sigma=4))
    np.testing.assert_allclose(gaussian, [1, math.exp(-0.5), math.exp(-2), 0])
    tiered = decay_weights(cost, Catchment(8, steps=((4, 1.0), (6, 0.25))))
    assert tiered.tolist() == [1, 1, 0, 0]  # 0 past the last tier, even inside 8 km


def test_linear_decay_edge_is_not_reach():
    # at exactly d0 the linear weight is 0: the site is not counted as in reach
    result = two_step_fca([100], [1], table([(0, 0, 8.0)], 1, 1), Catchment(8, "linear"))
    assert result.score.tolist() == [0.0]
    assert result.sites_in_reach.tolist() == [0]
    assert result.ratio_defined.tolist() == [False]


@pytest.mark.parametrize(
    "kwargs",
    [
        {"threshold": 0},
        {"threshold": math.inf},
        {"threshold": 5, "decay": "gaussian"},
        {"threshold": 5, "decay": "gaussian", "sigma": 0},
        {"threshold": 5, "sigma": 2},
        {"threshold": 5, "decay": "linear", "steps": ((1, 1),)},
        {"threshold": 5, "steps": ((2, 1), (1, 0.5))},
        {"threshold": 5, "steps": ((2, -1),)},
        {"threshold": 5, "decay": "cubic"},
    ],
)
def test_catchment_rejects_bad_parameters(kwargs):
    with pytest.raises(ValueError):
        Catchment(**kwargs)


@pytest.mark.parametrize(
    ("demand", "supply", "cost"),
    [
        ([0, 0], [0, 0], [1.0, 2.0]),  # a pair twice
        ([2], [0], [1.0]),  # area index out of range
        ([0], [-1], [1.0]),  # site index out of range
        ([0], [0], [-1.0]),  # negative cost
        ([0], [0], [math.nan]),
    ],
)
def test_cost_table_is_checked(demand, supply, cost):
    with pytest.raises(ValueError):
        CostPairs.from_table(demand, supply, cost, n_demand=2, n_supply=1)


def test_negative_or_missing_population_and_capacity_are_rejected():
    pairs = table([(0, 0, 1.0)], 1, 1)
    with pytest.raises(ValueError):
        two_step_fca([-1], [1], pairs, Catchment(5))
    with pytest.raises(ValueError):
        two_step_fca([1], [math.nan], pairs, Catchment(5))
    with pytest.raises(ValueError):
        two_step_fca([1, 2], [1], pairs, Catchment(5))


# --- distance ------------------------------------------------------------------------


def test_catchment_pairs_are_the_great_circle_pairs_within_reach():
    rng = np.random.default_rng(7)
    d_lon, d_lat = rng.uniform(7.5, 10.5, 150), rng.uniform(44.5, 46.5, 150)
    s_lon, s_lat = rng.uniform(7.5, 10.5, 120), rng.uniform(44.5, 46.5, 120)
    pairs = catchment_pairs(d_lon, d_lat, s_lon, s_lat, max_km=30)
    # brute force with the haversine formula over every pair
    full = great_circle_km(d_lon[:, None], d_lat[:, None], s_lon[None, :], s_lat[None, :])
    np.testing.assert_allclose(pairs.cost, full[pairs.demand, pairs.supply], rtol=0, atol=1e-9)
    expected = set(zip(*np.nonzero(full <= 30), strict=True))
    assert set(zip(pairs.demand.tolist(), pairs.supply.tolist(), strict=True)) == expected
    assert len(expected) > 100


def test_great_circle_by_hand():
    # 0.05° of latitude along a meridian = 0.05 × π/180 × 6371.0088 km = 5.5597 km
    assert great_circle_km(9.0, 45.0, 9.0, 45.05) == pytest.approx(KM_PER_005_DEG, rel=1e-12)
    assert abs(KM_PER_005_DEG - 5.5597) < 1e-4
    # Milan (Duomo) to Rome (Colosseo), about 477 km
    assert great_circle_km(9.1916, 45.4642, 12.4922, 41.8902) == pytest.approx(477, abs=1)


def test_coordinates_and_their_cost_table_give_bitwise_the_same_result():
    rng = np.random.default_rng(3)
    lon, lat = rng.uniform(9, 9.4, 40), rng.uniform(45.3, 45.6, 40)
    s_lon, s_lat = rng.uniform(9, 9.4, 30), rng.uniform(45.3, 45.6, 30)
    population, capacity = rng.integers(0, 9000, 40), rng.integers(0, 30, 30)
    common = {
        "area_population": population,
        "site_capacity": capacity,
        "site_area": np.full(30, -1),
        "catchment": Catchment(5, Decay.LINEAR),
    }
    by_coordinates = compute_category(
        CategoryInputs(**common, area_lon=lon, area_lat=lat, site_lon=s_lon, site_lat=s_lat)
    )
    pairs = catchment_pairs(lon, lat, s_lon, s_lat, max_km=5)
    by_table = compute_category(CategoryInputs(**common, cost_pairs=pairs))
    assert by_coordinates.areas.accessibility.tobytes() == by_table.areas.accessibility.tobytes()


# --- zones and the other lenses ------------------------------------------------------------


def test_zone_population_weighted_mean():
    # zone 0 = areas 0, 1:  (100 × 0.01 + 300 × 0.02) / (100 + 300) = 7 / 400 = 0.0175
    # zone 1 = area 2 with no population: 0 (documented)
    # zone 2 without members: 0
    # zone 3 = areas 1, 2 (an area may be in zones of several kinds): (300 × 0.02 + 0) / 300
    mean = zone_weighted_mean(
        [0.01, 0.02, 0.5],
        [100, 300, 0],
        member_area=np.array([0, 1, 2, 1, 2]),
        member_zone=np.array([0, 0, 1, 3, 3]),
        n_zones=4,
    )
    np.testing.assert_allclose(mean, [0.0175, 0.0, 0.0, 0.02], rtol=1e-15)


def test_normative_lens():
    # 1 family place in a women's shelter per 10,000 inhabitants.
    # supply 3, 45,000 people: requirement 4.5, gap 1.5, ratio 3 / 4.5 = 0.667
    # supply 0, 8,000 people: requirement 0.8, gap 0.8, ratio 0
    # supply 5, 0 people: requirement 0, gap 0, ratio 1.0 (nothing required: met)
    # supply 2, 10,000 people: requirement 1, gap 0 (no negative gap), ratio 2
    lens = normative_lens(
        [3, 0, 5, 2],
        [45_000, 8_000, 0, 10_000],
        RatioStandard(units=1, per_inhabitants=10_000),
        group_known=[True, False, True, True],
    )
    np.testing.assert_allclose(lens.requirement, [4.5, 0.8, 0, 1])
    np.testing.assert_allclose(lens.gap, [1.5, 0.8, 0, 0])
    np.testing.assert_allclose(lens.ratio, [3 / 4.5, 0, 1, 2])
    assert lens.group_known.tolist() == [True, False, True, True]


def test_presence_lens():
    assert presence_lens([0, 1, 3]).tolist() == [False, True, True]
    assert presence_lens([0, 1, 3], minimum=2).tolist() == [False, False, True]
    with pytest.raises(ValueError):
        presence_lens([1], minimum=0)


def test_demand_lens():
    # waiting = referrals + wait-listed = [4+3, 0+0, 2+0] = [7, 0, 2]
    # unmet = max(0, waiting - free) = [max(0, 7-5), max(0, 0-2), max(0, 2-10)] = [2, 0, 0]
    lens = demand_lens([4, 0, 2], [3, 0, 0], [5, 2, 10])
    assert lens.waiting.tolist() == [7, 0, 2]
    assert lens.unmet.tolist() == [2, 0, 0]
    with pytest.raises(ValueError):
        demand_lens([1], [0], [-1])  # an over-full service has 0 free places, not -1


def small_category(**overrides):
    # Areas: A (20,000 people, 10,500 women), B (5,000, women not known),
    #        C (0 people, 0 women). Zone 0 (an Ambito) = {A, B}; zone 1 = {C}.
    # Sites: X in A (3 places, 1 free) 1 km from A and 4 km from B;
    #        Y in C (2 places, 0 free) 2 km from C; catchment 5 km, step.
    values = {
        "area_population": [20_000, 5_000, 0],
        "area_group_population": [10_500, math.nan, 0],
        "site_capacity": [3, 2],
        "site_area": [0, 2],
        "site_free_places": [1, 0],
        "area_open_referrals": [2, 1, 0],
        "area_wait_listed": [1, 0, 0],
        "cost_pairs": table([(0, 0, 1.0), (1, 0, 4.0), (2, 1, 2.0)], 3, 2),
        "catchment": Catchment(5),
        # 1 anti-violence centre per 50,000 women (Council of Europe, 2008)
        "standard": RatioStandard(units=1, per_inhabitants=50_000),
        "zone_member_area": [0, 1, 2],
        "zone_member_zone": [0, 0, 1],
        "n_zones": 2,
    }
    values.update(overrides)
    return CategoryInputs(**values)


def test_compute_category_by_hand():
    result = compute_category(small_category())
    areas, zones = result.areas, result.zones
    # population used: A's women 10,500; B's total 5,000 (women not known); C's women 0
    assert areas.population_used.tolist() == [10_500, 5_000, 0]
    assert areas.group_known.tolist() == [True, False, True]
    # 2SFCA on that population: R_X = 3 / (10,500 + 5,000) = 3 / 15,500;
    # Y reaches only C (0 people): undefined, so C scores 0.
    np.testing.assert_allclose(areas.accessibility, [3 / 15_500, 3 / 15_500, 0], rtol=1e-15)
    assert result.site_ratio_defined.tolist() == [True, False]
    # normative: requirement = population / 50,000 = [0.21, 0.1, 0]
    np.testing.assert_allclose(areas.requirement, [0.21, 0.1, 0])
    assert areas.supply.tolist() == [3, 0, 2]
    np.testing.assert_allclose(areas.gap, [0, 0.1, 0])
    np.testing.assert_allclose(areas.ratio, [3 / 0.21, 0, 1])
    assert areas.present.tolist() == [True, False, True]
    # demand: waiting [3, 1, 0], free [1, 0, 0], unmet [2, 1, 0]
    assert areas.waiting.tolist() == [3, 1, 0]
    assert areas.free_places.tolist() == [1, 0, 0]
    assert areas.unmet.tolist() == [2, 1, 0]
    # zone 0 = {A, B}: population 15,500, women not known for B → group_known False;
    # requirement 0.31, supply 3, gap 0; accessibility (10,500 + 5,000) × 3/15,500 /
    # 15,500 = 3/15,500; waiting 4, free 1, unmet 3.  zone 1 = {C}: population 0 → 0.
    assert zones.population_used.tolist() == [15_500, 0]
    assert zones.group_known.tolist() == [False, True]
    np.testing.assert_allclose(zones.requirement, [0.31, 0])
    assert zones.supply.tolist() == [3, 2]
    assert zones.site_count.tolist() == [1, 1]
    assert zones.present.tolist() == [True, True]
    np.testing.assert_allclose(zones.gap, [0, 0])
    np.testing.assert_allclose(zones.accessibility, [3 / 15_500, 0], rtol=1e-15)
    assert zones.unmet.tolist() == [3, 0]


def test_compute_category_without_a_standard_or_group_population():
    result = compute_category(small_category(standard=None, area_group_population=None))
    assert result.areas.requirement is None
    assert result.areas.gap is None
    assert result.areas.group_known.tolist() == [False, False, False]
    # population used is the total: R_X = 3 / (20,000 + 5,000)
    np.testing.assert_allclose(result.areas.accessibility, [3 / 25_000, 3 / 25_000, 0])


@pytest.mark.parametrize(
    "overrides",
    [
        {"site_area": [0, 3]},  # no area 3
        {"site_area": [0]},  # one value per site
        {"zone_member_zone": [0, 0, 2]},  # only two zones
        {"area_group_population": [1, 2]},
        {"area_group_population": [-1, 2, 3]},
        {"site_lon": [9.0, 9.1]},  # coordinates and a cost table
        {"cost_pairs": None},  # neither
        {"presence_minimum": 0},
        {"site_free_places": [1, -1]},
    ],
)
def test_category_inputs_are_checked(overrides):
    with pytest.raises(ValueError):
        small_category(**overrides)


# --- determinism and fingerprint ----------------------------------------------------------


def test_same_inputs_give_bitwise_the_same_outputs():
    problem = random_problem(seed=11)
    inputs = CategoryInputs(
        area_population=problem.population,
        site_capacity=problem.capacity,
        site_area=np.full(problem.capacity.shape[0], -1),
        cost_pairs=problem.pairs,
        catchment=Catchment(15, Decay.GAUSSIAN, sigma=7),
    )
    first, second = compute_category(inputs), compute_category(inputs)
    for name in ("accessibility", "population_used", "supply", "sites_in_reach"):
        assert getattr(first.areas, name).tobytes() == getattr(second.areas, name).tobytes()
    assert first.site_ratio.tobytes() == second.site_ratio.tobytes()
    assert np.isfinite(first.areas.accessibility).all()


def test_fingerprint_recognises_identical_inputs():
    base = input_fingerprint(small_category())
    assert len(base) == 64
    # equal values in another form: arrays instead of lists, floats instead of ints, -0.0
    same = small_category(
        area_population=np.array([20_000.0, 5_000.0, -0.0]),
        site_capacity=np.array([3, 2], dtype=np.int32),
    )
    assert input_fingerprint(same) == base
    changed = [
        small_category(site_capacity=[3, 3]),
        small_category(catchment=Catchment(5.5)),
        small_category(catchment=Catchment(5, Decay.LINEAR)),
        small_category(standard=RatioStandard(units=1, per_inhabitants=10_000)),
        small_category(standard=None),
        small_category(area_group_population=[10_500, 2_600, 0]),
        small_category(area_open_referrals=[2, 1, 1]),
        small_category(zone_member_zone=[0, 1, 1]),
        small_category(cost_pairs=table([(0, 0, 1.0), (1, 0, 4.5), (2, 1, 2.0)], 3, 2)),
    ]
    fingerprints = {input_fingerprint(inputs) for inputs in changed}
    assert base not in fingerprints
    assert len(fingerprints) == len(changed)


# --- agreement with PySAL access ---------------------------------------------------------


class Problem:
    """A seeded random 2SFCA problem around Milan, with the awkward cases built in."""

    def __init__(self, population, capacity, pairs):
        self.population, self.capacity, self.pairs = population, capacity, pairs


def random_problem(seed=2024, n_demand=200, n_supply=300):
    rng = np.random.default_rng(seed)
    lon = rng.uniform(8.9, 9.5, n_demand)
    lat = rng.uniform(45.2, 45.7, n_demand)
    s_lon = rng.uniform(8.9, 9.5, n_supply)
    s_lat = rng.uniform(45.2, 45.7, n_supply)
    population = rng.integers(0, 50_000, n_demand).astype(float)
    population[rng.random(n_demand) < 0.1] = 0  # some areas without population
    capacity = rng.integers(0, 60, n_supply).astype(float)
    capacity[rng.random(n_supply) < 0.1] = 0  # some sites without capacity
    # 5 areas far from every site (access: NaN), near Rome
    lon[:5], lat[:5] = rng.uniform(12.4, 12.6, 5), rng.uniform(41.8, 41.9, 5)
    # 4 areas without population around 46.5°N 10.5°E, reached only by 3 sites there:
    # two with places (access: +inf) and one without (access: 0/0, skipped)
    lon[5:9], lat[5:9] = rng.uniform(10.5, 10.55, 4), rng.uniform(46.5, 46.55, 4)
    population[5:9] = 0
    s_lon[:3], s_lat[:3] = rng.uniform(10.5, 10.55, 3), rng.uniform(46.5, 46.55, 3)
    capacity[:3] = [7, 12, 0]
    # pairs up to 25 km, more than the 15 km catchment, so both must apply the threshold
    return Problem(population, capacity, catchment_pairs(lon, lat, s_lon, s_lat, max_km=25))


def access_scores(problem, max_cost, weight_fn):
    """access.Access(...).two_stage_fca on the problem's cost table, raw (normalize=False),
    as an array indexed like the areas (NaN where access has no row)."""
    n_demand, n_supply = problem.population.shape[0], problem.capacity.shape[0]
    # Frames indexed already (demand_index=True): access then skips its own
    # set_index(..., inplace=True), which pandas 3.1 deprecates with a Pandas4Warning.
    demand = pd.DataFrame(
        {"pop": problem.population}, index=pd.Index(np.arange(n_demand), name="geoid")
    )
    supply = pd.DataFrame(
        {"places": problem.capacity}, index=pd.Index(np.arange(n_supply), name="geoid")
    )
    costs = pd.DataFrame(
        {"origin": problem.pairs.demand, "dest": problem.pairs.supply, "cost": problem.pairs.cost}
    )
    model = Access(
        demand_df=demand,
        demand_index=True,
        demand_value="pop",
        supply_df=supply,
        supply_index=True,
        supply_value="places",
        cost_df=costs,
        cost_origin="origin",
        cost_dest="dest",
        cost_name="cost",
    )
    result = model.two_stage_fca(name="fca", max_cost=max_cost, weight_fn=weight_fn)
    return result["fca_places"].reindex(np.arange(n_demand)).to_numpy(dtype=float)


THRESHOLD = 15.0
DECAYS = {
    # access: no weight_fn, a plain catchment of max_cost
    "step": (Catchment(THRESHOLD), None),
    "tiered step": (
        Catchment(THRESHOLD, steps=((5, 1.0), (10, 0.6), (15, 0.25))),
        access_weights.step_fn({5: 1.0, 10: 0.6, 15: 0.25}),
    ),
    "gaussian": (
        Catchment(THRESHOLD, Decay.GAUSSIAN, sigma=6),
        access_weights.gaussian(6),
    ),
    # access ships no linear weight; any callable is accepted, so pass 1 - d/d0
    "linear": (Catchment(THRESHOLD, Decay.LINEAR), lambda d: 1 - d / THRESHOLD),
}


@pytest.fixture(scope="module")
def problem():
    return random_problem()


@pytest.mark.parametrize("decay", DECAYS)
def test_agrees_with_access_where_its_score_is_finite(problem, decay):
    catchment, weight_fn = DECAYS[decay]
    theirs = access_scores(problem, THRESHOLD, weight_fn)
    ours = two_step_fca(problem.population, problem.capacity, problem.pairs, catchment)

    finite = np.isfinite(theirs)
    # the problem exercises all three cases
    assert finite.sum() > 150
    assert np.isnan(theirs).sum() >= 5
    assert np.isposinf(theirs).sum() >= 4
    # raw scores on both sides (access's normalize=False), relative agreement 1e-9
    # (the scores are about 1e-3, so this is far stricter than an absolute 1e-9)
    np.testing.assert_allclose(ours.score[finite], theirs[finite], rtol=1e-9, atol=0)
    assert np.abs(ours.score[finite] - theirs[finite]).max() <= 1e-9
    assert (ours.score[finite] > 0).sum() > 100

    # Where access says NaN no site is in reach: Atlante says 0.
    nan = np.isnan(theirs)
    assert (ours.score[nan] == 0).all()
    assert (ours.sites_in_reach[nan] == 0).all()

    # Where access says +inf, a site with places but no population in its catchment
    # reaches the area: its ratio is undefined in Atlante and contributes nothing...
    infinite = np.isposinf(theirs)
    assert not ours.ratio_defined[:2].any()
    assert np.isfinite(ours.score).all()
    assert (ours.score >= 0).all()
    # ...so Atlante's score there is access's score without those sites (which is 0
    # here, as only they reach these areas).
    assert (ours.score[infinite] == 0).all()


@pytest.mark.parametrize("decay", DECAYS)
def test_defined_answer_is_access_without_the_sites_of_undefined_ratio(problem, decay):
    # Pin the whole rule against access: drop the sites whose catchment holds no
    # population from the cost table; access then is finite or NaN everywhere, and
    # Atlante's scores (on the full table) are access's, with 0 for NaN.
    catchment, weight_fn = DECAYS[decay]
    ours = two_step_fca(problem.population, problem.capacity, problem.pairs, catchment)
    keep = ours.ratio_defined[problem.pairs.supply]
    reduced = Problem(
        problem.population,
        problem.capacity,
        CostPairs.from_table(
            problem.pairs.demand[keep],
            problem.pairs.supply[keep],
            problem.pairs.cost[keep],
            n_demand=problem.pairs.n_demand,
            n_supply=problem.pairs.n_supply,
        ),
    )
    theirs = access_scores(reduced, THRESHOLD, weight_fn)
    assert not np.isinf(theirs).any()
    np.testing.assert_allclose(ours.score, np.nan_to_num(theirs, nan=0.0), rtol=1e-9, atol=0)


def test_unpeopled_area_also_reached_by_a_shared_site():
    # A (0 people) reaches Z (4 places, no one else in reach: access +inf) and X
    # (10 places, shared with B, 1,000 people). access: A = inf; Atlante: A = R_X =
    # 10 / 1000 = 0.01, B = 0.01.
    pairs = table([(0, 0, 1.0), (0, 1, 1.0), (1, 1, 1.0)], 2, 2)
    problem = Problem(np.array([0.0, 1000.0]), np.array([4.0, 10.0]), pairs)
    theirs = access_scores(problem, 10, None)
    assert np.isposinf(theirs[0])
    assert theirs[1] == pytest.approx(0.01, rel=1e-12)
    ours = two_step_fca(problem.population, problem.capacity, pairs, Catchment(10))
    np.testing.assert_allclose(ours.score, [0.01, 0.01], rtol=1e-15)


# --- properties --------------------------------------------------------------------------


@st.composite
def problems(draw):
    n_demand = draw(st.integers(1, 8))
    n_supply = draw(st.integers(1, 8))
    candidates = [(i, j) for i in range(n_demand) for j in range(n_supply)]
    chosen = draw(st.lists(st.sampled_from(candidates), unique=True, max_size=len(candidates)))
    costs = draw(
        st.lists(st.floats(0, 20, allow_nan=False), min_size=len(chosen), max_size=len(chosen))
    )
    population = draw(st.lists(st.integers(0, 100_000), min_size=n_demand, max_size=n_demand))
    capacity = draw(st.lists(st.integers(0, 500), min_size=n_supply, max_size=n_supply))
    rows = [(i, j, c) for (i, j), c in zip(chosen, costs, strict=True)]
    pairs = table(rows, n_demand, n_supply)
    catchment = draw(
        st.sampled_from(
            [
                Catchment(10),
                Catchment(10, Decay.LINEAR),
                Catchment(10, Decay.GAUSSIAN, sigma=5),
                Catchment(10, steps=((3, 1.0), (8, 0.5))),
            ]
        )
    )
    return np.array(population, float), np.array(capacity, float), pairs, catchment


PROPERTY_SETTINGS = settings(max_examples=150, deadline=None, database=None, derandomize=True)


@PROPERTY_SETTINGS
@given(problems())
def test_scores_are_finite_and_non_negative(case):
    population, capacity, pairs, catchment = case
    result = two_step_fca(population, capacity, pairs, catchment)
    assert np.isfinite(result.score).all()
    assert (result.score >= 0).all()
    assert (result.supply_ratio >= 0).all()


@PROPERTY_SETTINGS
@given(problems(), st.sampled_from([0.5, 2.0, 3.0, 10.0]))
def test_scaling_capacity_scales_scores_and_population_divides_them(case, k):
    population, capacity, pairs, catchment = case
    base = two_step_fca(population, capacity, pairs, catchment).score
    more_places = two_step_fca(population, capacity * k, pairs, catchment).score
    np.testing.assert_allclose(more_places, base * k, rtol=1e-12, atol=0)
    more_people = two_step_fca(population * k, capacity, pairs, catchment).score
    np.testing.assert_allclose(more_people, base / k, rtol=1e-12, atol=0)


@PROPERTY_SETTINGS
@given(problems())
def test_every_place_with_a_defined_ratio_is_allocated_once(case):
    # Σ_i P_i A_i = Σ_i P_i Σ_j R_j f_ij = Σ_j R_j Σ_i P_i f_ij = Σ_j S_j over the
    # sites with a defined ratio: 2SFCA shares out each site's capacity exactly.
    population, capacity, pairs, catchment = case
    result = two_step_fca(population, capacity, pairs, catchment)
    allocated = float(population @ result.score)
    assert allocated == pytest.approx(float(capacity[result.ratio_defined].sum()), rel=1e-9)


@PROPERTY_SETTINGS
@given(problems(), st.randoms(use_true_random=False))
def test_order_of_the_cost_table_does_not_change_scores(case, rnd):
    population, capacity, pairs, catchment = case
    order = list(range(pairs.cost.shape[0]))
    rnd.shuffle(order)
    shuffled = CostPairs.from_table(
        pairs.demand[order],
        pairs.supply[order],
        pairs.cost[order],
        n_demand=pairs.n_demand,
        n_supply=pairs.n_supply,
    )
    np.testing.assert_allclose(
        two_step_fca(population, capacity, shuffled, catchment).score,
        two_step_fca(population, capacity, pairs, catchment).score,
        rtol=1e-12,
        atol=0,
    )


@PROPERTY_SETTINGS
@given(
    st.lists(
        st.tuples(st.floats(0, 1, allow_nan=False), st.integers(0, 10_000)),
        min_size=1,
        max_size=10,
    )
)
def test_zone_mean_lies_between_its_members(members):
    scores = np.array([score for score, _ in members])
    population = np.array([people for _, people in members], dtype=float)
    n = len(members)
    mean = zone_weighted_mean(scores, population, np.arange(n), np.zeros(n, dtype=int), 1)[0]
    peopled = population > 0
    if not peopled.any():
        assert mean == 0
    else:
        assert scores[peopled].min() - 1e-12 <= mean <= scores[peopled].max() + 1e-12
