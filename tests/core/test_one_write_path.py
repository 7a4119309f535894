"""One write path (issue 12): every door — the workspace, the admin, the API — writes
through the same domain action, so each one refuses with the same rule and the same
message, changes nothing when it refuses, and writes exactly one change-audit row (the
same action and fields, ``via`` the door) when it succeeds.

The probes are the issue's: a social worker accepting a referral, provider staff
withdrawing a referral never started, a referral without the person's consent to
sharing, a second open case for the same person and organisation, a need on a closed
case. Opening a case and adding a need have no API door.
"""

from __future__ import annotations

import datetime
import html
import re
from types import SimpleNamespace

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from beneficiaries.models import (
    Case,
    CaseStatus,
    Consent,
    ConsentPurpose,
    Need,
    Referral,
    ReferralStatus,
)
from core.models import AuditEntry
from services.models import Role
from tests.admin_pages import form_data, staff, url
from tests.auth import verified_login
from tests.factories import (
    BeneficiaryFactory,
    CaseFactory,
    ConsentFactory,
    ReferralFactory,
    ServiceAtSiteFactory,
    ServiceFactory,
    SiteFactory,
)

pytestmark = pytest.mark.django_db

DOORS = ("workspace", "admin", "api")
FORM_DOORS = ("workspace", "admin")  # actions the API does not offer
REASON = "Needs a bed tonight."
TODAY = timezone.localdate


@pytest.fixture
def world(organisation, provider_organisation, social_worker, provider_staff):
    """A case of ``organisation`` led by the social worker, referred (not yet answered) to
    the provider's night shelter. Both users may open the back office in their role."""
    staff(social_worker, Role.SOCIAL_WORKER)
    staff(provider_staff, Role.PROVIDER_STAFF)
    person = BeneficiaryFactory(registered_by=organisation)
    case = CaseFactory(beneficiary=person, organisation=organisation, lead_worker=social_worker)
    service = ServiceFactory(organisation=provider_organisation, name="Night shelter")
    offering = ServiceAtSiteFactory(
        service=service, site=SiteFactory(organisation=provider_organisation)
    )
    referral = ReferralFactory(case=case, service=service, offering=offering)
    assert not AuditEntry.objects.exists()  # the factories write no audit
    return SimpleNamespace(
        organisation=organisation,
        social_worker=social_worker,
        provider_staff=provider_staff,
        person=person,
        case=case,
        service=service,
        offering=offering,
        referral=referral,
    )


def client_of(user) -> APIClient:
    """One client for every door (it posts forms as a browser does), in English."""
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    verified_login(client, user)
    return client


def text_of(response) -> str:
    """What the person or the partner reads: the page's text, or every message of the
    JSON body."""
    if response["Content-Type"].startswith("application/json"):
        body = response.json()
        found: list[str] = []

        def collect(value) -> None:
            if isinstance(value, dict):
                for item in value.values():
                    collect(item)
            elif isinstance(value, list):
                for item in value:
                    collect(item)
            else:
                found.append(str(value))

        collect(body)
        return "\n".join(found)
    return html.unescape(response.content.decode())


def shown_errors(response) -> str:
    """The errors a page shows (for a failing test's message), or the JSON body."""
    text = text_of(response)
    if response["Content-Type"].startswith("application/json"):
        return text
    found = re.findall(r'<ul class="errorlist[^"]*"[^>]*>.*?</ul>', text, flags=re.S)
    found += re.findall(r'<p class="errornote">.*?</p>', text, flags=re.S)
    found = found or re.findall(r"<main.*?</main>", text, flags=re.S)
    return f"{response.status_code}: " + (" | ".join(found) or text[-1500:])


def assert_refused(response, message: str) -> None:
    """Refused (the form shown again, or an API error) with the domain's message."""
    assert response.status_code in (200, 400, 403, 409, 412), response.status_code
    if response.status_code == 200:  # the admin shows its form again
        assert "errornote" in response.content.decode()
    assert message in text_of(response), shown_errors(response)
    assert not AuditEntry.objects.exists()


def assert_one_entry(door: str, action: str, target, fields: list[str]) -> AuditEntry:
    entry = AuditEntry.objects.get()
    assert (entry.action, entry.via, entry.target_id) == (action, door, str(target.pk))
    assert entry.fields == fields
    return entry


def admin_add(client, model, values: dict):
    """The admin's add form, filled in as shown and then with ``values``, saved."""
    page = client.get(url(model, "add"))
    assert page.status_code == 200, page.status_code
    data = form_data(page)
    data.update({name: str(value) for name, value in values.items()})
    return client.post(url(model, "add"), data)


def succeeded(response) -> bool:
    return response.status_code in (200, 201, 302) and (
        response.status_code != 200 or "errornote" not in response.content.decode()
    )


# --- The doors of each action -----------------------------------------------------------


