"""Small-cell suppression over overlapping periods: a differencing attacker finds nothing.

The dashboards publish the same counts for nested and overlapping periods (the last 3, 6,
12 and 24 months, each calendar year, and month by month in the trends). Random monthly
counts for a few areas and columns (many zeros and small values) are published with
``dashboards.periods.publish_family`` — the very function the pages use — and then
attacked, independently of how the publisher reasons: for each series of cells (a
column of an area, totals included), the periods it is published exactly span, over the
rationals, a set of unions of months; none of those may count 1 to 4.
"""

from __future__ import annotations

import itertools
import math
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.suppression import (
    MARKERS,
    SUPPRESSED,
    SUPPRESSED_SECONDARY,
    determined,
    exact_nested,
    exact_periods,
    leaking_union,
)

MONTHS = 8  # atoms: months 0 .. 7, month 7 the current one


# --- the attacker: exact rational linear algebra, nothing shared with the publisher ------


def row_space(vectors: list[tuple[int, ...]]) -> list[list[Fraction]]:
    """A reduced row-echelon basis of the span of the vectors."""
    rows = [[Fraction(x) for x in v] for v in vectors]
    basis: list[list[Fraction]] = []
    pivots: list[int] = []
    for row in rows:
        row = row[:]
        for pivot, base in zip(pivots, basis, strict=True):
            if row[pivot]:
                factor = row[pivot]
                row = [a - factor * b for a, b in zip(row, base, strict=True)]
        lead = next((i for i, x in enumerate(row) if x), None)
        if lead is None:
            continue
        row = [x / row[lead] for x in row]
        for k, base in enumerate(basis):
            if base[lead]:
                factor = base[lead]
                basis[k] = [a - factor * b for a, b in zip(base, row, strict=True)]
        basis.append(row)
        pivots.append(lead)
    return basis


def in_span(basis: list[list[Fraction]], vector: tuple[int, ...]) -> bool:
    rest = [Fraction(x) for x in vector]
    for base in basis:
        lead = next(i for i, x in enumerate(base) if x)
        if rest[lead]:
            factor = rest[lead]
            rest = [a - factor * b for a, b in zip(rest, base, strict=True)]
    return not any(rest)


def vector(interval: tuple[int, int], size: int = MONTHS) -> tuple[int, ...]:
    start, stop = interval
    return tuple(1 if start <= k < stop else 0 for k in range(size))


def null_space(basis: list[list[Fraction]], size: int) -> list[list[int]]:
    """Integer vectors spanning what is orthogonal to the rows: a 0/1 vector is in the
    span of the rows exactly when it is orthogonal to each of them."""
    pivots = [next(i for i, x in enumerate(base) if x) for base in basis]
    found = []
    for free in range(size):
        if free in pivots:
            continue
        x = [Fraction(0)] * size
        x[free] = Fraction(1)
        for pivot, base in zip(pivots, basis, strict=True):
            x[pivot] = -base[free]
        scale = math.lcm(*(v.denominator for v in x))
        found.append([int(v * scale) for v in x])
    return found


def recoverable_small_unions(counts, exact_intervals):
    """Every union of atoms the exactly published intervals determine, counting 1..4."""
    size = len(counts)
    orthogonal = null_space(row_space([vector(iv, size) for iv in exact_intervals]), size)
    found = []
    for bits in itertools.product((0, 1), repeat=size):
        count = sum(b * c for b, c in zip(bits, counts, strict=True))
        if not 0 < count < 5:
            continue
        if all(sum(b * x for b, x in zip(bits, v, strict=True)) == 0 for v in orthogonal):
            found.append((bits, count))
    return found


def recoverable_small_unions_long(counts, exact_intervals):
    """The same on many months (a dashboard's years): a month published on its own is
    known, so it can be added to any union or left out; its count is 0 or 5+ (a 1-4 is
    never published), so it never makes a union count 1 to 4. The reader's question is
    then the same on the other months, with the periods cut down to them."""
    known = {start for start, stop in exact_intervals if stop == start + 1}
    unknown = [k for k in range(len(counts)) if k not in known]
    assert all(counts[k] == 0 or counts[k] >= 5 for k in known)
    assert len(unknown) <= 16, "too many months unknown for the exhaustive reader"
    position = {k: i for i, k in enumerate(unknown)}
    cut = []
    for start, stop in exact_intervals:
        inside = [position[k] for k in range(start, stop) if k in position]
        if inside:
            cut.append(tuple(1 if i in inside else 0 for i in range(len(unknown))))
    orthogonal = null_space(row_space(cut), len(unknown)) if cut else None
    found = []
    for bits in itertools.product((0, 1), repeat=len(unknown)):
        count = sum(b * counts[k] for b, k in zip(bits, unknown, strict=True))
        if not 0 < count < 5:
            continue
        if orthogonal is not None and all(
            sum(b * x for b, x in zip(bits, v, strict=True)) == 0 for v in orthogonal
        ):
            found.append(([unknown[i] for i, b in enumerate(bits) if b], count))
    return found


