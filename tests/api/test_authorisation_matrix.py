"""The authorisation matrix of /api/v1/, generated from the URL conf (issue 3).

Every route of the ``api`` namespace — the router's viewsets with each action they map,
and the plain views next to them — must have an entry in ``EXPECTED``; a new endpoint or
action without one fails ``test_every_route_is_in_the_matrix``. Each entry says, for each
caller and each kind of object, the exact status the API answers; lists say which of the
world's objects they contain. The rules checked:

* out-of-scope objects answer 404, exactly like missing ones, and never appear in lists;
* a protected case (and its person and placements) reaches only its lead worker, its
  team and the coordinators of the owning organisation; its referral reaches them and the
  receiving provider, who answers it through the sealed view (issue 12);
* provider staff see only the referrals made to their organisation's services (protected
  cases' too), the non-protected cases referred to them and the placements in their
  units;
* officials, administrators and a superuser without memberships reach no personal record
  (their roles do not carry the permission: the whole endpoint answers 403);
* a partner's token needs the rule's scope (403 without it) and then acts as its account;
* the address of a confidential site, or of one hosting a confidential service, and of a
  housing unit, is ``null`` outside the owning organisation.

The world is built once per module; every test runs in a savepoint rolled back after it,
so writes (PATCH, POST) never leak into the next cell.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from beneficiaries.models import Beneficiary, Case, Referral
from config import api_urls
from core.api.permissions import EndpointRule
from core.models import AuditEntry
from gaps.models import CoverageResult, CoverageRun, Standard
from housing.models import HousingUnit, Placement
from partners.onboarding import register_partner
from registry.models import MetropolitanCity, Municipality, Zone
from services.models import (
    Capacity,
    LegalForm,
    Organisation,
    Role,
    Service,
    ServiceCategory,
    ServiceStatus,
    Site,
)
from tests.auth import verified_login
from tests.factories import (
    BeneficiaryFactory,
    CapacityFactory,
    CaseFactory,
    HousingUnitFactory,
    MembershipFactory,
    MetropolitanCityFactory,
    MunicipalityFactory,
    OrganisationFactory,
    PlacementFactory,
    ReferralFactory,
    ServiceAtSiteFactory,
    ServiceCategoryFactory,
    ServiceFactory,
    SiteFactory,
    UserFactory,
    ZoneFactory,
)

ALL_SCOPES = (
    "directory:read",
    "directory:write",
    "capacity:write",
    "referrals:write",
    "cases:read",
)
ADDRESS_FIELDS = ("address", "postal_code", "latitude", "longitude")
NAME = "Matrice"

# --- Callers ------------------------------------------------------------------------------

# Members of ``A`` (the organisation every caller below belongs to): role per user.
MEMBERS = {
    "social_worker": Role.SOCIAL_WORKER,
    "lead_worker": Role.SOCIAL_WORKER,  # leads A's protected case
    "team_member": Role.SOCIAL_WORKER,  # on the team of A's protected case
    "coordinator": Role.COORDINATOR,
    "provider_staff": Role.PROVIDER_STAFF,
    "official": Role.OFFICIAL,
    "administrator": Role.ADMINISTRATOR,
}
# Partner systems of A: a casework one and a provider one, both granted every scope;
# ``partner_noscope`` is the casework partner with a token lacking the rule's scope.
PARTNERS = {"partner_casework": Role.SOCIAL_WORKER, "partner_provider": Role.PROVIDER_STAFF}
CALLERS = (
    "anonymous",
    *MEMBERS,
    "superuser",
    *PARTNERS,
    "partner_noscope",
)
CASEWORK = ("social_worker", "partner_casework")
ON_PROTECTED = ("lead_worker", "team_member", "coordinator")
PROVIDERS = ("provider_staff", "partner_provider")
NO_PERSONAL_DATA = ("official", "administrator", "superuser")

# --- Objects ------------------------------------------------------------------------------

DIRECTORY_KINDS = {
    "organisation": ("own", "other", "inactive"),
    "service": ("own", "other", "confidential_own", "confidential_other", "inactive_own"),
    "site": ("own", "other", "confidential_own", "confidential_other", "hosting_confidential"),
    "service-category": ("any",),
    "municipality": ("any",),
    "zone": ("any",),
    "metropolitan-city": ("any",),
    "capacity": ("own", "other"),
    "housing-unit": ("own", "other"),
}
# own: A's ordinary case; other: B's; protected: A's protected case; incoming: B's case
# referred to A's service; own_unit: B's case placed in A's unit; intake: a person A
# registered without a case.
PERSONAL_KINDS = {
    "beneficiary": ("own", "other", "protected", "incoming", "own_unit", "intake"),
    "case": ("own", "other", "protected", "incoming", "own_unit"),
    "referral": ("own", "other", "protected", "incoming"),
    "placement": ("own", "other", "protected", "incoming", "own_unit"),
}
# Aggregates for planning: officials and administrators only.
AGGREGATE_KINDS = {"coverage-result": ("any",)}
KINDS = {**DIRECTORY_KINDS, **PERSONAL_KINDS, **AGGREGATE_KINDS}

# --- Expectations ---------------------------------------------------------------------------


def each(status: int, **overrides: int):
    """The same status for every kind of object, except the ones named (by kind)."""
    return ("each", status, overrides)


def lists(*kinds: str):
    """200, and the list holds exactly these kinds of the world's objects."""
    return ("lists", frozenset(kinds))


