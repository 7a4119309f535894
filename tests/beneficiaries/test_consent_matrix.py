"""Consent by purpose (issue 12): the person's consent in force, missing, withdrawn or
expired × opening a case, referring, placing, and the provider reading the referral.

The actions refuse without the purpose's consent, with the reason as the worker reads it,
and change nothing (no record, no audit row); the provider reading a referral without the
person's consent to sharing gets the anonymous stub with the reason, on the workspace's
list and page and in the API alike.
"""

import datetime
from html import unescape

import pytest
from django.urls import reverse
from django.utils import timezone, translation
from rest_framework.test import APIClient

from beneficiaries.actions.cases import case_open
from beneficiaries.actions.consents import consent_withdraw
from beneficiaries.actions.referrals import referral_create
from beneficiaries.models import Case, Consent, ConsentPurpose, Referral
from core.errors import CONFLICT, ActionError
from core.models import AuditEntry
from housing.actions.placements import placement_create
from housing.models import Placement
from services.models import Role
from tests.auth import verified_login
from tests.factories import (
    BeneficiaryFactory,
    CaseFactory,
    ConsentFactory,
    HousingUnitFactory,
    NeedFactory,
    ReferralFactory,
    ServiceAtSiteFactory,
    ServiceFactory,
)

pytestmark = pytest.mark.django_db

GIVEN = datetime.date(2024, 1, 10)
ENDED = datetime.date(2024, 3, 1)  # withdrawn or expired on
STATES = ("in_force", "missing", "withdrawn", "expired")
WHAT = {
    ConsentPurpose.CASE_MANAGEMENT: "open a case",
    ConsentPurpose.SHARING_WITH_PROVIDERS: "refer the case to a provider",
    ConsentPurpose.HOUSING: "place the person in housing",
}


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def record_consent(person, organisation, purpose, state, recorded_by) -> None:
    """The person's consent to ``purpose`` for ``organisation``, in the state asked for."""
    if state == "missing":
        return
    ConsentFactory(
        beneficiary=person,
        organisation=organisation,
        purpose=purpose,
        given_on=GIVEN,
        withdrawn_on=ENDED if state == "withdrawn" else None,
        expires_on=ENDED if state == "expired" else None,
        recorded_by=recorded_by,
    )


def action_refusal(purpose, state) -> str | None:
    """The reason the action gives, as the worker reads it (None: allowed)."""
    label, what = ConsentPurpose(purpose).label, WHAT[purpose]
    return {
        "in_force": None,
        "missing": f"The person has not given consent to {label}: record it before you {what}.",
        "withdrawn": f"The person withdrew consent to {label} on {ENDED}: you cannot {what} "
        "unless they give it again.",
        "expired": f"The person's consent to {label} expired on {ENDED}: record it again "
        f"before you {what}.",
    }[state]


def provider_reason(state) -> str | None:
    """What the provider reads on an anonymous referral (None: the person is shown)."""
    sharing = ConsentPurpose.SHARING_WITH_PROVIDERS.label
    return {
        "in_force": None,
        "missing": f"The person has not given consent to {sharing}: their details are not shown.",
        "withdrawn": f"The person withdrew consent to {sharing} on {ENDED}: their details are "
        "no longer shown.",
        "expired": f"The person's consent to {sharing} expired on {ENDED}: their details are "
        "no longer shown.",
    }[state]


def assert_refused_with(call, field: str, reason: str) -> None:
    audit_rows = AuditEntry.objects.count()
    with pytest.raises(ActionError) as refused:
        call()
    assert refused.value.kind == CONFLICT
    assert refused.value.message_dict == {field: [reason]}
    assert AuditEntry.objects.count() == audit_rows


# --- The actions -------------------------------------------------------------------------


@pytest.mark.parametrize("state", STATES)
def test_open_a_case(state, organisation, social_worker):
    person = BeneficiaryFactory(registered_by=organisation)
    record_consent(person, organisation, ConsentPurpose.CASE_MANAGEMENT, state, social_worker)

    def call():
        return case_open(
            acting_user=social_worker,
            beneficiary=person,
            organisation=organisation,
            lead_worker=social_worker,
            opened_on=timezone.localdate(),
        )

    reason = action_refusal(ConsentPurpose.CASE_MANAGEMENT, state)
    if reason is None:
        case = call()
        assert Case.objects.get(beneficiary=person) == case
        assert AuditEntry.objects.filter(action="case_open", target_id=str(case.pk)).count() == 1
    else:
        assert_refused_with(call, "beneficiary", reason)
        assert not Case.objects.filter(beneficiary=person).exists()


