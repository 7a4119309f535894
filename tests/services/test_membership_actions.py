"""The membership actions (services/actions/memberships.py): who gives which role where,
the two-person rule for the roles that read personal data, the operator's bootstrap, one
audit row each, and permission groups that follow the memberships."""

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.management import CommandError, call_command
from django.db import IntegrityError, transaction

from core.errors import CONFLICT, FORBIDDEN, ActionError
from core.models import AuditEntry
from services.actions.memberships import (
    membership_approve,
    membership_change_role,
    membership_deactivate,
    membership_grant,
    membership_refuse,
)
from services.memberships import scope_of
from services.models import Membership, MembershipStatus, Role
from services.roles import group_name, sync_user_groups
from tests.factories import MembershipFactory, OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db


def fresh(user):
    """The user as stored now (no cached scope or permissions)."""
    return type(user).objects.get(pk=user.pk)


def groups_of(user) -> set[str]:
    return set(fresh(user).groups.values_list("name", flat=True))


def refused(call, **kwargs) -> ActionError:
    with pytest.raises(ActionError) as caught:
        call(**kwargs)
    return caught.value


# --- Who grants what --------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.OFFICIAL, Role.ADMINISTRATOR])
def test_an_administrator_grants_account_roles_at_once(administrator, provider_organisation, role):
    newcomer = UserFactory()
    membership = membership_grant(
        acting_user=administrator, user=newcomer, organisation=provider_organisation, role=role
    )
    assert membership.status == MembershipStatus.APPROVED and membership.active
    assert membership.requested_by == administrator and membership.decided_by is None
    assert role in scope_of(fresh(newcomer)).roles
    assert groups_of(newcomer) == {group_name(role)}
    assert fresh(newcomer).is_staff
    entry = AuditEntry.objects.get(target_id=str(membership.pk))
    assert (entry.action, entry.actor, entry.via) == ("membership_grant", administrator, "job")
    assert entry.details["role"] == role and entry.details["status"] == "approved"


@pytest.mark.parametrize(
    "role", [Role.SOCIAL_WORKER, Role.COORDINATOR, Role.PROVIDER_STAFF, Role.DATA_PROTECTION]
)
def test_an_administrator_only_asks_for_a_role_that_reads_personal_data(
    administrator, organisation, role
):
    newcomer = UserFactory()
    membership = membership_grant(
        acting_user=administrator, user=newcomer, organisation=organisation, role=role
    )
    assert membership.status == MembershipStatus.PENDING
    # Pending: no scope, no group, no back office.
    assert scope_of(fresh(newcomer)).roles == frozenset()
    assert groups_of(newcomer) == set()
    assert not fresh(newcomer).is_staff


def test_nobody_gives_themselves_a_role(administrator, organisation):
    error = refused(
        membership_grant,
        acting_user=administrator,
        user=administrator,
        organisation=organisation,
        role=Role.COORDINATOR,
    )
    assert error.kind == FORBIDDEN
    assert "Nobody changes their own memberships" in error.message_dict["user"][0]
    assert not Membership.objects.filter(user=administrator, role=Role.COORDINATOR).exists()
    assert not AuditEntry.objects.exists()


def test_nobody_changes_or_ends_their_own_membership(administrator):
    own = administrator.memberships.get()
    for call, kwargs in [
        (membership_change_role, {"role": Role.OFFICIAL}),
        (membership_deactivate, {}),
    ]:
        error = refused(call, acting_user=administrator, membership=own, **kwargs)
        assert error.kind == FORBIDDEN
    own.refresh_from_db()
    assert (own.role, own.active) == (Role.ADMINISTRATOR, True)


@pytest.mark.parametrize(
    "actor_role", [Role.SOCIAL_WORKER, Role.PROVIDER_STAFF, Role.OFFICIAL, Role.DATA_PROTECTION]
)
def test_no_role_grants_above_its_own(make_member, organisation, actor_role):
    actor = make_member(actor_role)
    for role in [Role.COORDINATOR, Role.ADMINISTRATOR]:
        error = refused(
            membership_grant,
            acting_user=actor,
            user=UserFactory(),
            organisation=organisation,
            role=role,
        )
        assert error.kind == FORBIDDEN
        assert "nobody grants a role above their own" in error.message_dict["role"][0]
    assert not AuditEntry.objects.exists()