def everyone(expectation, **overrides):
    table = {caller: expectation for caller in CALLERS}
    table.update(overrides)
    return table


def callers(table: dict, *names: str, expectation) -> dict:
    return {**table, **dict.fromkeys(names, expectation)}


# Public directory reads: anyone, a token only with ``directory:read``.
def public_list(basename: str, hidden: tuple[str, ...] = ()):
    shown = [kind for kind in KINDS[basename] if kind not in hidden]
    return everyone(lists(*shown), partner_noscope=403)


def public_retrieve(hidden: tuple[str, ...] = ()):
    return everyone(each(200, **dict.fromkeys(hidden, 404)), partner_noscope=403)


# Personal reads: 401 anonymous, 403 for roles without the permission, 404 out of scope.
def personal(
    *,
    casework: tuple[str, ...],
    on_protected: tuple[str, ...],
    providers: tuple[str, ...] | int,
    officials_status: int = 403,
    list_: bool,
):
    def shown(kinds):
        if list_:
            return lists(*kinds)
        return each(404, **dict.fromkeys(kinds, 200))

    table = everyone(403, anonymous=401)
    table.update(dict.fromkeys(CASEWORK, shown(casework)))
    table.update(dict.fromkeys(ON_PROTECTED, shown(on_protected)))
    table.update(
        dict.fromkeys(PROVIDERS, providers if isinstance(providers, int) else shown(providers))
    )
    table.update(dict.fromkeys(NO_PERSONAL_DATA, officials_status))
    return table


def own_writes(*, writable: tuple[str, ...], writers: tuple[str, ...] = PROVIDERS):
    """PATCH of the own organisation's records: the provider role (and a partner with
    it) writes its own, 404 for any other; the administrator holds the permission but
    no provider scope (404 everywhere); roles without the permission 403."""
    table = everyone(403, anonymous=401)
    table.update(dict.fromkeys(writers, each(404, **dict.fromkeys(writable, 200))))
    table["administrator"] = each(404)
    return table


