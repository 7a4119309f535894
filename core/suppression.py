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