def test_a_coordinator_grants_casework_roles_in_their_own_organisation_only(
    coordinator, organisation, other_organisation
):
    colleague = UserFactory()
    membership = membership_grant(
        acting_user=coordinator, user=colleague, organisation=organisation, role=Role.SOCIAL_WORKER
    )
    assert membership.status == MembershipStatus.APPROVED
    assert organisation.pk in scope_of(fresh(colleague)).casework
    error = refused(
        membership_grant,
        acting_user=coordinator,
        user=UserFactory(),
        organisation=other_organisation,
        role=Role.SOCIAL_WORKER,
    )
    assert error.kind == FORBIDDEN
    # ... and never an account role.
    error = refused(
        membership_grant,
        acting_user=coordinator,
        user=UserFactory(),
        organisation=organisation,
        role=Role.ADMINISTRATOR,
    )
    assert error.kind == FORBIDDEN


def test_a_superuser_flag_grants_nothing(superuser, organisation):
    error = refused(
        membership_grant,
        acting_user=superuser,
        user=UserFactory(),
        organisation=organisation,
        role=Role.PROVIDER_STAFF,
    )
    assert error.kind == FORBIDDEN


def test_a_pending_or_inactive_membership_grants_nothing_either(make_member, organisation):
    pending_admin = UserFactory()
    MembershipFactory(
        user=pending_admin,
        organisation=organisation,
        role=Role.ADMINISTRATOR,
        status=MembershipStatus.PENDING,
    )
    error = refused(
        membership_grant,
        acting_user=pending_admin,
        user=UserFactory(),
        organisation=organisation,
        role=Role.OFFICIAL,
    )
    assert error.kind == FORBIDDEN


def test_a_second_active_role_in_the_same_organisation_is_a_conflict(
    administrator, provider_staff, provider_organisation
):
    error = refused(
        membership_grant,
        acting_user=administrator,
        user=provider_staff,
        organisation=provider_organisation,
        role=Role.OFFICIAL,
    )
    assert error.kind == CONFLICT
    assert "change that membership instead" in error.message_dict["organisation"][0]


def test_an_inactive_organisation_gets_no_new_roles(administrator):
    closed = OrganisationFactory(active=False)
    error = refused(
        membership_grant,
        acting_user=administrator,
        user=UserFactory(),
        organisation=closed,
        role=Role.OFFICIAL,
    )
    assert error.kind == CONFLICT and "organisation" in error.message_dict


# --- The second person --------------------------------------------------------------------


@pytest.fixture
def request_by_admin(administrator, organisation):
    """An administrator's request that a newcomer become coordinator of the organisation."""
    return membership_grant(
        acting_user=administrator,
        user=UserFactory(),
        organisation=organisation,
        role=Role.COORDINATOR,
    )


def test_a_coordinator_of_the_organisation_approves_a_request(coordinator, request_by_admin):
    approved = membership_approve(acting_user=coordinator, membership=request_by_admin)
    assert approved.status == MembershipStatus.APPROVED
    assert approved.decided_by == coordinator and approved.decided_at is not None
    newcomer = fresh(approved.user)
    assert approved.organisation_id in scope_of(newcomer).coordinated
    assert groups_of(newcomer) == {group_name(Role.COORDINATOR)}
    assert newcomer.is_staff
    assert list(
        AuditEntry.objects.filter(target_id=str(approved.pk))
        .order_by("pk")
        .values_list("action", flat=True)
    ) == ["membership_grant", "membership_approve"]


def test_a_refused_request_never_counts(coordinator, request_by_admin):
    refused_row = membership_refuse(acting_user=coordinator, membership=request_by_admin)
    assert refused_row.status == MembershipStatus.REFUSED
    assert scope_of(fresh(refused_row.user)).roles == frozenset()
    assert groups_of(refused_row.user) == set()
    # Deciding again is a conflict: the request is no longer awaiting anyone.
    error = refused(membership_approve, acting_user=coordinator, membership=refused_row)
    assert error.kind == CONFLICT


