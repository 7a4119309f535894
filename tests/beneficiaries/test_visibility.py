"""Who sees which personal records: ``<Model>.objects.visible_to(user)`` for every role."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from beneficiaries.models import Beneficiary, Case, Consent, Need, Note, Referral
from tests.factories import (
    CaseFactory,
    ConsentFactory,
    NeedFactory,
    NoteFactory,
    ReferralFactory,
)
from tests.world import USERS, build_world, fresh

pytestmark = pytest.mark.django_db

MODELS = [Beneficiary, Case, Need, Referral, Consent, Note]
NOTHING = {model.__name__: set() for model in MODELS}
CASE_CONSENTS = ("case_management", "sharing", "housing")


def case_consents(*cases: str) -> set[str]:
    """The consents CaseFactory records for each case, given to the case's organisation
    (named ``c1.sharing`` and so on by the ``world`` fixture)."""
    return {f"{case}.{purpose}" for case in cases for purpose in CASE_CONSENTS}


A_TEAM = {
    # Sees the protected case c2 as its lead worker, team member or coordinator.
    "Beneficiary": {"b1", "b2", "b4", "b5"},
    "Case": {"c1", "c2", "c4"},
    "Need": {"n1", "n2", "n4"},
    "Referral": {"r1", "r1a", "r2"},
    "Consent": {"k1", "k2", "k4", "k5"} | case_consents("c1", "c2", "c4"),
    "Note": {"note1", "note2", "note4"},
}
EXPECTED = {
    # A colleague outside the team of the protected case c2; b7 has a protected case in B.
    "social_worker": {
        "Beneficiary": {"b1", "b4", "b5"},
        "Case": {"c1", "c4"},
        "Need": {"n1", "n4"},
        "Referral": {"r1", "r1a"},
        "Consent": {"k1", "k4", "k5"} | case_consents("c1", "c4"),
        "Note": {"note1", "note4"},
    },
    "lead_worker": A_TEAM,
    "team_member": A_TEAM,
    "coordinator": A_TEAM,
    # Only the non-protected case referred to P (its person consents to sharing), P's
    # referrals — the protected case's r2 too, which P reads through the sealed view
    # (issue 12) — never notes, and no consent: consents are their organisation's only.
    "provider_staff": {
        "Beneficiary": {"b1"},
        "Case": {"c1"},
        "Need": {"n1"},
        "Referral": {"r1", "r2"},
        "Consent": set(),
        "Note": set(),
    },
    "provider_staff_not_referred": NOTHING,
    # Wrong organisation: B's own records only (c3 was referred to A's service, which
    # gives A's caseworkers nothing).
    "other_org_social_worker": {
        "Beneficiary": {"b3"},
        "Case": {"c3"},
        "Need": {"n3"},
        "Referral": {"r3"},
        "Consent": {"k3"} | case_consents("c3"),
        "Note": {"note3"},
    },
    "other_org_coordinator": {
        "Beneficiary": {"b3", "b7"},
        "Case": {"c3", "c7"},
        "Need": {"n3"},
        "Referral": {"r3"},
        "Consent": {"k3"} | case_consents("c3", "c7"),
        "Note": {"note3"},
    },
    "official": NOTHING,
    "administrator": NOTHING,
    "superuser": NOTHING,
    "inactive_user": NOTHING,
    "inactive_membership": NOTHING,
    "inactive_organisation": NOTHING,
    "anonymous": NOTHING,
}


def test_matrix_covers_every_user():
    assert sorted(EXPECTED) == sorted(USERS)


@pytest.fixture
def world():
    world = build_world()
    for name, case in list(world.records.items()):
        if isinstance(case, Case):
            for consent in Consent.objects.filter(
                beneficiary=case.beneficiary, organisation=case.organisation
            ).exclude(pk__in=[record.pk for record in world.records.values()]):
                world.records[f"{name}.{consent.purpose}"] = consent
    return world


@pytest.mark.parametrize("user", USERS)
def test_visible_to(world, user):
    visible = {model.__name__: world.visible(model, world.users[user]) for model in MODELS}
    assert visible == EXPECTED[user]


def test_wrong_organisation_sees_none_of_the_other_organisations_records(world):
    a_records = {"b1", "b2", "b4", "b5", "c1", "c2", "c4", "n1", "n2", "n4", "note1", "note2"}
    for user in ("other_org_social_worker", "other_org_coordinator"):
        seen = set().union(*(world.visible(model, world.users[user]) for model in MODELS))
        assert seen
        assert not seen & a_records


def test_notes_never_visible_to_provider_staff(world):
    staff = world.users["provider_staff"]
    # Even with a note on the very case referred to the provider.
    NoteFactory(case=world.records["c1"])
    assert world.visible(Case, staff) == {"c1"}
    assert not Note.objects.visible_to(staff).exists()


def test_scope_is_read_again_for_a_new_request(world):
    """The scope is cached on the user object: a membership change shows on the next load."""
    user = fresh(world.users["social_worker"])
    assert world.visible(Case, user) == {"c1", "c4"}
    user.memberships.update(active=False)
    assert world.visible(Case, user) == {"c1", "c4"}
    assert world.visible(Case, fresh(user)) == set()


def add_case_load(world, count: int) -> None:
    """More of everything in organisation A: cases, needs, notes, referrals, consents."""
    c1 = world.records["c1"]
    service_p = world.records["r1"].service
    for _ in range(count):
        case = CaseFactory(organisation=c1.organisation, lead_worker=c1.lead_worker)
        NeedFactory(case=case)
        NoteFactory(case=case)
        ReferralFactory(case=case, service=service_p)
        ConsentFactory(beneficiary=case.beneficiary)


def queries_per_model(user) -> dict[str, int]:
    counts = {}
    for model in MODELS:
        user = fresh(user)
        with CaptureQueriesContext(connection) as context:
            list(model.objects.visible_to(user))
        counts[model.__name__] = len(context.captured_queries)
    return counts


@pytest.mark.parametrize("user", ["social_worker", "coordinator", "provider_staff"])
def test_visible_to_costs_at_most_two_queries(world, user, django_assert_max_num_queries):
    for model in MODELS:
        subject = fresh(world.users[user])
        # One for the user's memberships, one for the records.
        with django_assert_max_num_queries(2):
            rows = list(model.objects.visible_to(subject))
        assert rows or not EXPECTED[user][model.__name__]


@pytest.mark.parametrize("user", ["social_worker", "coordinator", "provider_staff"])
def test_queries_do_not_grow_with_the_number_of_rows(world, user):
    before = queries_per_model(world.users[user])
    seen_before = len(Case.objects.visible_to(fresh(world.users[user])))
    add_case_load(world, 15)
    assert len(Case.objects.visible_to(fresh(world.users[user]))) == seen_before + 15
    assert queries_per_model(world.users[user]) == before


@pytest.mark.parametrize(
    ("role", "sees_own"),
    [
        ("social_worker", True),
        ("coordinator", True),
        ("provider_staff", False),
        ("official", False),
        ("administrator", False),
        ("superuser", False),
    ],
)
def test_role_fixtures_see_their_organisation_only(
    request, organisation, other_organisation, role, sees_own
):
    own = CaseFactory(organisation=organisation, beneficiary__registered_by=organisation)
    CaseFactory(organisation=other_organisation, beneficiary__registered_by=other_organisation)
    user = request.getfixturevalue(role)
    assert set(Case.objects.visible_to(user)) == ({own} if sees_own else set())
