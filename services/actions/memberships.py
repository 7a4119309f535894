"""Who holds which role where: the membership actions, the one way a role is given,
changed, approved, refused or taken away.

**Role order.** Roles stand in four branches, and nobody grants a role above their own
or outside their branch:

* accounts — ``official`` < ``administrator``: administrators keep the accounts of every
  organisation;
* casework — ``social_worker`` < ``coordinator``: a coordinator, in their own organisation;
* provider — ``provider_staff``: the staff of a provider, in their own organisation;
* data protection — ``data_protection``: a data-protection officer, in their own
  organisation.

The roles that read personal data (``PERSONAL_DATA_ROLES``: social workers and
coordinators their organisation's cases, provider staff the people referred to them,
data-protection officers who read whom) are never given by an administrator: an
administrator's grant of one is a **request**, pending until a second person approves it —
a coordinator of that organisation for a casework role, a member of its staff for the
provider role, a data-protection officer of that organisation for the data-protection
role — who is neither the person asking nor the person named (``membership_approve``,
``membership_refuse``). So administrators administer accounts and never read personal
data, not even by giving themselves or an accomplice (or a second account of their own) a
role.

**Nobody changes their own memberships** (the database holds it too: a membership is never
requested or decided by its own user, nor decided by whoever requested it).

**Bootstrap.** An organisation with no coordinator (or no data-protection officer) has
nobody to approve its first one: an operator on the server runs ``manage.py
grant_membership`` (``acting_user=None``, allowed only through the ``command`` door, and
audited as such); so does a new provider's first staff member. Where an approver exists,
the command's grant is a request too.

Every action runs in one transaction, writes one ``AuditEntry`` and recomputes the user's
permission groups and staff flag from their memberships (``services.roles.sync_user_groups``).
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core import audit, channel
from core.actions import full_clean
from core.errors import CONFLICT, FORBIDDEN, INVALID, ActionError
from core.locking import locked
from services.memberships import counting_q, scope_of
from services.models import Membership, MembershipStatus, Organisation, Role
from services.roles import sync_user_groups

PERSONAL_DATA_ROLES = frozenset(
    {Role.SOCIAL_WORKER, Role.COORDINATOR, Role.PROVIDER_STAFF, Role.DATA_PROTECTION}
)

# What each role grants directly, and whether anywhere (True) or only in the
# organisations where the granting role is held (False).
GRANTS: dict[str, tuple[frozenset[str], bool]] = {
    Role.ADMINISTRATOR: (frozenset({Role.OFFICIAL, Role.ADMINISTRATOR}), True),
    Role.COORDINATOR: (frozenset({Role.SOCIAL_WORKER, Role.COORDINATOR}), False),
    Role.PROVIDER_STAFF: (frozenset({Role.PROVIDER_STAFF}), False),
    Role.DATA_PROTECTION: (frozenset({Role.DATA_PROTECTION}), False),
}
# Who approves a request for a role that reads personal data, in the same organisation.
APPROVER: dict[str, str] = {
    Role.SOCIAL_WORKER: Role.COORDINATOR,
    Role.COORDINATOR: Role.COORDINATOR,
    Role.PROVIDER_STAFF: Role.PROVIDER_STAFF,
    Role.DATA_PROTECTION: Role.DATA_PROTECTION,
}


# --- Rules ------------------------------------------------------------------------------


def _roles_at(user, organisation_id: int) -> set[str]:
    """The roles the user holds (counting memberships) in the organisation."""
    return set(
        Membership.objects.filter(
            counting_q(), user_id=user.pk, organisation_id=organisation_id
        ).values_list("role", flat=True)
    )


def may_grant_directly(user, organisation_id: int, role: str) -> bool:
    """Whether the user's own roles let them give ``role`` in the organisation outright."""
    scope = scope_of(user)
    for held in scope.roles:
        grantable, anywhere = GRANTS.get(held, (frozenset(), False))
        if role in grantable and (anywhere or held in _roles_at(user, organisation_id)):
            return True
    return False


def may_request(user, role: str) -> bool:
    """Administrators ask for the roles that read personal data; a second person decides."""
    return role in PERSONAL_DATA_ROLES and Role.ADMINISTRATOR in scope_of(user).roles


def may_approve(user, membership: Membership) -> bool:
    """A holder of the approving role in the membership's organisation, who neither asked
    for it nor is named in it."""
    approver = APPROVER.get(membership.role)
    if approver is None or user is None or not user.is_authenticated:
        return False
    if user.pk in (membership.user_id, membership.requested_by_id):
        return False
    return approver in _roles_at(user, membership.organisation_id)