def test_a_coordinator_of_another_organisation_cannot_approve(
    make_member, other_organisation, request_by_admin
):
    stranger = make_member(Role.COORDINATOR, organisation=other_organisation)
    error = refused(membership_approve, acting_user=stranger, membership=request_by_admin)
    assert error.kind == FORBIDDEN
    request_by_admin.refresh_from_db()
    assert request_by_admin.status == MembershipStatus.PENDING


def test_nobody_approves_a_request_they_made(administrator, other_organisation):
    request = membership_grant(
        acting_user=administrator,
        user=UserFactory(),
        organisation=other_organisation,
        role=Role.SOCIAL_WORKER,
    )
    assert request.status == MembershipStatus.PENDING
    # The administrator has since become a coordinator of that organisation too: still not
    # the second person for their own request.
    MembershipFactory(user=administrator, organisation=other_organisation, role=Role.COORDINATOR)
    error = refused(membership_approve, acting_user=fresh(administrator), membership=request)
    assert error.kind == FORBIDDEN
    assert "second person" in error.message_dict["status"][0]
    request.refresh_from_db()
    assert request.status == MembershipStatus.PENDING


def test_the_database_refuses_a_decision_by_the_requester(administrator, request_by_admin):
    with pytest.raises(IntegrityError), transaction.atomic():
        Membership.objects.filter(pk=request_by_admin.pk).update(
            status=MembershipStatus.APPROVED, decided_by=administrator
        )


def test_the_database_refuses_a_self_granted_membership(organisation):
    user = UserFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Membership.objects.create(
            user=user, organisation=organisation, role=Role.COORDINATOR, requested_by=user
        )


def test_changing_to_a_casework_role_waits_for_approval(administrator, official, organisation):
    membership = official.memberships.get()
    changed = membership_change_role(
        acting_user=administrator, membership=membership, role=Role.COORDINATOR
    )
    assert (changed.role, changed.status) == (Role.COORDINATOR, MembershipStatus.PENDING)
    assert scope_of(fresh(official)).roles == frozenset()
    assert groups_of(official) == set()


def test_a_refused_membership_may_be_asked_for_again(
    administrator, coordinator, request_by_admin, organisation
):
    membership_refuse(acting_user=coordinator, membership=request_by_admin)
    again = membership_grant(
        acting_user=administrator,
        user=request_by_admin.user,
        organisation=organisation,
        role=Role.SOCIAL_WORKER,
    )
    assert again.pk == request_by_admin.pk
    assert (again.role, again.status, again.decided_by) == (
        Role.SOCIAL_WORKER,
        MembershipStatus.PENDING,
        None,
    )


def test_provider_staff_approve_the_provider_roles_asked_for_their_organisation(
    administrator, provider_staff, provider_organisation
):
    # Provider staff read the people referred to them: an administrator only asks.
    request = membership_grant(
        acting_user=administrator,
        user=UserFactory(),
        organisation=provider_organisation,
        role=Role.PROVIDER_STAFF,
    )
    assert request.status == MembershipStatus.PENDING
    approved = membership_approve(acting_user=provider_staff, membership=request)
    assert provider_organisation.pk in scope_of(fresh(approved.user)).provider
    assert groups_of(approved.user) == {group_name(Role.PROVIDER_STAFF)}
    # ... and a member of the staff gives the role to a colleague at once.
    colleague = membership_grant(
        acting_user=provider_staff,
        user=UserFactory(),
        organisation=provider_organisation,
        role=Role.PROVIDER_STAFF,
    )
    assert colleague.status == MembershipStatus.APPROVED


# --- Deactivation and groups --------------------------------------------------------------


def test_groups_follow_the_memberships(administrator, provider_organisation, organisation):
    user = UserFactory()
    first = membership_grant(
        acting_user=administrator,
        user=user,
        organisation=provider_organisation,
        role=Role.OFFICIAL,
    )
    second = membership_grant(
        acting_user=administrator, user=user, organisation=organisation, role=Role.ADMINISTRATOR
    )
    assert groups_of(user) == {group_name(Role.OFFICIAL), group_name(Role.ADMINISTRATOR)}
    membership_deactivate(acting_user=administrator, membership=first)
    assert groups_of(user) == {group_name(Role.ADMINISTRATOR)}
    assert fresh(user).is_staff
    membership_deactivate(acting_user=administrator, membership=second)
    assert groups_of(user) == set()
    assert not fresh(user).is_staff
    actions = AuditEntry.objects.filter(action="membership_deactivate")
    assert actions.count() == 2