# --- random monthly counts ----------------------------------------------------------------

small = st.one_of(st.just(0), st.just(0), st.integers(1, 4), st.integers(0, 12))
month_counts = st.lists(small, min_size=MONTHS, max_size=MONTHS)
# The dashboards' family on 8 months: last 1/2/4/8 months, two "calendar years" (months
# 0-3 and 4-7), and some single months (the trends).
FAMILY = [(7, 8), (6, 8), (4, 8), (0, 8), (0, 4), (4, 8)]
intervals = st.lists(
    st.tuples(st.integers(0, MONTHS - 1), st.integers(1, MONTHS)).filter(lambda t: t[0] < t[1]),
    min_size=1,
    max_size=10,
)


@settings(max_examples=200, deadline=None)
@given(month_counts, intervals)
def test_no_union_of_months_determined_by_exact_periods_counts_one_to_four(counts, periods):
    exact = exact_periods(counts, periods)
    assert exact <= set(periods)
    assert recoverable_small_unions(counts, exact) == []
    assert recoverable_small_unions_long(counts, exact) == []  # the dashboards' reader
    assert leaking_union(counts, exact) is None


@settings(max_examples=200, deadline=None)
@given(month_counts, intervals)
def test_the_search_finds_every_leak_the_attacker_finds(counts, periods):
    """Publishing every period with a count of 0 or 5+: the search and the attacker agree."""
    prefix = [0, *itertools.accumulate(counts)]
    shown = [iv for iv in periods if not 0 < prefix[iv[1]] - prefix[iv[0]] < 5]
    leak = leaking_union(counts, shown)
    attacker = recoverable_small_unions(counts, shown)
    assert (leak is None) == (attacker == [])
    if leak is not None:
        union, rests_on = leak
        count = sum(prefix[j] - prefix[i] for i, j in union)
        assert 0 < count < 5
        assert set(rests_on) <= set(shown)
        bits = tuple(1 if any(i <= k < j for i, j in union) else 0 for k in range(MONTHS))
        assert in_span(row_space([vector(iv) for iv in shown]), bits)


@settings(max_examples=200, deadline=None)
@given(month_counts, intervals)
def test_determined_is_the_span(counts, periods):
    basis = row_space([vector(iv) for iv in periods])
    for start in range(MONTHS):
        for stop in range(start + 1, MONTHS + 1):
            assert determined(MONTHS, periods, (start, stop)) == in_span(
                basis, vector((start, stop))
            )


def test_the_example_of_the_issue():
    # 7 cases in the last six months, 5 in the last three: the 2 of the three before
    # are given away; the longer period is hidden, the shorter stays.
    counts = [0, 0, 1, 1, 0, 2, 3, 0]  # months 2..7 = 7, months 5..7 = 5
    assert exact_periods(counts, [(2, 8), (5, 8)]) == {(5, 8)}
    # A year and a last-N window that overlap, and a month of the trends.
    # Months 4-6 count 3: the last four months less the current one, and the whole
    # window less the first year less the current month, give them away. Hiding the
    # window alone, or the last four months alone, would leave the other way open: the
    # current month is the one period both ways need, so it is the one hidden.
    counts = [6, 0, 0, 0, 3, 0, 0, 9]
    assert exact_periods(counts, [(0, 4), (0, 8), (4, 8), (7, 8)]) == {(0, 4), (0, 8), (4, 8)}


def test_distinct_people_follow_the_pairwise_rule_for_nested_periods():
    inside = {"24": ["12", "6", "3"], "12": ["6", "3"], "6": ["3"], "3": []}
    # 12 and 6 months both exceed the last 3 by 2 people: both hidden at their larger end.
    assert exact_nested({"24": 20, "12": 7, "6": 7, "3": 5}, inside) == {"24", "3"}
    assert exact_nested({"24": 20, "12": 12, "6": 7, "3": 0}, inside) == {"24", "12", "6", "3"}
    assert exact_nested({"24": 3, "12": 0, "6": 0, "3": 0}, inside) == {"12", "6", "3"}