def may_remove(user, membership: Membership) -> bool:
    """Administrators take any role away (closing an account never reads anything); the
    holders of a branch's top role the roles of their branch in their organisation."""
    return Role.ADMINISTRATOR in scope_of(user).roles or may_grant_directly(
        user, membership.organisation_id, membership.role
    )


def _is_operator(acting_user) -> bool:
    """No user: an operator on the server, which only a management command may claim."""
    return acting_user is None and channel.current() == channel.COMMAND


def _require_actor(acting_user) -> None:
    if _is_operator(acting_user):
        return
    if acting_user is None or not getattr(acting_user, "is_authenticated", False):
        raise ActionError.on(None, _("Sign in to change memberships."), kind=FORBIDDEN)


def _refuse_own(acting_user, user_id: int) -> None:
    if acting_user is not None and acting_user.pk == user_id:
        raise ActionError.on(
            "user",
            _(
                "Nobody changes their own memberships: ask an administrator (and, for a "
                "role that reads personal data, a coordinator of the organisation)."
            ),
            kind=FORBIDDEN,
        )


def _require_active_organisation(organisation: Organisation) -> None:
    if not organisation.active:
        raise ActionError.on(
            "organisation",
            _("This organisation is inactive: reactivate it before giving roles in it."),
            kind=CONFLICT,
        )


def _has_approver(organisation_id: int, role: str) -> bool:
    approver = APPROVER.get(role)
    return (
        approver is not None
        and Membership.objects.filter(
            counting_q(), organisation_id=organisation_id, role=approver, user__is_active=True
        ).exists()
    )


def status_for(acting_user, organisation: Organisation, role: str) -> str:
    """Whether the actor's grant of ``role`` takes effect now (approved) or waits for a
    second person (pending); refused (``forbidden``, on ``role``) if neither."""
    if role not in Role.values:
        raise ActionError.on("role", _("Choose a role from the list."), kind=INVALID)
    if _is_operator(acting_user):
        # The bootstrap: direct only where nobody could approve it.
        if role in APPROVER and _has_approver(organisation.pk, role):
            return MembershipStatus.PENDING
        return MembershipStatus.APPROVED
    if may_grant_directly(acting_user, organisation.pk, role):
        return MembershipStatus.APPROVED
    if may_request(acting_user, role):
        return MembershipStatus.PENDING
    raise ActionError.on(
        "role",
        _(
            "You cannot give the role “%(role)s” in %(organisation)s: nobody grants a role "
            "above their own. Administrators give official and administrator roles, and ask "
            "for the roles that read personal data, which a coordinator (provider staff "
            "member, data-protection officer) of the organisation then approves."
        )
        % {"role": Role(role).label, "organisation": organisation},
        kind=FORBIDDEN,
    )


def _finish(acting_user, membership: Membership, action: str, fields, details: dict):
    """Save, audit, and derive the user's groups from their memberships."""
    full_clean(membership)
    membership.save()
    audit.record(
        acting_user=acting_user,
        action=action,
        target=membership,
        fields=fields,
        details={"role": membership.role, "status": membership.status, **details},
    )
    sync_user_groups(membership.user)
    return membership


def _locked(membership: Membership) -> Membership:
    return locked(Membership.objects.select_related("user", "organisation"), membership.pk)


# --- Actions ----------------------------------------------------------------------------


@transaction.atomic
def membership_grant(*, acting_user, user, organisation: Organisation, role: str) -> Membership:
    """Give ``user`` the ``role`` in ``organisation``: at once where the actor may grant it,
    as a request awaiting a second person's approval where they may only ask for it.

    A user has one role per organisation: an inactive or refused one is given again in the
    same row, an active one is changed with ``membership_change_role``."""
    _require_actor(acting_user)
    user = get_user_model().objects.select_for_update().get(pk=user.pk)
    organisation = Organisation.objects.get(pk=organisation.pk)
    _refuse_own(acting_user, user.pk)
    if not user.is_active:
        raise ActionError.on(
            "user", _("This account is deactivated: reactivate it first."), kind=CONFLICT
        )
    _require_active_organisation(organisation)
    status = status_for(acting_user, organisation, role)
    existing = (
        Membership.objects.select_for_update().filter(user=user, organisation=organisation).first()
    )
    if existing is not None and existing.active and existing.status != MembershipStatus.REFUSED:
        raise ActionError.on(
            "organisation",
            _(
                "This user already has a role in this organisation (%(role)s, %(status)s): "
                "change that membership instead."
            )
            % {"role": existing.get_role_display(), "status": existing.get_status_display()},
            kind=CONFLICT,
        )
    membership = existing or Membership(user=user, organisation=organisation)
    membership.role = role
    membership.active = True
    membership.status = status
    membership.requested_by = acting_user
    membership.decided_by = None
    membership.decided_at = None
    return _finish(
        acting_user,
        membership,
        "membership_grant",
        ["user", "organisation", "role", "active", "status"],
        {"again": existing is not None},
    )


