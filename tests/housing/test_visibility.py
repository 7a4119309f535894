"""Who sees which placements: ``Placement.objects.visible_to(user)`` for every role."""

import pytest

from housing.models import Placement
from tests.factories import CaseFactory, PlacementFactory
from tests.world import USERS, build_world, fresh

pytestmark = pytest.mark.django_db

A_TEAM = {"pl1", "pl2", "pl4"}
EXPECTED = {
    "social_worker": {"pl1", "pl4"},  # not pl2: protected case, not on its team
    "lead_worker": A_TEAM,
    "team_member": A_TEAM,
    "coordinator": A_TEAM,
    # Its referred case c1, and B's case c3 placed in its unit; never the protected c2.
    "provider_staff": {"pl1", "pl3"},
    "provider_staff_not_referred": set(),
    "other_org_social_worker": {"pl3"},
    "other_org_coordinator": {"pl3"},
    "official": set(),
    "administrator": set(),
    "superuser": set(),
    "inactive_user": set(),
    "inactive_membership": set(),
    "inactive_organisation": set(),
    "anonymous": set(),
}


def test_matrix_covers_every_user():
    assert sorted(EXPECTED) == sorted(USERS)


@pytest.fixture
def world():
    return build_world()


@pytest.mark.parametrize("user", USERS)
def test_visible_to(world, user):
    assert world.visible(Placement, world.users[user]) == EXPECTED[user]


def test_unit_owner_does_not_see_placements_in_other_units(world):
    PlacementFactory(case=CaseFactory(organisation=world.records["c3"].organisation))
    assert world.visible(Placement, world.users["provider_staff"]) == {"pl1", "pl3"}


@pytest.mark.parametrize("user", ["social_worker", "coordinator", "provider_staff"])
def test_visible_to_costs_two_queries_whatever_the_rows(world, user, django_assert_max_num_queries):
    unit = world.records["pl1"].unit
    unit.places = 50
    unit.save(update_fields=["places"])
    organisation = world.records["c1"].organisation
    seen = []
    for added in (0, 20):
        for _ in range(added):
            PlacementFactory(unit=unit, case=CaseFactory(organisation=organisation))
        subject = fresh(world.users[user])
        # One for the user's memberships, one for the placements.
        with django_assert_max_num_queries(2) as context:
            rows = list(Placement.objects.visible_to(subject))
        seen.append((len(rows), len(context.captured_queries)))
    (rows_before, queries_before), (rows_after, queries_after) = seen
    assert rows_after == rows_before + 20
    assert queries_after == queries_before