def test_a_group_or_permission_given_by_hand_does_not_survive_a_sync(provider_staff):
    provider_staff.groups.add(Group.objects.get(name=group_name(Role.ADMINISTRATOR)))
    provider_staff.user_permissions.add(Permission.objects.get(codename="view_beneficiary"))
    sync_user_groups(provider_staff)
    assert groups_of(provider_staff) == {group_name(Role.PROVIDER_STAFF)}
    assert not fresh(provider_staff).user_permissions.exists()


def test_a_coordinator_ends_casework_roles_in_their_organisation_but_not_account_roles(
    coordinator, social_worker, official
):
    membership_deactivate(acting_user=coordinator, membership=social_worker.memberships.get())
    assert not social_worker.memberships.get().active
    error = refused(
        membership_deactivate, acting_user=coordinator, membership=official.memberships.get()
    )
    assert error.kind == FORBIDDEN
    error = refused(
        membership_deactivate, acting_user=coordinator, membership=social_worker.memberships.get()
    )
    assert error.kind == CONFLICT


# --- The operator's bootstrap ---------------------------------------------------------------


def test_the_command_grants_the_first_coordinator_and_then_only_asks(organisation, capsys):
    first, second = UserFactory(username="first-coord"), UserFactory(username="second-coord")
    call_command(
        "grant_membership",
        "first-coord",
        organisation=organisation.tax_code,
        role=Role.COORDINATOR,
    )
    membership = Membership.objects.get(user=first)
    assert membership.status == MembershipStatus.APPROVED and membership.requested_by is None
    assert groups_of(first) == {group_name(Role.COORDINATOR)}
    entry = AuditEntry.objects.get(action="membership_grant")
    assert (entry.actor, entry.via) == (None, "command")
    assert "granted" in capsys.readouterr().out

    # Now the organisation has a coordinator: the next casework role is theirs to approve.
    call_command(
        "grant_membership",
        "second-coord",
        organisation=organisation.tax_code,
        role=Role.SOCIAL_WORKER,
    )
    assert Membership.objects.get(user=second).status == MembershipStatus.PENDING
    assert "requested" in capsys.readouterr().out


def test_the_command_refuses_with_the_domain_message(organisation):
    with pytest.raises(CommandError, match="No user named"):
        call_command(
            "grant_membership", "nobody", organisation=organisation.tax_code, role="official"
        )
    closed = OrganisationFactory(active=False)
    UserFactory(username="someone")
    with pytest.raises(CommandError, match="inactive"):
        call_command("grant_membership", "someone", organisation=closed.tax_code, role="official")


def test_without_the_command_door_no_user_means_no_grant(organisation):
    # Only a management command may act as the server's operator.
    error = refused(
        membership_grant,
        acting_user=None,
        user=UserFactory(),
        organisation=organisation,
        role=Role.COORDINATOR,
    )
    assert error.kind == FORBIDDEN


def test_the_migration_derives_every_users_groups_from_the_memberships(
    make_member, provider_staff, superuser
):
    import importlib

    from django.apps import apps

    migration = importlib.import_module("services.migrations.0004_membership_approval")
    stale = make_member(Role.COORDINATOR, active=False)
    stale.groups.add(Group.objects.get(name=group_name(Role.COORDINATOR)))
    stale.user_permissions.add(Permission.objects.get(codename="view_beneficiary"))
    type(stale).objects.filter(pk=stale.pk).update(is_staff=True)
    migration.derive_groups(apps, None)
    assert groups_of(stale) == set() and not fresh(stale).is_staff
    assert not fresh(stale).user_permissions.exists()
    assert groups_of(provider_staff) == {group_name(Role.PROVIDER_STAFF)}
    assert fresh(provider_staff).is_staff
    assert fresh(superuser).is_staff  # an operator's superuser keeps the admin's door