PLAIN_GET = everyone(200, partner_noscope=403)
EXPECTED: dict[tuple[str, str], dict] = {
    # Plain views next to the router.
    ("api-root", "get"): PLAIN_GET,
    ("schema", "get"): PLAIN_GET,
    ("docs", "get"): PLAIN_GET,
    ("redoc", "get"): PLAIN_GET,
    # The token endpoints answer to client credentials, not to sessions or tokens.
    ("token", "post"): {"anonymous": 401, "social_worker": 401, "partner_casework": 200},
    ("revoke-token", "post"): {"anonymous": 401, "social_worker": 401, "partner_casework": 200},
    # Public directory.
    ("organisation", "list"): public_list("organisation", hidden=("inactive",)),
    ("organisation", "retrieve"): public_retrieve(hidden=("inactive",)),
    ("service", "list"): public_list("service", hidden=("inactive_own",)),
    ("service", "retrieve"): public_retrieve(hidden=("inactive_own",)),
    ("service", "partial_update"): own_writes(writable=("own", "confidential_own", "inactive_own")),
    ("site", "list"): public_list("site"),
    ("site", "retrieve"): public_retrieve(),
    ("service-category", "list"): public_list("service-category"),
    ("service-category", "retrieve"): public_retrieve(),
    ("municipality", "list"): public_list("municipality"),
    ("municipality", "retrieve"): public_retrieve(),
    ("zone", "list"): public_list("zone"),
    ("zone", "retrieve"): public_retrieve(),
    ("metropolitan-city", "list"): public_list("metropolitan-city"),
    ("metropolitan-city", "retrieve"): public_retrieve(),
    ("capacity", "list"): public_list("capacity"),
    ("capacity", "retrieve"): public_retrieve(),
    ("capacity", "partial_update"): own_writes(writable=("own",)),
    # Housing stock: every unit to roles with the view permission, never anonymous.
    ("housing-unit", "list"): everyone(
        lists("own", "other"), anonymous=401, superuser=403, partner_noscope=403
    ),
    ("housing-unit", "retrieve"): everyone(
        each(200), anonymous=401, superuser=403, partner_noscope=403
    ),
    ("housing-unit", "partial_update"): own_writes(writable=("own",)),
    # Personal data.
    ("beneficiary", "list"): personal(
        casework=("own", "intake"),
        on_protected=("own", "protected", "intake"),
        providers=403,  # provider staff hold no beneficiaries.view_beneficiary
        list_=True,
    ),
    ("beneficiary", "retrieve"): personal(
        casework=("own", "intake"),
        on_protected=("own", "protected", "intake"),
        providers=403,
        list_=False,
    ),
    ("case", "list"): personal(
        casework=("own",), on_protected=("own", "protected"), providers=403, list_=True
    ),
    ("case", "retrieve"): personal(
        casework=("own",), on_protected=("own", "protected"), providers=403, list_=False
    ),
    # The receiving provider sees (and answers) a protected case's referral too: sealed.
    ("referral", "list"): personal(
        casework=("own",),
        on_protected=("own", "protected"),
        providers=("incoming", "protected"),
        list_=True,
    ),
    ("referral", "retrieve"): personal(
        casework=("own",),
        on_protected=("own", "protected"),
        providers=("incoming", "protected"),
        list_=False,
    ),
    # Create: the kind is the case referred. A case outside the caller's casework is a
    # 400 on ``case`` (an unknown id), never a 403 or 404 that would confirm it exists.
    ("referral", "create"): callers(
        personal(
            casework=("own",),
            on_protected=("own", "protected"),
            providers=403,  # provider staff hold no beneficiaries.add_referral
            list_=False,
        ),
        *CASEWORK,
        expectation=each(400, own=201),
    )
    | dict.fromkeys(ON_PROTECTED, each(400, own=201, protected=201)),
    # Moves: the case team withdraws (closes) its referrals, the provider accepts those
    # made to it (a protected case's too); anything else out of scope is a 404.
    ("referral", "partial_update"): personal(
        casework=("own",),
        on_protected=("own", "protected"),
        providers=("incoming", "protected"),
        list_=False,
    ),
    ("placement", "list"): personal(
        casework=("own",),
        on_protected=("own", "protected"),
        providers=("incoming", "own_unit"),
        list_=True,
    ),
    ("placement", "retrieve"): personal(
        casework=("own",),
        on_protected=("own", "protected"),
        providers=("incoming", "own_unit"),
        list_=False,
    ),
    # Coverage results: the roles that plan (gaps.view_coverageresult), no one else.
    ("coverage-result", "list"): everyone(
        403, anonymous=401, official=lists("any"), administrator=lists("any")
    ),
    ("coverage-result", "retrieve"): everyone(
        403, anonymous=401, official=each(200), administrator=each(200)
    ),
}


