"""Is a point inside a municipality? Ray casting over GeoJSON (Multi)Polygons, holes
respected; used to place imported sites and demo data in their municipality."""

from __future__ import annotations

Ring = list[tuple[float, float]]


def polygons_of(geometry: dict | None) -> list[list[Ring]]:
    """Polygons (outer ring then holes) of a GeoJSON Polygon or MultiPolygon."""
    if not geometry:
        return []
    kind, coordinates = geometry.get("type"), geometry.get("coordinates") or []
    if kind == "Polygon":
        polygons = [coordinates]
    elif kind == "MultiPolygon":
        polygons = coordinates
    else:
        return []
    return [
        [[(float(x), float(y)) for x, y, *_ in ring] for ring in polygon if len(ring) >= 4]
        for polygon in polygons
        if polygon
    ]


def ring_contains(ring: Ring, x: float, y: float) -> bool:
    """Even-odd ray casting: does the closed ring contain the point (x, y)?"""
    inside = False
    x1, y1 = ring[-1]
    for x2, y2 in ring:
        if (y1 > y) != (y2 > y) and x < (x2 - x1) * (y - y1) / (y2 - y1) + x1:
            inside = not inside
        x1, y1 = x2, y2
    return inside


def polygon_contains(geometry: dict | None, x: float, y: float) -> bool:
    """Is (lon, lat) inside the GeoJSON geometry: in an outer ring and in none of its holes?"""
    for outer, *holes in polygons_of(geometry):
        if ring_contains(outer, x, y) and not any(ring_contains(hole, x, y) for hole in holes):
            return True
    return False
