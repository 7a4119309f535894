"""What each role may do in the back office, as Django permission groups.

Permissions say which *kinds* of record a role may open; which *records* it sees is the
scoping function's business (``beneficiaries/visibility.py``). One group per role, kept
in step with this table after every migration.
"""

from django.contrib.auth.models import Group, Permission

from services.memberships import counting_q, scope_of
from services.models import Membership, Role

VIEW, ADD, CHANGE = "view", "add", "change"
_PERSONAL = ["beneficiary", "case", "need", "referral", "consent", "note"]
_DIRECTORY = ["organisation", "service", "site", "serviceatsite", "capacity", "openinghours"]
_TERRITORY = ["metropolitancity", "municipality", "zone"]
# Coverage standards and population by group: officials plan with them (issue 4).
_PLANNING = ["standard", "populationfigure", "traveltime"]
_COVERAGE = ["coveragerun", "coverageresult"]


def _perms(app: str, models: list[str], actions: tuple[str, ...]) -> list[str]:
    return [f"{app}.{action}_{model}" for model in models for action in actions]


_CASEWORK = (
    _perms("beneficiaries", _PERSONAL, (VIEW, ADD, CHANGE))
    + _perms("housing", ["placement"], (VIEW, ADD, CHANGE))
    + _perms("housing", ["housingunit"], (VIEW,))
    + _perms("services", [*_DIRECTORY, "servicecategory", "language"], (VIEW,))
    + _perms("registry", _TERRITORY, (VIEW,))
)

# Coordinators approve or refuse the casework roles asked for in their organisations,
# provider staff the provider roles, data-protection officers the data-protection roles
# (services/actions/memberships.py).
_APPROVE_MEMBERSHIPS = _perms("services", ["membership"], (VIEW, CHANGE))

ROLE_PERMISSIONS: dict[str, list[str]] = {
    Role.SOCIAL_WORKER: _CASEWORK,
    Role.COORDINATOR: _CASEWORK + _APPROVE_MEMBERSHIPS,
    Role.PROVIDER_STAFF: (
        _perms("services", ["organisation"], (VIEW, CHANGE))
        + _perms("services", _DIRECTORY[1:], (VIEW, ADD, CHANGE))
        + _perms("services", ["servicecategory", "language"], (VIEW,))
        + _perms("beneficiaries", ["referral"], (VIEW, CHANGE))
        + _perms("housing", ["housingunit"], (VIEW, ADD, CHANGE))
        + _perms("housing", ["placement"], (VIEW,))
        + _perms("registry", _TERRITORY, (VIEW,))
        + _APPROVE_MEMBERSHIPS
    ),
    Role.OFFICIAL: (
        _perms("registry", _TERRITORY, (VIEW, ADD, CHANGE))
        + _perms("gaps", _PLANNING, (VIEW, ADD, CHANGE))
        + _perms("gaps", _COVERAGE, (VIEW,))
        + _perms("services", [*_DIRECTORY, "servicecategory", "language"], (VIEW,))
        + _perms("housing", ["housingunit"], (VIEW,))
    ),
    Role.ADMINISTRATOR: (
        _perms("registry", _TERRITORY, (VIEW, ADD, CHANGE))
        + _perms("gaps", _PLANNING, (VIEW, ADD, CHANGE))
        + _perms("gaps", _COVERAGE, (VIEW,))
        + _perms("services", [*_DIRECTORY, "servicecategory", "language"], (VIEW, ADD, CHANGE))
        + _perms("services", ["membership"], (VIEW, ADD, CHANGE))
        + _perms("housing", ["housingunit"], (VIEW, ADD, CHANGE))
        + _perms("auth", ["user"], (VIEW, ADD, CHANGE))
        + _perms("security", ["securityevent"], (VIEW,))
        # django-axes' lockouts: administrators see them and lift one by deleting it.
        + _perms("axes", ["accessattempt", "accesslog", "accessfailurelog"], (VIEW,))
        + ["axes.delete_accessattempt"]
    ),
    # The access report is its own page (security); no model of personal data opens.
    Role.DATA_PROTECTION: _perms("security", ["securityevent"], (VIEW,)) + _APPROVE_MEMBERSHIPS,
}


def group_name(role: str) -> str:
    return f"role:{role}"


def sync_role_groups() -> dict[str, Group]:
    """Create or update one group per role with exactly the permissions above."""
    wanted = {perm for perms in ROLE_PERMISSIONS.values() for perm in perms}
    by_key = {
        f"{p.content_type.app_label}.{p.codename}": p
        for p in Permission.objects.select_related("content_type").filter(
            codename__in={key.split(".", 1)[1] for key in wanted}
        )
    }
    groups = {}
    for role, perms in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=group_name(role))
        group.permissions.set([by_key[key] for key in perms if key in by_key])
        groups[role] = group
    return groups


# Every role has pages in the back office (the data-protection officer: the security
# events and the access report), so any counting membership opens its door.
BACK_OFFICE_ROLES = frozenset(Role.values)


def _role_groups() -> dict[str, Group]:
    groups = {group.name: group for group in Group.objects.filter(name__startswith="role:")}
    if len(groups) < len(ROLE_PERMISSIONS):
        return sync_role_groups()
    return {role: groups[group_name(role)] for role in ROLE_PERMISSIONS}


def sync_user_groups(user) -> None:
    """Derive the user's permission groups and staff flag from their memberships, the one
    source of role truth: exactly the groups of the roles of their active, approved
    memberships of active organisations (``counting_q``), no other group and no
    permission of their own; staff while one of those roles has back-office pages.

    Called by every membership action (a signal would miss bulk updates). A superuser
    flag, set only by an operator on the server, keeps the admin's door open but is
    neither given nor taken here, and grants no personal data anywhere (``scope_of``)."""
    roles = set(
        Membership.objects.filter(counting_q(), user_id=user.pk).values_list("role", flat=True)
    )
    groups = _role_groups()
    user.groups.set([groups[role] for role in sorted(roles)])
    user.user_permissions.clear()
    staff = bool(roles & BACK_OFFICE_ROLES) or user.is_superuser
    if user.is_staff != staff:
        user.is_staff = staff
        user.save(update_fields=["is_staff"])
    # The cached scope (and Django's permission caches) described the old memberships.
    for cache in ("_atlante_scope", "_perm_cache", "_user_perm_cache", "_group_perm_cache"):
        user.__dict__.pop(cache, None)


def grant_role_group(user, role: str) -> None:
    """For fixtures and scripts that name the role they expect: recompute the user's
    groups from their memberships (``sync_user_groups``), refusing when no counting
    membership gives that role (a group is never given on its own)."""
    sync_user_groups(user)
    if not user.groups.filter(name=group_name(role)).exists():
        raise ValueError(f"{user} holds no active, approved {role} membership")


def role_permissions(user) -> frozenset[str]:
    """The permissions the user's active memberships grant (``scope_of`` reads them once
    per request); staff flags and superuser status add nothing. The API's endpoint rules
    read it through ``settings.API_ROLE_PERMISSIONS``."""
    return frozenset(perm for role in scope_of(user).roles for perm in ROLE_PERMISSIONS[role])