# Whose address a caller sees: kinds whose address fields are filled (the others null).
def address_shown(basename: str, caller: str) -> set[str]:
    member_of_a = caller in MEMBERS or caller in PARTNERS
    if basename == "site":
        public = {"own", "other"}
        return public | {"confidential_own"} if member_of_a else public
    if basename == "housing-unit":
        return {"own"} if member_of_a else set()
    return set()


# --- The routes in the URL conf -------------------------------------------------------------


def router_actions() -> dict[tuple[str, str], tuple[str, str]]:
    """(basename, action) → (route kind, HTTP method) for every action the router maps."""
    found = {}
    for _prefix, viewset, basename in api_urls.router.registry:
        for route in api_urls.router.get_routes(viewset):
            mapping = api_urls.router.get_method_map(viewset, route.mapping)
            kind = "detail" if route.detail else "list"
            for method, action in mapping.items():
                found[(basename, action)] = (kind, method)
    return found


def plain_views() -> dict[tuple[str, str], tuple[object, str]]:
    """(url name, method) → (view class, method) for the views outside the viewsets."""
    found = {}
    for pattern in api_urls.urlpatterns:
        callback = pattern.callback
        if getattr(callback, "actions", None):  # a viewset route: already counted
            continue
        view_class = getattr(callback, "cls", None) or callback.view_class
        methods = [
            m
            for m in ("get", "post", "put", "patch", "delete")
            if hasattr(view_class, m) and m in view_class.http_method_names
        ]
        for method in methods:
            found[(pattern.name, method)] = (view_class, method)
    return found


def discovered() -> set[tuple[str, str]]:
    return set(router_actions()) | set(plain_views())


def viewset_of(basename: str):
    return next(vs for _p, vs, b in api_urls.router.registry if b == basename)


def rule_scope(basename: str, action: str) -> str | None:
    if (basename, action) in router_actions():
        rule = viewset_of(basename).rules.get(action)
    else:
        view_class = plain_views()[(basename, action)][0]
        rule = getattr(view_class, "rules", {}).get(action)
    return rule.scope if rule else None


# --- The world ------------------------------------------------------------------------------


@dataclass
class World:
    users: dict = field(default_factory=dict)
    objects: dict = field(default_factory=dict)  # basename → kind → instance
    tokens: dict = field(default_factory=dict)  # (partner, missing scope or None) → token
    credentials: dict = field(default_factory=dict)

    def kind_of(self, basename: str, pk) -> str:
        for kind, obj in self.objects[basename].items():
            if str(obj.pk) == str(pk):
                return kind
        return f"unknown {basename} {pk}"


