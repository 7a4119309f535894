"""Demo accounts: case workers and provider staff of each organisation, and one login per
role (``demo-*``) with a known password, each in its role's permission group (derived
from its membership, ``services.roles.sync_user_groups``). None is a superuser."""

from __future__ import annotations

import math
import random
import string
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX, make_password
from django.contrib.auth.models import Group
from django.db.models import Q
from django.utils import timezone

from demo.bulk import TableWriter
from demo.directory import MetroDirectory, OrgPlan, slug
from demo.names import ITALIAN_FEMALE, ITALIAN_MALE, ITALIAN_SURNAMES
from demo.scales import CASES_PER_WORKER
from services.models import Membership, MembershipStatus, Role
from services.roles import group_name, sync_role_groups, sync_user_groups

DEMO_PASSWORD = "atlante-demo"  # noqa: S105 - the published password of the demo logins


@dataclass(frozen=True)
class DemoLogin:
    username: str
    role: str
    description: str


DEMO_LOGINS = (
    DemoLogin(
        "demo-social-worker",
        Role.SOCIAL_WORKER,
        "social worker of a municipal social service: the cases of that service",
    ),
    DemoLogin(
        "demo-coordinator",
        Role.COORDINATOR,
        "coordinator of the same service: its cases, protected ones too",
    ),
    DemoLogin(
        "demo-provider",
        Role.PROVIDER_STAFF,
        "staff of a third-sector provider: its services, capacity, referrals to it",
    ),
    DemoLogin(
        "demo-official",
        Role.OFFICIAL,
        "official of the metropolitan city: territory and directory, no personal data",
    ),
    DemoLogin("demo-admin", Role.ADMINISTRATOR, "administrator: configuration and users"),
)
DEMO_USERNAMES = tuple(login.username for login in DEMO_LOGINS)
# Worker accounts are named op.<organisation id>.<n>.
WORKER_USERNAME_REGEX = r"^op\.[0-9]+\.[0-9]+$"


def demo_users_q() -> Q:
    return Q(username__in=DEMO_USERNAMES) | Q(username__regex=WORKER_USERNAME_REGEX)


def demo_data_exists() -> bool:
    return get_user_model().objects.filter(username__in=DEMO_USERNAMES).exists()


@dataclass
class Staff:
    """The case workers of each casework organisation, by organisation id."""

    workers: dict[int, list[int]] = field(default_factory=dict)
    coordinators: dict[int, int] = field(default_factory=dict)
    demo_social_worker: int = 0
    demo_coordinator: int = 0
    demo_casework_org: OrgPlan | None = None
    demo_provider_org: OrgPlan | None = None
    accounts: int = 0
    memberships: int = 0


def expected_case_shares(directory: MetroDirectory) -> dict[int, float]:
    """Share of a city's cases each casework organisation takes (see people.case_org)."""
    shares: dict[int, float] = {}
    population = directory.metro.population
    ets = [org for org in directory.casework_ets if org.active]
    municipal_share = 0.8 if ets else 1.0
    for org in directory.orgs:
        if org.kind == "municipal":
            shares[org.id] = municipal_share * org.catchment_population / population
    for org in ets:
        shares[org.id] = (1 - municipal_share) / len(ets)
    return shares