def refer(door: str, client, world, case):
    body = {"service": world.service.pk, "offering": world.offering.pk, "reason": REASON}
    if door == "workspace":
        return client.post(reverse("workspace:refer", args=[case.pk]), body)
    if door == "admin":
        return admin_add(
            client, Referral, {"case": case.pk, **body, "referred_on": TODAY().isoformat()}
        )
    return client.post("/api/v1/referrals/", {"case": str(case.pk), **body}, format="json")


def move(door: str, client, referral, status: str, reason: str = ""):
    referral.refresh_from_db()
    if door == "workspace":
        data = {"status": status, "version": referral.version, "reason": reason}
        return client.post(reverse("workspace:referral-move", args=[referral.pk]), data)
    if door == "admin":
        return admin_move(client, referral, status, reason)
    body = {"status": status} | ({"reason": reason} if reason else {})
    return client.patch(
        f"/api/v1/referrals/{referral.pk}/",
        body,
        format="json",
        HTTP_IF_MATCH=f'"{referral.version}"',
    )


def admin_move(client, referral, status: str, reason: str):
    """The admin's move of a referral: its status and dates are read-only there, the
    change form's "move" fields make the move when saved."""
    address = url(Referral, "change", referral.pk)
    page = client.get(address)
    assert page.status_code == 200, page.status_code
    data = form_data(page)
    data.update({"move_to": status, "move_reason": reason})
    return client.post(address, data)


def open_case(door: str, client, world, person):
    values = {
        "organisation": world.organisation.pk,
        "lead_worker": world.social_worker.pk,
        "opened_on": TODAY().isoformat(),
    }
    if door == "workspace":
        return client.post(reverse("workspace:case-new", args=[person.pk]), values)
    return admin_add(client, Case, {"beneficiary": person.pk, **values})


def add_need(door: str, client, case):
    values = {
        "domain": "housing",
        "severity": 3,
        "description": "Sleeps in a car.",
        "identified_on": TODAY().isoformat(),
    }
    if door == "workspace":
        return client.post(reverse("workspace:need-new", args=[case.pk]), values)
    return admin_add(client, Need, {"case": case.pk, **values})


# --- Referring ------------------------------------------------------------------------------


@pytest.mark.parametrize("door", DOORS)
def test_referring_without_consent_to_sharing_is_refused_alike(door, world):
    Consent.objects.filter(
        beneficiary=world.person, purpose=ConsentPurpose.SHARING_WITH_PROVIDERS
    ).delete()
    before = Referral.objects.count()
    response = refer(door, client_of(world.social_worker), world, world.case)
    assert_refused(
        response,
        "The person has not given consent to sharing with the providers referred to: record "
        "it before you refer the case to a provider.",
    )
    assert Referral.objects.count() == before


@pytest.mark.parametrize("door", DOORS)
def test_referring_after_consent_was_withdrawn_is_refused_alike(door, world):
    Consent.objects.filter(
        beneficiary=world.person, purpose=ConsentPurpose.SHARING_WITH_PROVIDERS
    ).update(withdrawn_on=datetime.date(2024, 2, 1))
    before = Referral.objects.count()
    response = refer(door, client_of(world.social_worker), world, world.case)
    assert_refused(
        response,
        "The person withdrew consent to sharing with the providers referred to on "
        "2024-02-01: you cannot refer the case to a provider unless they give it again.",
    )
    assert Referral.objects.count() == before


@pytest.mark.parametrize("door", DOORS)
def test_referring_writes_one_audit_row_via_the_door(door, world):
    response = refer(door, client_of(world.social_worker), world, world.case)
    assert succeeded(response), shown_errors(response)
    referral = Referral.objects.exclude(pk=world.referral.pk).get()
    assert (referral.case, referral.service, referral.offering, referral.reason) == (
        world.case,
        world.service,
        world.offering,
        REASON,
    )
    assert referral.referred_by == world.social_worker
    entry = assert_one_entry(
        door,
        "referral_create",
        referral,
        ["case", "offering", "reason", "referred_on", "service"],
    )
    assert entry.actor == world.social_worker
    assert entry.case_id == world.case.pk
    assert entry.details == {"service": world.service.pk, "status": "referred"}


# --- Moving a referral ------------------------------------------------------------------------


def assert_unmoved(referral) -> None:
    stored = Referral.objects.get(pk=referral.pk)
    assert (stored.status, stored.version, stored.responded_on, stored.ended_on) == (
        ReferralStatus.REFERRED,
        1,
        None,
        None,
    )


@pytest.mark.parametrize("door", DOORS)
def test_a_social_worker_accepting_is_refused_alike(door, world):
    response = move(door, client_of(world.social_worker), world.referral, "accepted")
    assert_refused(response, "Only the receiving service can make this change.")
    assert_unmoved(world.referral)


