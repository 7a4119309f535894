"""Sealed referrals for protected cases, and the leak through a second case (issue 12).

* A protected case (a survivor of violence) referred to an anti-violence centre: the
  centre sees the referral, sealed — age band, needs by domain and severity, the contact
  route; no name (unless the person consents to being contacted), no codice fiscale,
  birth date, address or residence, no need description — on its workspace list and page
  and in the API; it accepts, and the case team sees the answer.
* A person with a protected case at one organisation and an ordinary case at another: the
  other organisation sees neither the protected side's consents, nor the special
  categories of data, nor the registering organisation when it is the protected side, and
  cannot withdraw the protected side's consents.
"""

import datetime
from html import unescape

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from rest_framework.test import APIClient

from beneficiaries.actions.consents import consent_withdraw
from beneficiaries.actions.referrals import referral_create
from beneficiaries.models import Beneficiary, Consent, ConsentPurpose, Referral, ReferralStatus
from beneficiaries.selectors import (
    age_band,
    people_for,
    person_facts,
    person_facts_for,
    referral_views_for,
)
from core.errors import FORBIDDEN, ActionError
from core.models import AuditEntry
from services.models import LegalForm, Role
from tests.auth import verified_login
from tests.factories import (
    BeneficiaryFactory,
    CaseFactory,
    ConsentFactory,
    MembershipFactory,
    MunicipalityFactory,
    NeedFactory,
    OrganisationFactory,
    ReferralFactory,
    ServiceAtSiteFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def thirty_five_years_ago() -> datetime.date:
    return datetime.date(timezone.localdate().year - 35, 1, 1)


@pytest.fixture
def centre():
    """An anti-violence centre (a provider) with its staff and its service."""
    centre = OrganisationFactory(name="Centro antiviolenza Lucha", legal_form=LegalForm.ODV)
    staff = MembershipFactory(organisation=centre, role=Role.PROVIDER_STAFF).user
    offering = ServiceAtSiteFactory(
        service__organisation=centre,
        service__name="Accoglienza antiviolenza",
        site__address="Via Segreta 3",
        site__confidential=True,
        site__public_contact="1522",
    )
    return {"organisation": centre, "staff": staff, "offering": offering}


@pytest.fixture
def survivor(organisation, social_worker):
    """Marta Conti, a survivor in a protected case of the municipal social service, led by
    the social worker: a critical family need and a high health need."""
    social_worker.first_name, social_worker.last_name = "Giulia", "Neri"
    social_worker.save()
    person = BeneficiaryFactory(
        registered_by=organisation,
        given_name="Marta",
        family_name="Conti",
        birth_date=thirty_five_years_ago(),
        residence_municipality=MunicipalityFactory(name="Borgo Nascosto"),
        violence_survivor=True,
        health_condition=True,
    )
    case = CaseFactory(
        beneficiary=person, organisation=organisation, lead_worker=social_worker, protected=True
    )
    NeedFactory(case=case, domain="family", severity=4, description="Partner violent at home.")
    NeedFactory(case=case, domain="health", severity=3, description="Injuries, see notes.")
    return case


@pytest.fixture
def referral(survivor, social_worker, centre):
    return referral_create(
        acting_user=social_worker,
        case=survivor,
        service=centre["offering"].service,
        offering=centre["offering"],
        reason="Needs a safe place; call me first.",
    )


def client_of(user) -> APIClient:
    client = APIClient()
    verified_login(client, user)
    return client


def personal_details(case) -> list[str]:
    """What must never reach the provider of a protected case without consent."""
    person = case.beneficiary
    return [
        "Marta",
        "Conti",
        person.codice_fiscale,
        person.birth_date.isoformat(),
        str(person.birth_date.year),
        person.birth_date.strftime("%d/%m/%Y"),
        "Borgo Nascosto",
        str(person.pk),
        "Partner violent",
        "Injuries",
        "survivor",
    ]


def assert_no_leak(text: str, case) -> None:
    leaked = [detail for detail in personal_details(case) if detail in text]
    assert leaked == []


# --- The sealed view -----------------------------------------------------------------------


def test_the_centre_sees_the_sealed_referral(referral, survivor, centre, organisation):
    client = client_of(centre["staff"])
    listed = client.get(reverse("workspace:incoming"), HTTP_ACCEPT_LANGUAGE="en")
    [view] = listed.context["page"].object_list
    assert (view.pk, view.kind, view.name, view.age_band) == (referral.pk, "sealed", None, "30–39")
    page = client.get(reverse("workspace:referral", args=[referral.pk]), HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    html = unescape(page.content.decode())
    for expected in (
        "Protected case:",
        "30–39",
        "family: critical",
        "health: high",
        "Giulia Neri",  # the contact route: the referring worker...
        organisation.name,  # ... and her organisation
        "Needs a safe place; call me first.",
        "Accoglienza antiviolenza",
    ):
        assert expected in html, expected
    assert "Birth year" not in html
    assert_no_leak(html, survivor)
    assert_no_leak(unescape(listed.content.decode()), survivor)
    # Accept is among the centre's moves.
    assert "accepted" in [move["status"] for move in page.context["moves"]]

    api = client.get(f"/api/v1/referrals/{referral.pk}/").json()
    assert api["view"] == "sealed"
    assert api["person"] == {"name": None, "birth_year": None, "age_band": "30–39"}
    assert api["needs"] == [
        {"domain": "family", "severity": 4},
        {"domain": "health", "severity": 3},
    ]
    assert api["contact"]["worker_name"] == "Giulia Neri"
    assert api["contact"]["organisation_name"] == organisation.name
    assert api["withheld_because"].startswith("Protected case:")
    assert_no_leak(str({key: value for key, value in api.items() if key != "case"}), survivor)
    listed_api = client.get("/api/v1/referrals/", {"incoming": "true"}).json()["results"]
    assert listed_api == [api]


def test_the_centre_reaches_nothing_else_of_the_person(referral, survivor, centre):
    client = client_of(centre["staff"])
    assert client.get(f"/api/v1/cases/{survivor.pk}/").status_code in (403, 404)
    assert client.get(f"/api/v1/beneficiaries/{survivor.beneficiary_id}/").status_code in (
        403,
        404,
    )
    assert client.get(reverse("workspace:case", args=[survivor.pk])).status_code in (403, 404)
    assert client.get(reverse("workspace:person", args=[survivor.beneficiary_id])).status_code in (
        403,
        404,
    )


def test_name_only_with_consent_to_being_contacted(referral, survivor, centre, social_worker):
    ConsentFactory(
        beneficiary=survivor.beneficiary,
        organisation=survivor.organisation,
        purpose=ConsentPurpose.CONTACT,
        recorded_by=social_worker,
    )
    [view] = referral_views_for(centre["staff"], [referral])
    assert (view.kind, view.name, view.age_band, view.birth_year) == (
        "sealed",
        "Conti Marta",
        "30–39",
        None,
    )


def test_without_sharing_the_sealed_referral_is_an_anonymous_stub(
    referral, survivor, centre, social_worker
):
    sharing = Consent.objects.get(
        beneficiary=survivor.beneficiary, purpose=ConsentPurpose.SHARING_WITH_PROVIDERS
    )
    consent_withdraw(acting_user=social_worker, consent=sharing)
    [view] = referral_views_for(centre["staff"], [referral])
    assert (view.kind, view.age_band, view.needs, view.referral_reason) == (
        "anonymous",
        None,
        (),
        None,
    )
    assert "withdrew consent" in view.reason
    page = client_of(centre["staff"]).get(reverse("workspace:referral", args=[referral.pk]))
    html = unescape(page.content.decode())
    assert "30–39" not in html and "family" not in html
    assert_no_leak(html, survivor)


def test_the_centre_accepts_and_the_team_sees_it(referral, survivor, centre, social_worker):
    client = client_of(centre["staff"])
    response = client.post(
        reverse("workspace:referral-move", args=[referral.pk]),
        {"status": ReferralStatus.ACCEPTED, "version": referral.version},
    )
    assert response.status_code == 302
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.ACCEPTED
    entry = AuditEntry.objects.get(action="referral_move", target_id=str(referral.pk))
    assert (entry.actor, entry.via, entry.case_id) == (centre["staff"], "workspace", survivor.pk)

    team = client_of(social_worker)
    page = unescape(
        team.get(
            reverse("workspace:referral", args=[referral.pk]), HTTP_ACCEPT_LANGUAGE="en"
        ).content.decode()
    )
    assert "Conti Marta" in page and "accepted" in page
    assert "The receiving service sees the sealed view of a protected case." in page
    case_page = team.get(reverse("workspace:case", args=[survivor.pk]), HTTP_ACCEPT_LANGUAGE="en")
    assert "accepted" in case_page.content.decode()


def test_the_centre_answers_through_the_api(referral, centre):
    response = client_of(centre["staff"]).patch(
        f"/api/v1/referrals/{referral.pk}/",
        {"status": "accepted"},
        format="json",
        HTTP_IF_MATCH=f'"{referral.version}"',
    )
    assert response.status_code == 200, response.content
    assert (response.json()["status"], response.json()["view"]) == ("accepted", "sealed")
    assert response.json()["person"]["name"] is None


def test_another_provider_sees_nothing(referral):
    stranger = MembershipFactory(role=Role.PROVIDER_STAFF).user
    assert referral_views_for(stranger, Referral.objects.visible_to(stranger)) == []
    assert client_of(stranger).get(f"/api/v1/referrals/{referral.pk}/").status_code == 404


@pytest.mark.parametrize(
    ("age", "band"),
    [
        (None, None),
        (9, "under 18"),
        (18, "18–29"),
        (29, "18–29"),
        (30, "30–39"),
        (85, "80 and over"),
    ],
)
def test_age_bands(age, band):
    assert age_band(age) == band


# --- One batch of queries for a page -------------------------------------------------------


def make_referrals(count, service, organisation):
    """Referrals of every kind: full, sealed, and anonymous (no consent)."""
    for number in range(count):
        case = CaseFactory(
            beneficiary=BeneficiaryFactory(registered_by=organisation),
            protected=number % 3 == 1,
            consents=[] if number % 3 == 2 else None,
        )
        NeedFactory(case=case)
        ReferralFactory(case=case, service=service)


@pytest.mark.parametrize("reader", ["provider", "team"])
def test_views_cost_the_same_for_1_and_10_referrals(
    reader, centre, organisation, social_worker, django_assert_num_queries
):
    user = centre["staff"] if reader == "provider" else UserFactory()
    if reader == "team":
        MembershipFactory(user=user, organisation=organisation, role=Role.COORDINATOR)
    service = centre["offering"].service

    def count_queries() -> int:
        referrals = list(Referral.objects.visible_to(user))
        with CaptureQueriesContext(connection) as queries:
            views = referral_views_for(user, referrals)
        assert len(views) == len(referrals)
        return len(queries)

    make_referrals(1, service, organisation)
    one = count_queries()
    make_referrals(9, service, organisation)
    assert count_queries() == one
    # facts, consents, needs, people; the cases the user works on for a case worker.
    assert one == (5 if reader == "team" else 4)


def test_api_list_costs_the_same_for_1_and_10_referrals(centre, organisation):
    client = client_of(centre["staff"])
    service = centre["offering"].service
    make_referrals(1, service, organisation)
    with CaptureQueriesContext(connection) as one:
        assert len(client.get("/api/v1/referrals/").json()["results"]) == 1
    make_referrals(9, service, organisation)
    with CaptureQueriesContext(connection) as ten:
        assert len(client.get("/api/v1/referrals/").json()["results"]) == 10
    assert len(ten) == len(one)


# --- The leak through a second case --------------------------------------------------------


@pytest.fixture
def two_cases(make_member):
    """Lucia, registered by the centre A, in a protected case at A, and in an ordinary
    case at the municipal service B (which records its own consents)."""
    a = OrganisationFactory(name="Centro antiviolenza A", legal_form=LegalForm.ODV)
    b = OrganisationFactory(name="Servizio sociale B", legal_form=LegalForm.PUBLIC_BODY)
    a_worker = make_member(Role.SOCIAL_WORKER, organisation=a)
    b_worker = make_member(Role.SOCIAL_WORKER, organisation=b)
    person = BeneficiaryFactory(
        registered_by=a,
        given_name="Lucia",
        violence_survivor=True,
        health_condition=True,
        ethnic_minority=True,
        criminal_record=True,
    )
    protected = CaseFactory(
        beneficiary=person, organisation=a, lead_worker=a_worker, protected=True
    )
    ordinary = CaseFactory(beneficiary=person, organisation=b, lead_worker=b_worker)
    return {
        "a": a,
        "b": b,
        "a_worker": a_worker,
        "b_worker": b_worker,
        "person": person,
        "protected": protected,
        "ordinary": ordinary,
    }


def test_the_other_organisation_sees_only_its_own_consents(two_cases):
    person, a, b = two_cases["person"], two_cases["a"], two_cases["b"]
    assert Consent.objects.filter(beneficiary=person, organisation=a).count() == 3
    seen = Consent.objects.visible_to(two_cases["b_worker"]).filter(beneficiary=person)
    assert {consent.organisation for consent in seen} == {b}
    seen = Consent.objects.visible_to(two_cases["a_worker"]).filter(beneficiary=person)
    assert {consent.organisation for consent in seen} == {a}


def test_the_other_organisation_cannot_withdraw_the_protected_sides_consent(two_cases):
    consent = Consent.objects.get(
        beneficiary=two_cases["person"],
        organisation=two_cases["a"],
        purpose=ConsentPurpose.SHARING_WITH_PROVIDERS,
    )
    with pytest.raises(ActionError) as refused:
        consent_withdraw(acting_user=two_cases["b_worker"], consent=consent)
    assert refused.value.kind == FORBIDDEN
    assert refused.value.message_dict == {
        "consent": ["Only the organisation that recorded a consent can withdraw it."]
    }
    consent.refresh_from_db()
    assert consent.withdrawn_on is None
    assert not AuditEntry.objects.filter(action="consent_withdraw").exists()


def test_the_other_organisation_does_not_see_the_flags_nor_who_registered(two_cases):
    person, b_worker, a_worker = two_cases["person"], two_cases["b_worker"], two_cases["a_worker"]
    facts = person_facts_for(b_worker, person)
    assert (facts.sealed, facts.special, facts.registered_by_id, facts.registered_by) == (
        True,
        None,
        None,
        None,
    )
    assert facts.recorded_special == []
    own = person_facts_for(a_worker, person)
    assert (own.sealed, own.registered_by) == (False, two_cases["a"])
    assert own.special == {
        "health_condition": True,
        "ethnic_minority": True,
        "violence_survivor": True,
        "criminal_record": True,
    }
    assert "survivor of violence" in own.recorded_special


def test_the_registering_organisation_shows_when_it_is_the_readers_own(two_cases):
    Beneficiary.objects.filter(pk=two_cases["person"].pk).update(registered_by=two_cases["b"])
    person = people_for(two_cases["b_worker"]).get(pk=two_cases["person"].pk)
    facts = person_facts(two_cases["b_worker"], person)
    assert (facts.sealed, facts.special, facts.registered_by_id) == (
        True,
        None,
        two_cases["b"].pk,
    )


def test_the_api_masks_the_person_for_the_other_organisation(two_cases):
    person = two_cases["person"]
    masked = client_of(two_cases["b_worker"]).get(f"/api/v1/beneficiaries/{person.pk}/").json()
    assert masked["given_name"] == "Lucia"  # B takes care of her too
    assert (
        masked["violence_survivor"],
        masked["health_condition"],
        masked["ethnic_minority"],
        masked["criminal_record"],
        masked["registered_by"],
    ) == (None, None, None, None, None)
    own = client_of(two_cases["a_worker"]).get(f"/api/v1/beneficiaries/{person.pk}/").json()
    assert (own["violence_survivor"], own["registered_by"]) == (True, two_cases["a"].pk)
    # B's case list shows B's case only; A's protected case is not reachable.
    cases = client_of(two_cases["b_worker"]).get("/api/v1/cases/").json()["results"]
    assert [case["id"] for case in cases] == [str(two_cases["ordinary"].pk)]


def test_the_person_page_of_the_other_organisation_shows_nothing_of_the_protected_side(
    two_cases, client
):
    verified_login(client, two_cases["b_worker"])
    response = client.get(
        reverse("workspace:person", args=[two_cases["person"].pk]), HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 200
    html = unescape(response.content.decode())
    assert "Lucia" in html
    for hidden in ("Centro antiviolenza A", "survivor", "health condition", "criminal record"):
        assert hidden not in html, hidden
