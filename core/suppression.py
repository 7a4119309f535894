"""Small-cell suppression: counts of people as they may leave the server.

Atlante publishes aggregate figures about people to officials (dashboards, exports, the
API). A figure of 1 to 4 people could single somebody out in a small municipality, so:

**Primary suppression.** Every count ``0 < v < 5`` is published as ``"<5"``
(:data:`SUPPRESSED`). Zero is published as ``0``: "nobody" singles nobody out.

**Complementary suppression.** Hiding a cell is not enough when the cell is part of a
sum that is published too. If a row of a table is ``3, 10, 12`` with total ``25`` and only
the ``3`` is hidden, anybody recovers it as ``25 - 10 - 12``. So the totals a table or a
hierarchy publishes are declared as *equations* (``total = sum of members``: a column's
total row, a row's total column, a zone's figure and its municipalities'), and more cells
are hidden until no hidden cell can be recovered from any one equation:

* a line (the set ``{total} ∪ members`` of an equation) with exactly one hidden entry
  gets a second one: the smallest non-zero published member (ties: the first in the
  order of the values given); if there is none, the total;
* a line whose hidden entries are all pinned to one value by what a reader knows of them
  also gets another one. A reader knows that a ``"<5"`` is between 1 and 4 and that an
  ``"n.d."`` is at least 5, so ``total 6 = "<5" + "n.d." + 0`` gives away ``1`` and
  ``5``: the published sum of the hidden entries must lie strictly between the least and
  the most they could add up to.

This repeats over every equation until nothing changes (a cell hidden for one line may
leave another line with a single hidden entry). Zeros are never hidden: a zero is never
what protects a cell; when only zeros are left to hide in a line, its total is hidden.
The result is deterministic and idempotent (publishing a published set changes nothing).

A cell hidden for the sake of another one is published as ``"<5"`` when its own value is
below 5 (it is a small cell anyway) and as ``"n.d."`` (:data:`SUPPRESSED_SECONDARY`, *non
disponibile*) when it is 5 or more, so that a published ``"<5"`` is never false.

One configuration cannot be protected by hiding non-zero cells: a total of 4 made of
exactly four 1s is pinned by the markers alone (four values of at least 1 under a total
of at most 4). It is left so; it needs four municipalities of one zone each with exactly
one person and the rest none.

Values that are not whole numbers (averages, rates) are not counts: :func:`suppress_table`
leaves them untouched, as it leaves the columns that do not count people.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Iterable, Mapping, Sequence
from typing import TypeVar

SUPPRESSED = "<5"
#: A cell of 5 or more hidden so that a small cell cannot be recovered from a total.
SUPPRESSED_SECONDARY = "n.d."
THRESHOLD = 5
MARKERS = (SUPPRESSED, SUPPRESSED_SECONDARY)

K = TypeVar("K", bound=Hashable)
Number = int | float
Published = int | float | str


def publish_count(value: Number) -> Published:
    """A single count with no total published beside it: primary suppression only."""
    if isinstance(value, str):
        return value
    return SUPPRESSED if 0 < value < THRESHOLD else value


def bounds(published: Published) -> tuple[float, float]:
    """What a reader knows of a hidden entry from its marker."""
    if published == SUPPRESSED:
        return 1.0, float(THRESHOLD - 1)
    if published == SUPPRESSED_SECONDARY:
        return float(THRESHOLD), math.inf
    raise ValueError(f"not a suppression marker: {published!r}")


def line_is_safe(total: Published, members: Sequence[Published]) -> bool:
    """True if no hidden entry of ``total = sum(members)`` can be recovered from it.

    Hidden entries are unknowns bounded by their markers; the published entries fix
    their signed sum ``c``. Each unknown keeps more than one possible value exactly
    when there are at least two of them and ``c`` lies strictly between the least and
    the most they can add up to.
    """
    low = high = 0.0
    hidden = 0
    c = 0.0
    for sign, entry in [(-1, total), *((1, member) for member in members)]:
        if entry in MARKERS:
            hidden += 1
            lo, hi = bounds(entry)
            if sign > 0:
                low, high = low + lo, high + hi
            else:
                low, high = low - hi, high - lo
        else:
            c -= sign * entry  # move published entries to the other side
    if hidden == 0:
        return True
    return hidden >= 2 and low < c < high


def _hide(value: Number | str) -> str:
    if isinstance(value, str):
        return value
    return SUPPRESSED if 0 < value < THRESHOLD else SUPPRESSED_SECONDARY


def suppress(
    values: Mapping[K, Number | str], equations: Iterable[tuple[K, Sequence[K]]]
) -> dict[K, Published]:
    """Publish counts of people with primary and complementary suppression.

    ``values`` are counts (totals included; a value already ``"<5"`` or ``"n.d."`` is
    taken as hidden); each equation ``(total, members)`` says ``values[total] ==
    sum(values[m] for m in members)``. Returns every key with its published value.
    """
    order = {key: i for i, key in enumerate(values)}
    published: dict[K, Published] = {key: publish_count(value) for key, value in values.items()}
    lines = [(total, tuple(members)) for total, members in equations]

    changed = True
    while changed:
        changed = False
        for total, members in lines:
            while not line_is_safe(published[total], [published[m] for m in members]):
                candidates = [
                    m for m in members if published[m] not in MARKERS and published[m] != 0
                ]
                if candidates:
                    chosen = min(candidates, key=lambda m: (published[m], order[m]))
                elif published[total] not in MARKERS and published[total] != 0:
                    chosen = total
                else:
                    break  # nothing left to hide but zeros
                published[chosen] = _hide(values[chosen])
                changed = True
    return published


# --- Over periods: the same count published for overlapping periods ----------------------
#
# A count published for several periods that are unions of the same "atoms" (whole
# months, say) gives away more than each figure alone: 7 cases in the last six months and
# 5 in the last three are 2 in the three months before. The functions below decide which
# periods of one series of counts may be published exactly. They know nothing of months:
# an atom is a position ``0 .. n - 1`` and a period an interval ``(start, stop)`` of atoms,
# ``stop`` excluded (the periods a dashboard offers are runs of consecutive months).
#
# What a reader can work out. Write ``S(k)`` for the count of atoms ``0 .. k - 1``; an
# interval's count is ``S(stop) - S(start)``, a difference of two unknowns. Join the
# boundaries ``start`` and ``stop`` of every exactly published interval in a graph: the
# reader knows ``S(j) - S(i)`` exactly when ``i`` and ``j`` are connected. A union of atoms
# is a few disjoint intervals ``(i1, j1), (i2, j2), ...``, its count ``Σ S(j) - S(i)``; the
# vector ``Σ e_j - e_i`` is a combination of the published ones (each ``e_stop -
# e_start``) exactly when, in every connected component, as many of the union's ends as
# of its starts fall. That is the whole test (it is the linear span of the published
# periods, read on their boundaries): :func:`leaking_union` searches, boundary by
# boundary, for such a union whose count is 1 to 4. Counts are never negative, so a
# union's count only grows as intervals are added, and the search drops any partial union
# above 4.
#
# The rule (:func:`exact_periods`): a series' count for a period is published exactly
# only if no union of atoms that the exactly published periods determine counts 1 to 4.
# While there is one, the longest exactly published period of the components it rests on
# (ties: the earliest) is hidden; the decision depends only on the counts and the periods,
# never on which one a reader asked for first.

Interval = tuple[int, int]
#: Beyond this many partial unions the search gives up and reports a leak on every
#: published period (so the longest is hidden): safe, and never reached by the periods of
#: the dashboards (a few dozen boundaries).
SEARCH_LIMIT = 200_000


def _components(size: int, intervals: Iterable[Interval]) -> list[int]:
    parent = list(range(size))

    def find(node: int) -> int:
        while parent[node] != node:
            parent[node] = parent[parent[node]]
            node = parent[node]
        return node

    for start, stop in intervals:
        a, b = find(start), find(stop)
        if a != b:
            parent[max(a, b)] = min(a, b)
    return [find(node) for node in range(size)]


def determined(atoms: int, exact: Iterable[Interval], interval: Interval) -> bool:
    """True if the exactly published intervals give away the count of ``interval``."""
    component = _components(atoms + 1, exact)
    return component[interval[0]] == component[interval[1]]


def leaking_union(
    counts: Sequence[int], exact: Iterable[Interval]
) -> tuple[list[Interval], list[Interval]] | None:
    """A union of atoms whose count is 1 to 4 and that the exactly published intervals
    determine, as ``(its intervals, the published intervals it rests on)``; None if none.
    """
    exact = sorted(set(exact))
    n = len(counts)
    component = _components(n + 1, exact)
    members: dict[int, int] = {}
    for node in range(n + 1):
        members[component[node]] = members.get(component[node], 0) + 1
    # A boundary alone in its component can be no end of a determined union.
    nodes = [node for node in range(n + 1) if members[component[node]] > 1]
    if not nodes:
        return None
    prefix = [0]
    for count in counts:
        prefix.append(prefix[-1] + count)
    left = {c: 0 for c in members}
    for node in nodes:
        left[component[node]] += 1

    def resting(path: tuple[int, ...]) -> list[Interval]:
        touched = {component[node] for node in path}
        return [iv for iv in exact if component[iv[0]] in touched]

    # A state: (inside an interval, count so far, ends - starts by component).
    states: dict[tuple, tuple[int, ...]] = {(False, 0, ()): ()}
    for index, node in enumerate(nodes):
        here = component[node]
        after: dict[tuple, tuple[int, ...]] = {}
        for (inside, count, balance), path in states.items():
            after.setdefault((inside, count, balance), path)
            changed = dict(balance)
            changed[here] = changed.get(here, 0) + (1 if inside else -1)
            if not changed[here]:
                del changed[here]
            after.setdefault((not inside, count, tuple(sorted(changed.items()))), (*path, node))
        left[here] -= 1
        gap = prefix[nodes[index + 1]] - prefix[node] if index + 1 < len(nodes) else 0
        states = {}
        for (inside, count, balance), path in after.items():
            if not inside and not balance and 0 < count < THRESHOLD:
                pairs = list(zip(path[::2], path[1::2], strict=True))
                return pairs, resting(path)
            if inside:
                count += gap
                if count >= THRESHOLD:
                    continue
            if any(abs(value) > left[c] for c, value in balance):
                continue  # too few boundaries left in that component to balance it
            states.setdefault((inside, count, balance), path)
        if len(states) > SEARCH_LIMIT:
            return [], exact
    return None


def _interval_count(prefix: Sequence[int], interval: Interval) -> int:
    return prefix[interval[1]] - prefix[interval[0]]


def exact_periods(
    counts: Sequence[int], periods: Iterable[Interval], hidden: Iterable[Interval] = ()
) -> set[Interval]:
    """The periods of an additive series that may be published exactly (see above).

    ``counts``: the series' count in each atom; ``periods``: the intervals it is published
    for; ``hidden``: intervals already hidden (by a table's complementary suppression, say).
    A period counting 1 to 4 is never exact; the others are, until a union of atoms they
    determine counts 1 to 4.
    """
    prefix = [0]
    for count in counts:
        prefix.append(prefix[-1] + count)
    hidden = set(hidden)
    exact = {
        iv for iv in periods if iv not in hidden and not 0 < _interval_count(prefix, iv) < THRESHOLD
    }
    if not any(0 < count < THRESHOLD for count in counts):
        return exact  # every union counts 0 or at least 5
    while True:
        leak = leaking_union(counts, exact)
        if leak is None:
            return exact
        union, rests_on = leak
        # A zero is never hidden (it would be published as a false "n.d."), and a union
        # counting 1 to 4 never rests on zeros alone.
        rests_on = [iv for iv in rests_on if _interval_count(prefix, iv)]
        exact.discard(_victim(len(counts), exact, union, rests_on))


def _longest_first(intervals: Iterable[Interval]) -> list[Interval]:
    return sorted(intervals, key=lambda iv: (iv[0] - iv[1], iv[0]))


def _victim(atoms: int, exact: set[Interval], union: list[Interval], rests_on) -> Interval:
    """The period to hide against a leaking union: the longest one it rests on whose
    hiding alone makes the union undetermined; else (it rests on a cycle) the longest."""
    for candidate in _longest_first(rests_on):
        component = _components(atoms + 1, exact - {candidate})
        balance: dict[int, int] = {}
        for start, stop in union:
            balance[component[start]] = balance.get(component[start], 0) - 1
            balance[component[stop]] = balance.get(component[stop], 0) + 1
        if any(balance.values()):
            return candidate
    return _longest_first(rests_on)[0]


def exact_nested(values: Mapping[K, int], inside: Mapping[K, Iterable[K]]) -> set[K]:
    """The periods of a count that is no sum over atoms (distinct people) that may be
    published exactly: the pairwise rule for nested periods.

    ``values``: the count in each period; ``inside[p]``: the periods strictly inside
    ``p``. A count of 1 to 4 is hidden; a period ``p`` whose count exceeds that of an
    exactly published period inside it by 1 to 4 is hidden too (longest periods first,
    so a difference is hidden at its larger end).
    """
    exact = {key for key, value in values.items() if not 0 < value < THRESHOLD}
    for key in sorted(values, key=lambda k: -len(tuple(inside.get(k, ())))):
        if key not in exact:
            continue
        for other in inside.get(key, ()):
            if other in exact and 0 < values[key] - values[other] < THRESHOLD:
                exact.discard(key)
                break
    return exact


def hide(value: Number | str) -> str:
    """The marker of a hidden count: ``"<5"`` below 5 (never false), else ``"n.d."``."""
    return _hide(value)


S = TypeVar("S", bound=Hashable)


def suppress_over_periods(
    series: Mapping[S, Sequence[int]],
    periods: Mapping[S, Iterable[Interval]],
    equations: Iterable[tuple[Hashable, Sequence[Hashable]]],
    others: Mapping[Hashable, Number | str] | None = None,
) -> dict[Hashable, Published]:
    """Publish a family of tables whose cells are additive series over shared periods.

    ``series[s]``: the count of series ``s`` (a column of an area, say) in each atom;
    ``periods[s]``: the intervals it is published for, each a cell keyed ``(s, interval)``;
    ``others``: cells that are no sum over atoms (distinct people, a count at a date),
    already hidden as their own rules say (a marker) or not; ``equations``: every table's
    ``total = sum of members`` over all those keys (a cell in two tables is one key, so
    that it is published once for both). Returns every cell's published value.

    1. Each series keeps exact only the periods :func:`exact_periods` allows.
    2. :func:`suppress` runs on every table at once (primary and complementary).
    3. A cell hidden by step 2 may still be given away by its own series' exact periods
       (the last 12 months hidden to protect a neighbour, but equal to the last 24 less
       the year before); then the longest exact period it rests on is hidden too, until
       none is; and steps 2-3 run again with everything hidden so far kept hidden, until
       nothing changes. Hiding only shrinks what a reader can determine, so step 1's
       guarantee holds at the end, and each round hides more, so it ends.
    """
    others = dict(others or {})
    spans = {s: sorted(set(periods[s])) for s in series}
    prefix = {s: [0, *_accumulate(counts)] for s, counts in series.items()}
    # Step 1 once: later rounds only hide more, and fewer exact periods determine less.
    exact = {s: set(exact_periods(counts, spans[s])) for s, counts in series.items()}
    lines = [(total, tuple(members)) for total, members in equations]
    published: dict[Hashable, Published] = {}
    while True:
        values: dict[Hashable, Number | str] = {}
        for s in series:
            for interval in spans[s]:
                value = _interval_count(prefix[s], interval)
                values[(s, interval)] = value if interval in exact[s] else _hide(value)
        values.update(others)
        # Hidden cells stay hidden from one round to the next (what was published before
        # is the input): each round only adds to them, so the rounds end.
        values.update({key: value for key, value in published.items() if value in MARKERS})
        published = suppress(values, lines)
        changed = False
        for s, counts in series.items():
            exact[s] = {iv for iv in exact[s] if published[(s, iv)] not in MARKERS}
            hidden = [iv for iv in spans[s] if iv not in exact[s]]
            while exact[s] and hidden:
                component = _components(len(counts) + 1, exact[s])
                given_away = next(
                    (iv for iv in hidden if component[iv[0]] == component[iv[1]]), None
                )
                if given_away is None:
                    break
                rests_on = [
                    iv
                    for iv in exact[s]
                    if component[iv[0]] == component[given_away[0]]
                    and _interval_count(prefix[s], iv)
                ]
                if not rests_on:  # only zeros: then the hidden count is 0, never hidden
                    break
                victim = _longest_first(rests_on)[0]
                exact[s].discard(victim)
                hidden.append(victim)
                changed = True
        if not changed:
            return published


def _accumulate(counts: Iterable[int]) -> list[int]:
    total, result = 0, []
    for count in counts:
        total += count
        result.append(total)
    return result