# --- a whole family of tables: every cell, totals too, as the dashboards publish them -----


AREAS = ("a", "b", "c")  # municipalities; "z" is the zone of a and b, "T" the city
COLUMNS = ("opened", "closed")


@st.composite
def cities(draw):
    return {(area, column): draw(month_counts) for area in AREAS for column in COLUMNS}


def _series_of(monthly):
    """Every series the dashboards publish: the municipalities, the zone, the city."""
    series = dict(monthly)
    for column in COLUMNS:
        zone = [monthly[("a", column)][k] + monthly[("b", column)][k] for k in range(MONTHS)]
        series[("z", column)] = zone
        series[("T", column)] = [zone[k] + monthly[("c", column)][k] for k in range(MONTHS)]
    return series


@settings(max_examples=200, deadline=None)
@given(cities())
def test_a_family_of_tables_resists_differencing(monthly):
    from core.suppression import suppress_over_periods as publish_family

    series = _series_of(monthly)
    months = [(k, k + 1) for k in range(MONTHS)]
    periods = {key: [*FAMILY, *months] for key in series}
    # Tables: for each period, the city's table (rows z, c; total T) and the zone's table
    # (rows a, b; total z), each column with its total; plus, for the trends, each series
    # month by month with the whole window as total.
    equations = []
    for interval in FAMILY:
        for column in COLUMNS:
            equations.append(
                ((("T", column), interval), [(("z", column), interval), (("c", column), interval)])
            )
            equations.append(
                ((("z", column), interval), [(("a", column), interval), (("b", column), interval)])
            )
    for key in series:
        equations.append(((key, (0, MONTHS)), [(key, m) for m in months]))
    published = publish_family(series, periods, equations)

    prefix = {key: [0, *itertools.accumulate(counts)] for key, counts in series.items()}

    def value(key, interval):
        return prefix[key][interval[1]] - prefix[key][interval[0]]

    for key in series:
        shown = {iv: published[(key, iv)] for iv in periods[key]}
        exact = [iv for iv, v in shown.items() if v not in MARKERS]
        for iv, v in shown.items():
            true = value(key, iv)
            # What is shown is true; "<5" is never false; a hidden 5+ is "n.d.".
            if v == SUPPRESSED:
                assert 0 < true < 5
            elif v == SUPPRESSED_SECONDARY:
                assert true >= 5
            else:
                assert v == true and not 0 < true < 5
        # The attacker: no union of months it can determine counts 1..4 ...
        assert recoverable_small_unions(series[key], exact) == [], key
        # ... in particular no difference of two nested exact periods.
        for p, q in itertools.permutations(exact, 2):
            if q[0] >= p[0] and q[1] <= p[1] and q != p:
                assert not 0 < value(key, p) - value(key, q) < 5
        # A hidden cell is not given away by the same series' exact periods either.
        for iv, v in shown.items():
            if v in MARKERS:
                assert not determined(MONTHS, exact, iv), (key, iv)
    # Each table keeps the guarantees of complementary suppression (checked as
    # tests/dashboards/test_suppression.py checks them): no line gives a hidden cell away.
    for total, members in equations:
        line = [total, *members]
        hidden = [k for k in line if published[k] in MARKERS]
        values = {k: value(*k) for k in line}
        non_zero = [values[m] for m in members if values[m]]
        if values[total] == 4 and non_zero == [1, 1, 1, 1]:
            continue  # the one unprotectable line (core/suppression.py)
        assert len(hidden) != 1, [published[k] for k in line]
        if hidden:
            low = sum(1 if published[k] == SUPPRESSED else 5 for k in hidden if k != total)
            high = sum(4 if published[k] == SUPPRESSED else math.inf for k in hidden if k != total)
            rest = (published[total] if total not in hidden else 0) - sum(
                published[m] for m in members if m not in hidden
            )
            if total in hidden:
                continue  # an unknown total: the members' sum is not fixed
            assert low < rest < high, [published[k] for k in line]


@pytest.mark.parametrize(
    ("counts", "periods"),
    [
        ([0] * MONTHS, FAMILY),
        ([5] * MONTHS, FAMILY),
        ([1] * MONTHS, FAMILY),
    ],
)
def test_edge_series(counts, periods):
    exact = exact_periods(counts, periods)
    assert recoverable_small_unions(counts, exact) == []
