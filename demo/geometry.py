"""Points inside a municipality, for the demo (the point test is registry.geometry's).

The demo places sites and housing units by rejection sampling in the boundary's bounding
box. A polygon's edges are filed into horizontal bands once, so a point test only looks
at the edges that cross its latitude.
"""

from __future__ import annotations

import random
from bisect import bisect_right

from registry.geometry import polygons_of

Edge = tuple[float, float, float, float]  # x1, y1, x2, y2 with y1 != y2

SAMPLING_TRIES = 60
_BANDS = 32


class Area:
    """A prepared boundary: bounding box and edges by latitude band, for fast point tests.

    Counting the crossings of a horizontal ray over every ring at once gives the same
    answer as "inside the outer ring and outside its holes" (holes lie inside their outer
    ring and rings do not cross), and over several polygons of a MultiPolygon too.
    """

    def __init__(self, geometry: dict | None, centroid: tuple[float, float]) -> None:
        self.centroid = centroid  # (lon, lat)
        edges: list[Edge] = []
        for polygon in polygons_of(geometry):
            for ring in polygon:
                x1, y1 = ring[-1]
                for x2, y2 in ring:
                    if y1 != y2:
                        edges.append((x1, y1, x2, y2))
                    x1, y1 = x2, y2
        self.empty = not edges
        if self.empty:
            self.bbox = (centroid[0], centroid[1], centroid[0], centroid[1])
            return
        xs = [e[0] for e in edges] + [e[2] for e in edges]
        ys = [e[1] for e in edges] + [e[3] for e in edges]
        self.bbox = (min(xs), min(ys), max(xs), max(ys))
        min_y, max_y = self.bbox[1], self.bbox[3]
        self._band_height = (max_y - min_y) / _BANDS or 1.0
        self._bands: list[list[Edge]] = [[] for _ in range(_BANDS)]
        for edge in edges:
            low, high = sorted((edge[1], edge[3]))
            first = self._band(low)
            last = self._band(high)
            for band in range(first, last + 1):
                self._bands[band].append(edge)

    def _band(self, y: float) -> int:
        return min(_BANDS - 1, max(0, int((y - self.bbox[1]) / self._band_height)))

    def contains(self, x: float, y: float) -> bool:
        if self.empty:
            return False
        min_x, min_y, max_x, max_y = self.bbox
        if not (min_x <= x <= max_x and min_y <= y <= max_y):
            return False
        inside = False
        for x1, y1, x2, y2 in self._bands[self._band(y)]:
            if (y1 > y) != (y2 > y) and x < (x2 - x1) * (y - y1) / (y2 - y1) + x1:
                inside = not inside
        return inside

    def sample(self, rng: random.Random, tries: int = SAMPLING_TRIES) -> tuple[float, float]:
        """A uniform random (lat, lon) inside the area, or the centroid after `tries` misses."""
        if not self.empty:
            min_x, min_y, max_x, max_y = self.bbox
            for _ in range(tries):
                x = min_x + (max_x - min_x) * rng.random()
                y = min_y + (max_y - min_y) * rng.random()
                if self.contains(x, y):
                    return round(y, 6), round(x, 6)
        return round(self.centroid[1], 6), round(self.centroid[0], 6)


class WeightedChoice:
    """Draw items with fixed weights quickly (cumulative weights + bisection)."""

    def __init__(self, items: list, weights: list[float]) -> None:
        if not items:
            raise ValueError("WeightedChoice needs at least one item.")
        self.items = items
        self.cumulative: list[float] = []
        total = 0.0
        for weight in weights:
            total += weight
            self.cumulative.append(total)
        self.total = total

    def pick(self, rng: random.Random):
        index = bisect_right(self.cumulative, rng.random() * self.total)
        return self.items[min(index, len(self.items) - 1)]
