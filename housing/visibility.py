"""Visibility of placements: through the case, or to the staff of the unit's owner."""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from beneficiaries.visibility import case_q, scope_of


class PlacementQuerySet(models.QuerySet):
    def visible_to(self, user) -> PlacementQuerySet:
        """Placements of cases the user sees, and, for the staff of the organisation that
        owns the unit, placements of non-protected cases in its units."""
        scope = scope_of(user)
        if scope.empty:
            return self.none()
        q = case_q(scope, prefix="case__")
        if scope.provider:
            q |= Q(unit__owner__in=scope.provider, case__protected=False)
        return self.filter(q)