@pytest.mark.parametrize("door", DOORS)
def test_provider_staff_withdrawing_a_referral_never_started_is_refused_alike(door, world):
    response = move(door, client_of(world.provider_staff), world.referral, "closed", "Not for us.")
    assert_refused(response, "Only the case team can make this change.")
    assert_unmoved(world.referral)


@pytest.mark.parametrize("door", DOORS)
def test_accepting_writes_one_audit_row_via_the_door(door, world):
    response = move(door, client_of(world.provider_staff), world.referral, "accepted")
    assert succeeded(response), shown_errors(response)
    stored = Referral.objects.get(pk=world.referral.pk)
    assert (stored.status, stored.responded_on, stored.version) == (
        ReferralStatus.ACCEPTED,
        TODAY(),
        2,
    )
    entry = assert_one_entry(
        door, "referral_move", stored, ["ended_on", "responded_on", "started_on", "status"]
    )
    assert (entry.actor, entry.target_version) == (world.provider_staff, 2)
    assert entry.details == {"from": "referred", "to": "accepted"}


@pytest.mark.parametrize("door", DOORS)
def test_the_team_withdrawing_writes_one_audit_row_via_the_door(door, world):
    response = move(door, client_of(world.social_worker), world.referral, "closed", "Housed.")
    assert succeeded(response), shown_errors(response)
    stored = Referral.objects.get(pk=world.referral.pk)
    assert (stored.status, stored.ended_on, stored.reason) == (
        ReferralStatus.CLOSED,
        TODAY(),
        "Housed.",
    )
    entry = assert_one_entry(
        door,
        "referral_move",
        stored,
        ["ended_on", "reason", "responded_on", "started_on", "status"],
    )
    assert entry.details == {"from": "referred", "to": "closed"}


# --- Opening a case ------------------------------------------------------------------------


@pytest.mark.parametrize("door", FORM_DOORS)
def test_a_second_open_case_is_refused_alike(door, world):
    before = Case.objects.count()
    response = open_case(door, client_of(world.social_worker), world, world.person)
    assert_refused(
        response,
        f"This person already has a case in {world.organisation.name} that is not closed: "
        "work on that case instead of opening another one.",
    )
    assert Case.objects.count() == before


@pytest.mark.parametrize("door", FORM_DOORS)
def test_opening_a_case_without_consent_is_refused_alike(door, world):
    person = BeneficiaryFactory(registered_by=world.organisation)
    response = open_case(door, client_of(world.social_worker), world, person)
    assert_refused(
        response,
        "The person has not given consent to case management: record it before you open a case.",
    )
    assert not Case.objects.filter(beneficiary=person).exists()


@pytest.mark.parametrize("door", FORM_DOORS)
def test_opening_a_case_writes_one_audit_row_via_the_door(door, world):
    person = BeneficiaryFactory(registered_by=world.organisation)
    ConsentFactory(
        beneficiary=person,
        organisation=world.organisation,
        purpose=ConsentPurpose.CASE_MANAGEMENT,
        recorded_by=world.social_worker,
    )
    response = open_case(door, client_of(world.social_worker), world, person)
    assert succeeded(response), shown_errors(response)
    case = Case.objects.get(beneficiary=person)
    assert (case.organisation, case.lead_worker, case.status, case.opened_on) == (
        world.organisation,
        world.social_worker,
        CaseStatus.OPEN,
        TODAY(),
    )
    entry = assert_one_entry(
        door,
        "case_open",
        case,
        ["beneficiary", "lead_worker", "opened_on", "organisation", "protected"],
    )
    assert (entry.actor, entry.case_id) == (world.social_worker, case.pk)


# --- Adding a need ---------------------------------------------------------------------------


@pytest.mark.parametrize("door", FORM_DOORS)
def test_a_need_on_a_closed_case_is_refused_alike(door, world):
    closed_on = datetime.date(2024, 3, 1)
    Case.objects.filter(pk=world.case.pk).update(
        status=CaseStatus.CLOSED, closed_on=closed_on, outcome="moved_away"
    )
    response = add_need(door, client_of(world.social_worker), world.case)
    assert_refused(response, "This case is closed (on 2024-03-01): it can no longer be changed.")
    assert not Need.objects.filter(case=world.case).exists()


@pytest.mark.parametrize("door", FORM_DOORS)
def test_adding_a_need_writes_one_audit_row_via_the_door(door, world):
    response = add_need(door, client_of(world.social_worker), world.case)
    assert succeeded(response), shown_errors(response)
    need = Need.objects.get(case=world.case)
    assert (need.domain, need.severity, need.description) == ("housing", 3, "Sleeps in a car.")
    entry = assert_one_entry(
        door, "need_add", need, ["description", "domain", "identified_on", "severity"]
    )
    assert (entry.actor, entry.case_id) == (world.social_worker, world.case.pk)
    assert entry.details == {"domain": "housing", "severity": 3}