def build_world() -> World:
    world = World()
    metro = MetropolitanCityFactory(name=f"{NAME} metro")
    town = MunicipalityFactory(metropolitan_city=metro, name=f"{NAME} comune")
    zone = ZoneFactory(metropolitan_city=metro, name=f"{NAME} zona", municipalities=[town])
    category = ServiceCategoryFactory(name_en=f"{NAME} category", name_it=f"{NAME} categoria")

    def org(label, **fields):
        return OrganisationFactory(
            name=f"{NAME} {label}", legal_form=LegalForm.PUBLIC_BODY, municipality=town, **fields
        )

    a, b, inactive = org("A"), org("B"), org("X", active=False)
    users = world.users
    for name, role in MEMBERS.items():
        users[name] = UserFactory(username=f"matrix-{name}")
        MembershipFactory(user=users[name], organisation=a, role=role)
    users["superuser"] = UserFactory(username="matrix-superuser", is_superuser=True, is_staff=True)
    other_worker = UserFactory(username="matrix-b-worker")
    MembershipFactory(user=other_worker, organisation=b, role=Role.SOCIAL_WORKER)

    # The directory: an ordinary and a confidential service per organisation, each at
    # its own site; A's confidential site is flagged, B's flagged one hosts nothing, and
    # B's women's shelter makes its (unflagged) site confidential.
    def service(owner, label, **fields):
        return ServiceFactory(organisation=owner, name=f"{NAME} {label}", **fields)

    def site(owner, label, **fields):
        return SiteFactory(organisation=owner, name=f"{NAME} {label}", **fields)

    shelter = {"confidential": True, "public_contact": "1522"}
    service_a, service_b = service(a, "service A"), service(b, "service B")
    service_a_conf = service(a, "shelter A", **shelter)
    service_b_conf = service(b, "shelter B", **shelter)
    service_a_closed = service(a, "closed A", status=ServiceStatus.INACTIVE)
    site_a, site_b = site(a, "site A"), site(b, "site B")
    site_a_conf = site(a, "secret site A", **shelter)
    site_b_conf = site(b, "secret site B", **shelter)
    site_b_hosting = site(b, "shelter site B")
    capacity_a = CapacityFactory(offering=ServiceAtSiteFactory(service=service_a, site=site_a))
    capacity_b = CapacityFactory(offering=ServiceAtSiteFactory(service=service_b, site=site_b))
    ServiceAtSiteFactory(service=service_a_conf, site=site_a_conf)
    ServiceAtSiteFactory(service=service_b_conf, site=site_b_hosting)
    unit_a = HousingUnitFactory(owner=a, municipality=town, places=5)
    unit_b = HousingUnitFactory(owner=b, municipality=town, places=5)

    # Personal records.
    def case(kind, owner, lead, **fields):
        person = BeneficiaryFactory(registered_by=owner, residence_municipality=town)
        return CaseFactory(beneficiary=person, organisation=owner, lead_worker=lead, **fields)

    cases = {
        "own": case("own", a, users["social_worker"]),
        "other": case("other", b, other_worker),
        "protected": case("protected", a, users["lead_worker"], protected=True),
        "incoming": case("incoming", b, other_worker),
        "own_unit": case("own_unit", b, other_worker),
    }
    cases["protected"].team.set([users["team_member"]])
    intake = BeneficiaryFactory(registered_by=a, residence_municipality=town)
    referrals = {
        "own": ReferralFactory(case=cases["own"], service=service_b),
        "other": ReferralFactory(case=cases["other"], service=service_b),
        "protected": ReferralFactory(case=cases["protected"], service=service_a),
        "incoming": ReferralFactory(case=cases["incoming"], service=service_a),
    }
    placements = {
        "own": PlacementFactory(case=cases["own"], unit=unit_b),
        "other": PlacementFactory(case=cases["other"], unit=unit_b),
        "protected": PlacementFactory(case=cases["protected"], unit=unit_a),
        "incoming": PlacementFactory(case=cases["incoming"], unit=unit_b),
        "own_unit": PlacementFactory(case=cases["own_unit"], unit=unit_a),
    }
    run = CoverageRun.objects.create(
        scope="matrix", trigger="manual", status="complete", finished_at=timezone.now()
    )
    coverage_result = CoverageResult.objects.create(
        run=run,
        standard=Standard.objects.get(code="shelter-family-places"),
        area_kind="municipality",
        municipality=town,
        population_used=25000.0,
        group_known=True,
        supply=1.0,
        site_count=1,
        present=True,
        requirement=2.5,
        gap=1.5,
        ratio=0.4,
        accessibility=0.0001,
        waiting=3.0,
        free_places=0.0,
        unmet=3.0,
    )

    world.objects = {
        "organisation": {"own": a, "other": b, "inactive": inactive},
        "service": {
            "own": service_a,
            "other": service_b,
            "confidential_own": service_a_conf,
            "confidential_other": service_b_conf,
            "inactive_own": service_a_closed,
        },
        "site": {
            "own": site_a,
            "other": site_b,
            "confidential_own": site_a_conf,
            "confidential_other": site_b_conf,
            "hosting_confidential": site_b_hosting,
        },
        "service-category": {"any": category},
        "municipality": {"any": town},
        "zone": {"any": zone},
        "metropolitan-city": {"any": metro},
        "capacity": {"own": capacity_a, "other": capacity_b},
        "housing-unit": {"own": unit_a, "other": unit_b},
        "beneficiary": {k: c.beneficiary for k, c in cases.items()} | {"intake": intake},
        "case": cases,
        "referral": referrals,
        "placement": placements,
        "coverage-result": {"any": coverage_result},
        # What the referral create cells refer, and to which service.
        "referral-target": {"service": service_b},
    }

    client = APIClient()
    for name, role in PARTNERS.items():
        creds = register_partner(f"{NAME} {name}", a, role, list(ALL_SCOPES))
        world.credentials[name] = creds
        world.users[name] = type(users["superuser"]).objects.get(username=creds.account)
        missing_options = [None, *ALL_SCOPES] if name == "partner_casework" else [None]
        for missing in missing_options:
            scopes = [s for s in ALL_SCOPES if s != missing]
            response = client.post(
                reverse("api:token"),
                {
                    "grant_type": "client_credentials",
                    "client_id": creds.client_id,
                    "client_secret": creds.client_secret,
                    "scope": " ".join(scopes),
                },
            )
            assert response.status_code == 200, response.content
            assert sorted(response.json()["scope"].split()) == sorted(scopes)
            world.tokens[(name, missing)] = response.json()["access_token"]
    return world


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """Built once for the module inside a transaction rolled back at its end; each test's
    own transaction is a savepoint inside it."""
    with django_db_blocker.unblock(), transaction.atomic():
        yield build_world()
        transaction.set_rollback(True)