@transaction.atomic
def membership_change_role(*, acting_user, membership: Membership, role: str) -> Membership:
    """Give the member another role in the same organisation. The actor must be able to
    take the current role away and to give the new one; a new role that reads personal
    data, asked for by an administrator, waits for approval (and the old one no longer
    counts meanwhile: one role per organisation)."""
    _require_actor(acting_user)
    membership = _locked(membership)
    _refuse_own(acting_user, membership.user_id)
    if role == membership.role:
        raise ActionError.on("role", _("The member already has this role."), kind=INVALID)
    if not _is_operator(acting_user) and not may_remove(acting_user, membership):
        raise ActionError.on(
            "role",
            _("You cannot change this role: it is not one you give."),
            kind=FORBIDDEN,
        )
    _require_active_organisation(membership.organisation)
    status = status_for(acting_user, membership.organisation, role)
    previous = membership.role
    membership.role = role
    membership.status = status
    membership.requested_by = acting_user
    membership.decided_by = None
    membership.decided_at = None
    return _finish(
        acting_user, membership, "membership_change_role", ["role", "status"], {"from": previous}
    )


@transaction.atomic
def membership_deactivate(*, acting_user, membership: Membership) -> Membership:
    """Take the role away (a pending request: withdraw it). Kept, inactive, for the
    record."""
    _require_actor(acting_user)
    membership = _locked(membership)
    _refuse_own(acting_user, membership.user_id)
    if not membership.active:
        raise ActionError.on("active", _("This membership is inactive already."), kind=CONFLICT)
    if not _is_operator(acting_user) and not may_remove(acting_user, membership):
        raise ActionError.on(
            "active",
            _("You cannot take this role away: it is not one you give."),
            kind=FORBIDDEN,
        )
    membership.active = False
    return _finish(acting_user, membership, "membership_deactivate", ["active"], {})


def _decide(acting_user, membership: Membership, status: str, action: str) -> Membership:
    _require_actor(acting_user)
    membership = _locked(membership)
    _refuse_own(acting_user, membership.user_id)
    if membership.status != MembershipStatus.PENDING or not membership.active:
        raise ActionError.on(
            "status",
            _("This membership is not awaiting approval (it is %(status)s).")
            % {"status": membership.get_status_display() if membership.active else _("withdrawn")},
            kind=CONFLICT,
        )
    if acting_user is not None and acting_user.pk == membership.requested_by_id:
        raise ActionError.on(
            "status",
            _("You asked for this role: a second person approves or refuses it."),
            kind=FORBIDDEN,
        )
    if not may_approve(acting_user, membership):
        raise ActionError.on(
            "status",
            _(
                "Only a %(approver)s of %(organisation)s approves or refuses this request "
                "(not the person who asked for it)."
            )
            % {
                "approver": Role(APPROVER.get(membership.role, Role.COORDINATOR)).label,
                "organisation": membership.organisation,
            },
            kind=FORBIDDEN,
        )
    if status == MembershipStatus.APPROVED:
        _require_active_organisation(membership.organisation)
    membership.status = status
    membership.decided_by = acting_user
    membership.decided_at = timezone.now()
    return _finish(acting_user, membership, action, ["status"], {})


@transaction.atomic
def membership_approve(*, acting_user, membership: Membership) -> Membership:
    """The second person's approval of a requested role: from now on it counts."""
    return _decide(acting_user, membership, MembershipStatus.APPROVED, "membership_approve")


@transaction.atomic
def membership_refuse(*, acting_user, membership: Membership) -> Membership:
    """The second person's refusal of a requested role: it never counts."""
    return _decide(acting_user, membership, MembershipStatus.REFUSED, "membership_refuse")