@pytest.mark.parametrize("state", STATES)
def test_refer(state, organisation, social_worker, provider_organisation):
    case = CaseFactory(
        beneficiary=BeneficiaryFactory(registered_by=organisation),
        lead_worker=social_worker,
        consents=[ConsentPurpose.CASE_MANAGEMENT],
    )
    record_consent(
        case.beneficiary, organisation, ConsentPurpose.SHARING_WITH_PROVIDERS, state, social_worker
    )
    service = ServiceFactory(organisation=provider_organisation)

    def call():
        return referral_create(acting_user=social_worker, case=case, service=service)

    reason = action_refusal(ConsentPurpose.SHARING_WITH_PROVIDERS, state)
    if reason is None:
        referral = call()
        assert list(Referral.objects.filter(case=case)) == [referral]
    else:
        assert_refused_with(call, "case", reason)
        assert not Referral.objects.filter(case=case).exists()


@pytest.mark.parametrize("state", STATES)
def test_refer_in_the_workspace_shows_the_reason(
    state, client, organisation, social_worker, provider_organisation
):
    case = CaseFactory(
        beneficiary=BeneficiaryFactory(registered_by=organisation),
        lead_worker=social_worker,
        consents=[ConsentPurpose.CASE_MANAGEMENT],
    )
    record_consent(
        case.beneficiary, organisation, ConsentPurpose.SHARING_WITH_PROVIDERS, state, social_worker
    )
    offering = ServiceAtSiteFactory(service__organisation=provider_organisation)
    verified_login(client, social_worker)
    response = client.post(
        reverse("workspace:refer", args=[case.pk]),
        {"service": offering.service_id, "offering": offering.pk},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    reason = action_refusal(ConsentPurpose.SHARING_WITH_PROVIDERS, state)
    if reason is None:
        assert response.status_code == 302
        assert Referral.objects.filter(case=case).count() == 1
    else:
        assert response.status_code == 400
        assert reason in unescape(response.content.decode())
        assert not Referral.objects.filter(case=case).exists()


@pytest.mark.parametrize("state", STATES)
def test_place(state, organisation, social_worker):
    case = CaseFactory(
        beneficiary=BeneficiaryFactory(registered_by=organisation),
        lead_worker=social_worker,
        consents=[ConsentPurpose.CASE_MANAGEMENT],
    )
    record_consent(case.beneficiary, organisation, ConsentPurpose.HOUSING, state, social_worker)
    unit = HousingUnitFactory(owner=organisation, places=2)

    def call():
        return placement_create(
            acting_user=social_worker, unit=unit, case=case, starts_on=timezone.localdate()
        )

    reason = action_refusal(ConsentPurpose.HOUSING, state)
    if reason is None:
        placement = call()
        assert list(Placement.objects.filter(case=case)) == [placement]
    else:
        assert_refused_with(call, "case", reason)
        assert not Placement.objects.filter(case=case).exists()


# --- The provider reads the referral -------------------------------------------------------


@pytest.fixture
def referred(organisation, social_worker, provider_organisation):
    """Anna Bianchi's case, with a need, referred to the provider; no consent recorded
    (each test records the one it is about)."""
    person = BeneficiaryFactory(
        registered_by=organisation,
        given_name="Anna",
        family_name="Bianchi",
        birth_date=datetime.date(1990, 6, 1),
    )
    case = CaseFactory(
        beneficiary=person,
        lead_worker=social_worker,
        consents=[ConsentPurpose.CASE_MANAGEMENT],
    )
    NeedFactory(case=case, description="Sleeps in a car.")
    service = ServiceFactory(organisation=provider_organisation, name="Casa Aurora")
    return ReferralFactory(case=case, service=service, reason="Needs a bed tonight.")


def provider_reads(referral, provider_staff) -> dict:
    """The referral as the provider reads it: the incoming list, the page, the API."""
    client = APIClient()
    verified_login(client, provider_staff)
    listed = client.get(reverse("workspace:incoming"), HTTP_ACCEPT_LANGUAGE="en")
    page = client.get(reverse("workspace:referral", args=[referral.pk]), HTTP_ACCEPT_LANGUAGE="en")
    api = client.get(f"/api/v1/referrals/{referral.pk}/", HTTP_ACCEPT_LANGUAGE="en")
    assert (listed.status_code, page.status_code, api.status_code) == (200, 200, 200)
    return {
        "list": unescape(listed.content.decode()),
        "page": unescape(page.content.decode()),
        "view": listed.context["page"].object_list[0].kind,
        "api": api.json(),
    }


@pytest.mark.parametrize("state", STATES)
def test_provider_reads_the_referral(state, referred, social_worker, provider_staff):
    case = referred.case
    record_consent(
        case.beneficiary,
        case.organisation,
        ConsentPurpose.SHARING_WITH_PROVIDERS,
        state,
        social_worker,
    )
    read = provider_reads(referred, provider_staff)
    reason = provider_reason(state)
    if reason is None:
        assert read["view"] == "full"
        for html in (read["list"], read["page"]):
            assert "Bianchi Anna" in html
        assert "1990" in read["page"] and "Needs a bed tonight." in read["page"]
        assert read["api"]["view"] == "full"
        assert read["api"]["person"] == {
            "name": "Bianchi Anna",
            "birth_year": 1990,
            "age_band": None,
        }
        assert read["api"]["needs"] == [{"domain": "housing", "severity": 3}]
        assert read["api"]["withheld_because"] is None
    else:
        assert read["view"] == "anonymous"
        for html in (read["list"], read["page"]):
            assert reason in html
            assert "Bianchi" not in html and "Anna" not in html
        # The stub: service, dates, status and the contact route; no person, no needs,
        # no free text about the person.
        assert "Casa Aurora" in read["page"] and case.organisation.name in read["page"]
        for text in ("1990", "Needs a bed tonight.", "housing", "Sleeps in a car."):
            assert text not in read["page"]
        api = read["api"]
        assert (api["view"], api["withheld_because"], api["person"], api["needs"]) == (
            "anonymous",
            reason,
            None,
            [],
        )
        assert api["reason"] is None and api["status"] == "referred"
        assert "Bianchi" not in str(api)
    assert "Sleeps in a car." not in read["page"] + read["list"] + str(read["api"])


def test_withdrawal_takes_effect_at_once_and_the_worker_sees_why(
    referred, social_worker, provider_staff, client
):
    """Withdrawn through the action, the provider's next read is the stub; the worker's
    referral page says what the provider sees and why."""
    case = referred.case
    sharing = ConsentFactory(
        beneficiary=case.beneficiary,
        organisation=case.organisation,
        purpose=ConsentPurpose.SHARING_WITH_PROVIDERS,
        given_on=GIVEN,
        recorded_by=social_worker,
    )
    assert provider_reads(referred, provider_staff)["view"] == "full"
    consent_withdraw(acting_user=social_worker, consent=sharing)
    read = provider_reads(referred, provider_staff)
    today = timezone.localdate().isoformat()
    withdrawn = (
        "The person withdrew consent to sharing with the providers referred to on "
        f"{today}: their details are no longer shown."
    )
    assert read["view"] == "anonymous" and withdrawn in read["page"]
    assert "Bianchi" not in read["page"]

    verified_login(client, social_worker)
    page = unescape(
        client.get(
            reverse("workspace:referral", args=[referred.pk]), HTTP_ACCEPT_LANGUAGE="en"
        ).content.decode()
    )
    assert "Bianchi Anna" in page  # the team still sees its own case
    assert "The receiving service sees an anonymous referral." in page and withdrawn in page


def test_consent_to_another_organisation_does_not_count(
    referred, provider_staff, other_organisation, make_member
):
    """Sharing is consented to the case's organisation: a consent recorded by another
    organisation for the same person does not open the referral to the provider."""
    ConsentFactory(
        beneficiary=referred.case.beneficiary,
        organisation=other_organisation,
        purpose=ConsentPurpose.SHARING_WITH_PROVIDERS,
        given_on=GIVEN,
        recorded_by=make_member(Role.SOCIAL_WORKER, organisation=other_organisation),
    )
    assert Consent.objects.filter(beneficiary=referred.case.beneficiary).count() == 2
    assert provider_reads(referred, provider_staff)["view"] == "anonymous"