def client_for(world: World, caller: str, scope: str | None) -> APIClient:
    client = APIClient()
    if caller == "anonymous":
        return client
    if caller == "partner_noscope":
        token = world.tokens[("partner_casework", scope)]
    elif caller in PARTNERS:
        token = world.tokens[(caller, None)]
    else:
        verified_login(client, world.users[caller])
        return client
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client


# --- The cells ------------------------------------------------------------------------------


def cells():
    for (basename, action), table in EXPECTED.items():
        for caller, expectation in table.items():
            if isinstance(expectation, int) and basename in KINDS and action != "list":
                expectation = each(expectation)  # the endpoint's answer, for every object
            if isinstance(expectation, tuple) and expectation[0] == "each":
                _each, default, overrides = expectation
                for kind in KINDS[basename]:
                    status = overrides.get(kind, default)
                    yield pytest.param(
                        basename, action, caller, kind, status,
                        id=f"{basename}.{action}.{caller}.{kind}",
                    )  # fmt: skip
            else:
                yield pytest.param(
                    basename, action, caller, None, expectation,
                    id=f"{basename}.{action}.{caller}",
                )  # fmt: skip


CELLS = list(cells())


def test_every_route_is_in_the_matrix():
    """A new endpoint or action in the URL conf without an entry here fails."""
    found = discovered()
    assert found == set(EXPECTED), {
        "missing from EXPECTED": sorted(found - set(EXPECTED)),
        "not in the URL conf": sorted(set(EXPECTED) - found),
    }


def test_every_router_action_has_a_rule():
    """``EndpointRule`` lets nothing through without a rule: each mapped action has one."""
    missing = [key for key in router_actions() if viewset_of(key[0]).rules.get(key[1]) is None]
    assert missing == []


def test_every_view_applies_the_endpoint_rule():
    """The rule a view declares is only enforced by ``EndpointRule``: a view that swaps
    in other permission classes (drf-spectacular's ``SERVE_PERMISSIONS``, ``AllowAny``)
    ignores its ``rules`` and lets a token without the scope through."""
    views = {b: viewset_of(b) for b, _a in router_actions()}
    views |= {name: view_class for (name, _m), (view_class, _m2) in plain_views().items()}
    without = {
        name: [p.__name__ for p in view.permission_classes]
        for name, view in views.items()
        if hasattr(view, "rules") and EndpointRule not in view.permission_classes
    }
    assert without == {}


