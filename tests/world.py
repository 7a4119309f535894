"""A small world of organisations, users and personal records for the visibility matrices.

Organisations: ``A`` and ``B`` take people in charge (municipal social services), ``P``
is a provider that receives referrals from A and owns a housing unit, ``Q`` is a provider
nobody refers to, ``X`` is inactive.

Records (``b`` beneficiary, ``c`` case, ``n`` need, ``r`` referral, ``k`` consent,
``note``, ``pl`` placement):

* ``b1/c1`` — A's ordinary case, referred to P (``r1``) and to A's own service (``r1a``),
  placed in P's unit (``pl1``);
* ``b2/c2`` — A's *protected* case (lead worker ``lead_worker``, team ``team_member``),
  referred to P (``r2``), placed in P's unit (``pl2``);
* ``b3/c3`` — B's case, referred to A's service (``r3``), placed in P's unit (``pl3``);
* ``b4/c4`` — A's case referred nowhere, placed in A's unit (``pl4``);
* ``b5`` — registered by A, no case yet (an intake), with a consent;
* ``b6/c6`` — the inactive organisation X's case;
* ``b7/c7`` — registered by A, but taken in charge by B in a *protected* case led by B's
  coordinator.
"""

from dataclasses import dataclass, field

from django.contrib.auth.models import AnonymousUser
from django.db import models

from services.models import LegalForm, Role
from tests.factories import (
    BeneficiaryFactory,
    CaseFactory,
    ConsentFactory,
    HousingUnitFactory,
    MembershipFactory,
    NeedFactory,
    NoteFactory,
    OrganisationFactory,
    PlacementFactory,
    ReferralFactory,
    ServiceFactory,
    UserFactory,
)

# Who, through which membership: (organisation, role, membership active, user active).
MEMBERS = {
    "social_worker": ("A", Role.SOCIAL_WORKER, True, True),
    "lead_worker": ("A", Role.SOCIAL_WORKER, True, True),
    "team_member": ("A", Role.SOCIAL_WORKER, True, True),
    "coordinator": ("A", Role.COORDINATOR, True, True),
    "provider_staff": ("P", Role.PROVIDER_STAFF, True, True),
    "provider_staff_not_referred": ("Q", Role.PROVIDER_STAFF, True, True),
    "other_org_social_worker": ("B", Role.SOCIAL_WORKER, True, True),
    "other_org_coordinator": ("B", Role.COORDINATOR, True, True),
    "official": ("A", Role.OFFICIAL, True, True),
    "administrator": ("A", Role.ADMINISTRATOR, True, True),
    "inactive_user": ("A", Role.COORDINATOR, True, False),
    "inactive_membership": ("A", Role.COORDINATOR, False, True),
    "inactive_organisation": ("X", Role.COORDINATOR, True, True),
}
USERS = [*MEMBERS, "superuser", "anonymous"]


@dataclass
class World:
    users: dict = field(default_factory=dict)
    records: dict = field(default_factory=dict)

    def visible(self, model: type[models.Model], user) -> set[str]:
        """Names of the records of ``model`` that ``model.objects.visible_to(user)`` returns."""
        names = {obj.pk: name for name, obj in self.records.items() if isinstance(obj, model)}
        pks = model.objects.visible_to(user).values_list("pk", flat=True)
        return {names.get(pk, f"unknown {model.__name__} {pk}") for pk in pks}


def build_world() -> World:
    world = World()
    orgs = {
        "A": OrganisationFactory(legal_form=LegalForm.PUBLIC_BODY),
        "B": OrganisationFactory(legal_form=LegalForm.PUBLIC_BODY),
        "P": OrganisationFactory(legal_form=LegalForm.SOCIAL_COOPERATIVE),
        "Q": OrganisationFactory(legal_form=LegalForm.ODV),
        "X": OrganisationFactory(legal_form=LegalForm.PUBLIC_BODY, active=False),
    }
    users = world.users
    for name, (org, role, membership_active, user_active) in MEMBERS.items():
        users[name] = UserFactory(username=name, is_active=user_active)
        MembershipFactory(
            user=users[name], organisation=orgs[org], role=role, active=membership_active
        )
    users["superuser"] = UserFactory(username="superuser", is_superuser=True, is_staff=True)
    users["anonymous"] = AnonymousUser()

    service_a = ServiceFactory(organisation=orgs["A"])
    service_p = ServiceFactory(organisation=orgs["P"])
    ServiceFactory(organisation=orgs["Q"])
    unit_p = HousingUnitFactory(owner=orgs["P"], places=5)
    unit_a = HousingUnitFactory(owner=orgs["A"], places=5)

    r = world.records

    def person(name, org):
        r[name] = BeneficiaryFactory(registered_by=orgs[org])
        return r[name]

    def case(name, beneficiary, org, lead, **fields):
        r[name] = CaseFactory(
            beneficiary=beneficiary, organisation=orgs[org], lead_worker=users[lead], **fields
        )
        return r[name]

    c1 = case("c1", person("b1", "A"), "A", "social_worker")
    c2 = case("c2", person("b2", "A"), "A", "lead_worker", protected=True)
    c2.team.set([users["team_member"]])
    c3 = case("c3", person("b3", "B"), "B", "other_org_social_worker")
    c4 = case("c4", person("b4", "A"), "A", "social_worker")
    person("b5", "A")
    c6 = case("c6", person("b6", "X"), "X", "inactive_organisation")
    case("c7", person("b7", "A"), "B", "other_org_coordinator", protected=True)

    for number, c in [("1", c1), ("2", c2), ("3", c3), ("4", c4)]:
        r[f"n{number}"] = NeedFactory(case=c)
        r[f"k{number}"] = ConsentFactory(beneficiary=c.beneficiary, recorded_by=c.lead_worker)
        r[f"note{number}"] = NoteFactory(case=c)
    r["k5"] = ConsentFactory(beneficiary=r["b5"], recorded_by=users["social_worker"])
    r["note6"] = NoteFactory(case=c6)

    r["r1"] = ReferralFactory(case=c1, service=service_p)
    r["r1a"] = ReferralFactory(case=c1, service=service_a)
    r["r2"] = ReferralFactory(case=c2, service=service_p)
    r["r3"] = ReferralFactory(case=c3, service=service_a)

    r["pl1"] = PlacementFactory(case=c1, unit=unit_p)
    r["pl2"] = PlacementFactory(case=c2, unit=unit_p)
    r["pl3"] = PlacementFactory(case=c3, unit=unit_p)
    r["pl4"] = PlacementFactory(case=c4, unit=unit_a)
    return world


def fresh(user):
    """The same user loaded anew, without the scope cached on the instance."""
    if not user.is_authenticated:
        return user
    return type(user).objects.get(pk=user.pk)
