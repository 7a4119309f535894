"""Memberships: the one reader of who works for which organisation, and in which role.

Every rule that depends on a user's organisations (the visibility of personal data, the
domain actions, the admin's choices, the workspace's doors) reads them here:
inactive users, inactive memberships and inactive organisations grant nothing, a
membership awaiting approval (or refused) grants nothing, and a superuser flag grants
nothing either.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q

from services.models import Membership, MembershipStatus, Role

CASEWORK_ROLES = (Role.SOCIAL_WORKER, Role.COORDINATOR)


def counting_q(prefix: str = "") -> Q:
    """The memberships that grant their role: active, approved, in an active organisation
    (``prefix``: the path to the membership, e.g. ``"memberships__"`` from a user)."""
    return Q(
        **{
            f"{prefix}active": True,
            f"{prefix}status": MembershipStatus.APPROVED,
            f"{prefix}organisation__active": True,
        }
    )


@dataclass(frozen=True)
class Scope:
    """The organisations through which a user may reach personal data, by kind of access."""

    user_id: int | None
    casework: frozenset[int]
    coordinated: frozenset[int]
    provider: frozenset[int]
    # Every organisation the user is an active member of, in any role, and the roles.
    organisations: frozenset[int] = frozenset()
    roles: frozenset[str] = frozenset()
    # Officials' and administrators' organisations: the dashboards' cities come from them.
    planning: frozenset[int] = frozenset()

    @property
    def empty(self) -> bool:
        return not (self.casework or self.provider)


NO_SCOPE = Scope(None, frozenset(), frozenset(), frozenset())


def scope_of(user) -> Scope:
    """The user's scope, computed with one query and cached on the user object."""
    if user is None or not user.is_authenticated or not user.is_active:
        return NO_SCOPE
    cached = getattr(user, "_atlante_scope", None)
    if cached is not None:
        return cached
    rows = Membership.objects.filter(counting_q(), user=user).values_list("organisation_id", "role")
    by_role: dict[str, set[int]] = {}
    for organisation_id, role in rows:
        by_role.setdefault(role, set()).add(organisation_id)
    scope = Scope(
        user_id=user.pk,
        casework=frozenset(
            by_role.get(Role.SOCIAL_WORKER, set()) | by_role.get(Role.COORDINATOR, set())
        ),
        coordinated=frozenset(by_role.get(Role.COORDINATOR, set())),
        provider=frozenset(by_role.get(Role.PROVIDER_STAFF, set())),
        organisations=frozenset(org for orgs in by_role.values() for org in orgs),
        roles=frozenset(by_role),
        planning=frozenset(
            by_role.get(Role.OFFICIAL, set()) | by_role.get(Role.ADMINISTRATOR, set())
        ),
    )
    user._atlante_scope = scope
    return scope