def test_matrix_covers_every_caller():
    for key, table in EXPECTED.items():
        if key[0] in ("token", "revoke-token"):
            continue
        assert set(table) == set(CALLERS), key


def test_out_of_scope_is_never_403():
    """Per object, the matrix has no 403: a 403 is for a whole endpoint, by role or
    scope, never for one record (which would confirm that the record exists)."""
    for key, table in EXPECTED.items():
        for caller, expectation in table.items():
            if isinstance(expectation, tuple) and expectation[0] == "each":
                statuses = {expectation[1], *expectation[2].values()}
                assert 403 not in statuses, (key, caller)


def check_address(world, basename, caller, kind, row):
    if basename not in ("site", "housing-unit"):
        return
    values = [row[name] for name in ADDRESS_FIELDS]
    if kind in address_shown(basename, caller):
        obj = world.objects[basename][kind]
        assert values == [getattr(obj, name) for name in ADDRESS_FIELDS], (kind, row)
    else:
        assert values == [None] * 4, (kind, row)
    assert row.get("distance_km") is None


def list_params(world, basename: str) -> dict:
    if basename in ("capacity", "housing-unit"):
        return {"municipality": world.objects["municipality"]["any"].istat_code}
    if basename in DIRECTORY_KINDS:
        return {"q": NAME, "page_size": 200}
    return {"page_size": 200}


def detail_url(basename, obj):
    return reverse(f"api:{basename}-detail", args=[obj.pk])


def patch_body(basename, caller, obj) -> dict:
    if basename == "service":
        return {"description": "Changed by the matrix."}
    if basename == "capacity":
        return {"available": 2}
    if basename == "housing-unit":
        return {"status": obj.status}
    if basename == "referral":
        if caller in PROVIDERS:
            return {"status": "accepted"}
        return {"status": "closed", "reason": "Withdrawn by the team."}
    raise AssertionError(basename)


MODELS = {
    "organisation": Organisation,
    "service": Service,
    "site": Site,
    "service-category": ServiceCategory,
    "municipality": Municipality,
    "zone": Zone,
    "metropolitan-city": MetropolitanCity,
    "capacity": Capacity,
    "housing-unit": HousingUnit,
    "beneficiary": Beneficiary,
    "case": Case,
    "referral": Referral,
    "placement": Placement,
    "coverage-result": CoverageResult,
}


