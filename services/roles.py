"""What each role may do in the back office, as Django permission groups.

Permissions say which *kinds* of record a role may open; which *records* it sees is the
scoping function's business (``beneficiaries/visibility.py``). One group per role, kept
in step with this table after every migration.
"""

from django.contrib.auth.models import Group, Permission

from services.memberships import scope_of
from services.models import Role

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

ROLE_PERMISSIONS: dict[str, list[str]] = {
    Role.SOCIAL_WORKER: _CASEWORK,
    Role.COORDINATOR: _CASEWORK,
    Role.PROVIDER_STAFF: (
        _perms("services", ["organisation"], (VIEW, CHANGE))
        + _perms("services", _DIRECTORY[1:], (VIEW, ADD, CHANGE))
        + _perms("services", ["servicecategory", "language"], (VIEW,))
        + _perms("beneficiaries", ["referral"], (VIEW, CHANGE))
        + _perms("housing", ["housingunit"], (VIEW, ADD, CHANGE))
        + _perms("housing", ["placement"], (VIEW,))
        + _perms("registry", _TERRITORY, (VIEW,))
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
    ),
    # The access report is its own page (security); no model of personal data opens.
    Role.DATA_PROTECTION: [],
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


def grant_role_group(user, role: str) -> None:
    """Put a user in the permission group of a role (staff access to the back office)."""
    group = Group.objects.filter(name=group_name(role)).first() or sync_role_groups()[role]
    user.groups.add(group)
    if not user.is_staff:
        user.is_staff = True
        user.save(update_fields=["is_staff"])


def role_permissions(user) -> frozenset[str]:
    """The permissions the user's active memberships grant (``scope_of`` reads them once
    per request); staff flags and superuser status add nothing. The API's endpoint rules
    read it through ``settings.API_ROLE_PERMISSIONS``."""
    return frozenset(perm for role in scope_of(user).roles for perm in ROLE_PERMISSIONS[role])