def create_staff(
    rng: random.Random,
    directories: list[MetroDirectory],
    cases_by_metro: dict[str, int],
) -> Staff:
    """Worker accounts and memberships for every organisation, then the demo logins."""
    User = get_user_model()
    now = timezone.now()
    groups = {role: _group(role) for role in Role.values}
    staff = Staff()
    users: list = []
    roles: list[tuple[OrgPlan, str]] = []
    for directory in directories:
        shares = expected_case_shares(directory)
        for org in directory.orgs:
            if org.id in shares:
                expected = shares[org.id] * cases_by_metro[directory.metro.slug]
                count = max(2, math.ceil(expected / CASES_PER_WORKER))
                plan = [Role.COORDINATOR] + [Role.SOCIAL_WORKER] * (count - 1)
            elif org.kind in ("ets", "private"):
                plan = [Role.PROVIDER_STAFF] * rng.choice((1, 1, 2))
            else:
                plan = [Role.OFFICIAL]
            for number, role in enumerate(plan, start=1):
                users.append(_worker(rng, org, number, now))
                roles.append((org, role))
    User.objects.bulk_create(users, batch_size=2000)

    # Seeded by the operator who runs the command: approved, with nobody named as asking.
    memberships = TableWriter(
        Membership, ["user", "organisation", "role", "active", "status", "created_at"]
    )
    memberships.write(
        (user.pk, org.id, role, True, MembershipStatus.APPROVED, now)
        for user, (org, role) in zip(users, roles, strict=True)
    )
    group_links = TableWriter(User.groups.through, ["user", "group"])
    group_links.write(
        (user.pk, groups[role].pk) for user, (_, role) in zip(users, roles, strict=True)
    )
    for user, (org, role) in zip(users, roles, strict=True):
        if role == Role.COORDINATOR:
            staff.coordinators[org.id] = user.pk
        if role in (Role.COORDINATOR, Role.SOCIAL_WORKER):
            staff.workers.setdefault(org.id, []).append(user.pk)
    staff.accounts = len(users)
    staff.memberships = memberships.count
    _create_demo_logins(rng, directories[0], staff)
    return staff


def _group(role: str) -> Group:
    return Group.objects.filter(name=group_name(role)).first() or sync_role_groups()[role]


def _worker(rng: random.Random, org: OrgPlan, number: int, now):
    User = get_user_model()
    female = rng.random() < 0.75  # most social workers in Italy are women
    first = rng.choice(ITALIAN_FEMALE if female else ITALIAN_MALE)
    last = rng.choice(ITALIAN_SURNAMES)
    unusable = UNUSABLE_PASSWORD_PREFIX + "".join(
        rng.choice(string.ascii_letters + string.digits) for _ in range(40)
    )
    return User(
        username=f"op.{org.id}.{number}",
        password=unusable,
        first_name=first,
        last_name=last,
        email=f"{slug(first)}.{slug(last)}@{org.domain}",
        is_staff=True,
        is_active=True,
        date_joined=now,
    )


def _create_demo_logins(rng: random.Random, directory: MetroDirectory, staff: Staff) -> None:
    """One login per role, in organisations of the first (chosen) metropolitan city."""
    User = get_user_model()
    capital_service = next(
        org for org in directory.orgs if org.kind == "municipal" and org.home.is_capital
    )
    # A third-sector provider with many services in the capital, which receives referrals.
    providers = [
        org
        for org in directory.orgs
        if org.kind == "ets" and org.active and org.profile == "low_threshold"
    ] or [org for org in directory.orgs if org.kind == "ets" and org.active]
    provider = max(providers, key=lambda org: (len(org.categories), org.home.is_capital, -org.id))
    staff.demo_casework_org = capital_service
    staff.demo_provider_org = provider
    password = make_password(DEMO_PASSWORD)
    placements = {
        "demo-social-worker": (capital_service, "Giulia", "Marchetti"),
        "demo-coordinator": (capital_service, "Paola", "Ferrante"),
        "demo-provider": (provider, "Luca", "Benedetti"),
        "demo-official": (directory.metro_body, "Stefano", "Orlandi"),
        "demo-admin": (directory.metro_body, "Chiara", "Valli"),
    }
    for login in DEMO_LOGINS:
        org, first, last = placements[login.username]
        # No demo login is a superuser: the administrator is a plain account whose
        # administrator membership opens the pages of its role, like everyone's.
        user = User.objects.create(
            username=login.username,
            password=password,
            first_name=first,
            last_name=last,
            email=f"{login.username}@{org.domain}",
            is_superuser=False,
        )
        Membership.objects.create(
            user=user,
            organisation_id=org.id,
            role=login.role,
            status=MembershipStatus.APPROVED,
        )
        sync_user_groups(user)
        staff.accounts += 1
        staff.memberships += 1
        if login.role == Role.SOCIAL_WORKER:
            staff.demo_social_worker = user.pk
            staff.workers.setdefault(org.id, []).append(user.pk)
        elif login.role == Role.COORDINATOR:
            staff.demo_coordinator = user.pk