@pytest.mark.django_db
@pytest.mark.parametrize(("basename", "action", "caller", "kind", "expected"), CELLS)
def test_cell(world, basename, action, caller, kind, expected):
    scope = rule_scope(basename, action)
    client = client_for(world, caller, scope)

    if basename in ("token", "revoke-token"):
        check_token_endpoint(world, client, basename, caller, expected)
        return
    if action == "get":  # a plain view
        response = client.get(reverse(f"api:{basename}"))
        assert response.status_code == expected, response.content[:300]
        return

    if action == "list":
        response = client.get(reverse(f"api:{basename}-list"), list_params(world, basename))
        if isinstance(expected, tuple):
            assert response.status_code == 200, response.content
            rows = response.json()["results"]
            by_kind = {}
            for row in rows:
                row_kind = world.kind_of(basename, row["id"])
                if basename in PERSONAL_KINDS or not row_kind.startswith("unknown"):
                    by_kind[row_kind] = row
            assert set(by_kind) == set(expected[1])
            for row_kind, row in by_kind.items():
                check_address(world, basename, caller, row_kind, row)
        else:
            assert response.status_code == expected, response.content
            assert "results" not in response.json()
        return

    if action == "create":
        case = world.objects["case"][kind]
        service = world.objects["referral-target"]["service"]
        before = Referral.objects.count()
        response = client.post(
            reverse("api:referral-list"),
            {"case": str(case.pk), "service": service.pk},
            format="json",
        )
        assert response.status_code == expected, response.content
        audited = AuditEntry.objects.filter(action="referral_create", via="api")
        if expected == 201:
            assert response.json()["case"] == str(case.pk)
            assert Referral.objects.count() == before + 1
            assert audited.get().target_id == response.json()["id"]
        else:
            assert not audited.exists()
            assert Referral.objects.count() == before
            if expected == 400:
                assert set(response.json()) == {"case"}
                assert "does not exist" in response.json()["case"][0]
        return

    obj = world.objects[basename][kind]
    if action == "retrieve":
        response = client.get(detail_url(basename, obj))
        assert response.status_code == expected, response.content
        if expected == 200:
            row = response.json()
            assert str(row["id"]) == str(obj.pk)
            check_address(world, basename, caller, kind, row)
        return

    if action == "partial_update":
        model = MODELS[basename]
        version = model.objects.get(pk=obj.pk).version
        response = client.patch(
            detail_url(basename, obj),
            patch_body(basename, caller, obj),
            format="json",
            HTTP_IF_MATCH=f'"{version}"',
        )
        assert response.status_code == expected, response.content
        after = model.objects.get(pk=obj.pk).version
        if expected == 200:
            assert after == version + 1
            assert response["ETag"] == f'"{after}"'
            if basename == "referral":
                assert response.json()["status"] == patch_body(basename, caller, obj)["status"]
                entry = AuditEntry.objects.get(target_id=str(obj.pk))
                assert (entry.action, entry.via, entry.target_version) == (
                    "referral_move",
                    "api",
                    after,
                )
        else:
            assert after == version
            assert not AuditEntry.objects.filter(target_id=str(obj.pk)).exists()
            if expected == 404:
                assert set(response.json()) == {"detail"}
        return
    raise AssertionError((basename, action))


def check_token_endpoint(world, client, basename, caller, expected):
    data = {}
    if caller == "partner_casework":
        creds = world.credentials["partner_casework"]
        data = {"client_id": creds.client_id, "client_secret": creds.client_secret}
    if basename == "token":
        data["grant_type"] = "client_credentials"
    else:
        data["token"] = world.tokens[("partner_casework", None)]
    response = client.post(reverse(f"api:{basename}"), data)
    assert response.status_code == expected, response.content
    if basename == "token" and expected == 200:
        body = response.json()
        assert body["token_type"] == "Bearer"
        assert body["scope"] == "directory:read"  # the default scope only
    if basename == "revoke-token" and expected == 200:
        # The revoked token now authenticates nobody.
        api = APIClient()
        api.credentials(HTTP_AUTHORIZATION=f"Bearer {data['token']}")
        assert api.get(reverse("api:case-list")).status_code == 401


# --- Methods a route does not map -----------------------------------------------------------


def unmapped_methods():
    methods = ("get", "post", "put", "patch", "delete")
    by_route: dict[tuple[str, str], set[str]] = {}
    for (basename, _action), (kind, method) in router_actions().items():
        by_route.setdefault((basename, kind), set()).add(method)
    for (basename, kind), mapped in sorted(by_route.items()):
        for method in methods:
            if method not in mapped:
                yield pytest.param(basename, kind, method, id=f"{basename}-{kind}.{method}")


@pytest.mark.django_db
@pytest.mark.parametrize("caller", ["anonymous", "social_worker"])
@pytest.mark.parametrize(("basename", "kind", "method"), list(unmapped_methods()))
def test_unmapped_method_is_405(world, basename, kind, method, caller):
    client = client_for(world, caller, None)
    if kind == "list":
        url = reverse(f"api:{basename}-list")
    else:
        url = detail_url(basename, next(iter(world.objects[basename].values())))
    response = getattr(client, method)(url, {}, format="json")
    assert response.status_code == 405, response.content
    assert response.json() == {"detail": f'Method "{method.upper()}" not allowed.'}
