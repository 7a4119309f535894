"""Every constraint declared on a model has a test proving the database enforces it."""

import re
from pathlib import Path

from django.apps import apps

PROJECT_APPS = (
    "core",
    "registry",
    "services",
    "security",
    "beneficiaries",
    "housing",
    "gaps",
    "hsds",
    "partners",
)
# Held by PostgreSQL triggers and an exclusion constraint (housing migration 0002).
DATABASE_ONLY = {
    "placement_no_overlap_per_person",
    "placement_within_unit_places",
    "placement_beneficiary_matches_case",
    "unit_places_cover_placements",
}


def declared_constraints() -> set[str]:
    return {
        constraint.name
        for label in PROJECT_APPS
        for model in apps.get_app_config(label).get_models()
        for constraint in model._meta.constraints
    }


def names_in_constraint_tests() -> set[str]:
    """Quoted names in the ``test_constraints.py`` modules, where each is passed to
    ``violates()`` (directly or through a parametrisation)."""
    sources = "\n".join(
        path.read_text() for path in Path(__file__).parent.glob("*/test_constraints.py")
    )
    return set(re.findall(r'"([a-z0-9_]+)"', sources))


def test_every_declared_constraint_has_a_violation_test():
    declared = declared_constraints()
    assert "placement_ends_after_start" in declared
    assert declared - names_in_constraint_tests() == set()


def test_database_only_invariants_have_violation_tests():
    assert DATABASE_ONLY - names_in_constraint_tests() == set()
