"""Distance maths for ``near`` searches, portable to PostgreSQL and SQLite (no trigonometry
in SQL).

The equirectangular approximation: with ``k = cos(lat0)`` computed once in Python,
``x = (lon - lon0) · k · 111.32`` km and ``y = (lat - lat0) · 110.57`` km, ``d = √(x² + y²)``.
Within the 50 km a search may span it errs by far less than the 0.01 km the API shows.
SQL compares and orders by ``d²``; the square root is taken in Python for display.
Longitudes are not wrapped at the antimeridian: the directory covers Italy.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from django.db.models import ExpressionWrapper, F, FloatField, Value

KM_PER_DEGREE_LATITUDE = 110.57
KM_PER_DEGREE_LONGITUDE_AT_EQUATOR = 111.32


@dataclass(frozen=True)
class Circle:
    """``radius_km`` around (``latitude``, ``longitude``)."""

    latitude: float
    longitude: float
    radius_km: float

    @property
    def km_per_degree_longitude(self) -> float:
        return math.cos(math.radians(self.latitude)) * KM_PER_DEGREE_LONGITUDE_AT_EQUATOR

    def bounding_box(self) -> tuple[float, float, float, float]:
        """(min latitude, max latitude, min longitude, max longitude) of the square that
        holds the circle, for an index range scan before the exact test."""
        dlat = self.radius_km / KM_PER_DEGREE_LATITUDE
        per_degree = self.km_per_degree_longitude
        # Close to a pole every longitude is near: do not divide by (almost) zero.
        dlon = 360.0 if per_degree < 1e-9 else self.radius_km / per_degree
        return (
            self.latitude - dlat,
            self.latitude + dlat,
            self.longitude - dlon,
            self.longitude + dlon,
        )

    def squared_km(self, latitude: float, longitude: float) -> float:
        x = (longitude - self.longitude) * self.km_per_degree_longitude
        y = (latitude - self.latitude) * KM_PER_DEGREE_LATITUDE
        return x * x + y * y

    def squared_km_expression(self, prefix: str = "") -> ExpressionWrapper:
        """``d²`` in km² as an SQL expression over ``latitude``/``longitude`` fields."""
        x = (F(f"{prefix}longitude") - Value(self.longitude)) * Value(self.km_per_degree_longitude)
        y = (F(f"{prefix}latitude") - Value(self.latitude)) * Value(KM_PER_DEGREE_LATITUDE)
        return ExpressionWrapper(x * x + y * y, output_field=FloatField())

    def bounding_box_lookups(self, prefix: str = "") -> dict[str, float]:
        min_lat, max_lat, min_lon, max_lon = self.bounding_box()
        return {
            f"{prefix}latitude__gte": min_lat,
            f"{prefix}latitude__lte": max_lat,
            f"{prefix}longitude__gte": min_lon,
            f"{prefix}longitude__lte": max_lon,
        }


def rounded_km(squared_km: float) -> float:
    """The distance shown to callers: km rounded to 0.01."""
    return round(math.sqrt(max(squared_km, 0.0)), 2)
