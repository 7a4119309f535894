"""Each constraint of the people and case models is enforced by the database itself."""

import datetime

import pytest

from beneficiaries.models import (
    Beneficiary,
    Case,
    CaseOutcome,
    CaseStatus,
    Referral,
    family_name_lookup_hash,
)
from tests.factories import (
    BeneficiaryFactory,
    CaseFactory,
    ConsentFactory,
    GoalFactory,
    NeedFactory,
    ReferralFactory,
)
from tests.integrity import violates

pytestmark = pytest.mark.django_db

JAN_10 = datetime.date(2024, 1, 10)
JAN_9 = datetime.date(2024, 1, 9)


def test_beneficiary_codice_fiscale_unique():
    person = BeneficiaryFactory()
    with violates("beneficiary_codice_fiscale_unique"):
        # The same code typed differently hashes the same once normalised.
        BeneficiaryFactory(codice_fiscale=f" {person.codice_fiscale.lower()} ")


def test_people_without_codice_fiscale_do_not_collide():
    first = BeneficiaryFactory(codice_fiscale="")
    second = BeneficiaryFactory(codice_fiscale="")
    assert first.codice_fiscale_hash is None
    assert second.codice_fiscale_hash is None


def test_beneficiary_resident_or_homeless():
    BeneficiaryFactory(residence_municipality=None, homeless=True)
    with violates("beneficiary_resident_or_homeless"):
        BeneficiaryFactory(residence_municipality=None, homeless=False)


@pytest.mark.parametrize("value", ["", "0" * 63, "A" * 64, "g" * 64])
def test_beneficiary_codice_fiscale_hash_format(value):
    person = BeneficiaryFactory()
    with violates("beneficiary_codice_fiscale_hash_format"):
        Beneficiary.objects.filter(pk=person.pk).update(codice_fiscale_hash=value)


@pytest.mark.parametrize(
    "fields",
    [
        pytest.param({"status": CaseStatus.CLOSED, "outcome": CaseOutcome.GOALS_MET}, id="no-date"),
        pytest.param({"status": CaseStatus.CLOSED, "closed_on": JAN_10}, id="no-outcome"),
        pytest.param({"status": CaseStatus.OPEN, "closed_on": JAN_10}, id="open-with-date"),
        pytest.param({"status": CaseStatus.SUSPENDED, "outcome": "other"}, id="open-with-outcome"),
    ],
)
def test_case_closed_iff_closing_date_and_outcome(fields):
    with violates("case_closed_iff_closing_date_and_outcome"):
        CaseFactory(opened_on=JAN_10, **fields)


def test_case_closed_with_date_and_outcome_is_allowed():
    case = CaseFactory(
        opened_on=JAN_10, status=CaseStatus.CLOSED, closed_on=JAN_10, outcome=CaseOutcome.OTHER
    )
    assert case.status == CaseStatus.CLOSED


def test_case_closed_after_opened():
    case = CaseFactory(
        opened_on=JAN_10, status=CaseStatus.CLOSED, closed_on=JAN_10, outcome=CaseOutcome.OTHER
    )
    with violates("case_closed_after_opened"):
        Case.objects.filter(pk=case.pk).update(closed_on=JAN_9)


@pytest.mark.parametrize("severity", [0, 5])
def test_need_severity_1_to_4(severity):
    with violates("need_severity_1_to_4"):
        NeedFactory(severity=severity)


def test_need_domain_known():
    with violates("need_domain_known"):
        NeedFactory(domain="wellbeing")


def test_need_resolved_after_identified():
    NeedFactory(identified_on=JAN_10, resolved_on=JAN_10)
    with violates("need_resolved_after_identified"):
        NeedFactory(identified_on=JAN_10, resolved_on=JAN_9)


@pytest.mark.parametrize(
    ("field", "constraint"),
    [
        ("responded_on", "referral_response_after_referral"),
        ("started_on", "referral_start_after_referral"),
        ("ended_on", "referral_end_after_referral"),
    ],
)
def test_referral_dates_after_referral(field, constraint):
    # Status "closed" accepts every date, so only the ordering constraint can fail.
    referral = ReferralFactory(status="closed", referred_on=JAN_10, ended_on=JAN_10)
    with violates(constraint):
        Referral.objects.filter(pk=referral.pk).update(**{field: JAN_9})


@pytest.mark.parametrize(
    "fields",
    [
        pytest.param({"status": "referred", "ended_on": JAN_10}, id="referred-ended"),
        pytest.param({"status": "waiting", "ended_on": JAN_10}, id="waiting-ended"),
        pytest.param({"status": "accepted"}, id="accepted-without-response"),
        pytest.param({"status": "active"}, id="active-without-start"),
        pytest.param({"status": "declined", "responded_on": JAN_10}, id="declined-no-reason"),
        pytest.param({"status": "declined", "reason": "full"}, id="declined-no-response"),
        pytest.param({"status": "closed"}, id="closed-without-end"),
        pytest.param({"status": "lost"}, id="unknown-status"),
    ],
)
def test_referral_status_dates(fields):
    with violates("referral_status_dates"):
        ReferralFactory(referred_on=JAN_10, **fields)


@pytest.mark.parametrize(
    "fields",
    [
        {"status": "referred"},
        {"status": "waiting"},
        {"status": "accepted", "responded_on": JAN_10},
        {"status": "active", "started_on": JAN_10},
        {"status": "declined", "responded_on": JAN_10, "reason": "No places left."},
        {"status": "closed", "ended_on": JAN_10},
    ],
)
def test_referral_status_with_its_dates_is_allowed(fields):
    referral = ReferralFactory(referred_on=JAN_10, **fields)
    assert Referral.objects.get(pk=referral.pk).status == fields["status"]


def test_consent_withdrawn_after_given():
    ConsentFactory(given_on=JAN_10, withdrawn_on=JAN_10)
    with violates("consent_withdrawn_after_given"):
        ConsentFactory(given_on=JAN_10, withdrawn_on=JAN_9)


def test_consent_expires_after_given():
    ConsentFactory(given_on=JAN_10, expires_on=JAN_10)
    with violates("consent_expires_after_given"):
        ConsentFactory(given_on=JAN_10, expires_on=JAN_9)


def test_goal_status_known():
    goal = GoalFactory()
    with violates("goal_status_known"):
        type(goal).objects.filter(pk=goal.pk).update(status="forgotten")


def test_goal_domain_known():
    goal = GoalFactory()
    with violates("goal_domain_known"):
        type(goal).objects.filter(pk=goal.pk).update(domain="magic")


@pytest.mark.parametrize("value", ["", "0" * 63, "A" * 64])
def test_beneficiary_family_name_key_hash_format(value):
    person = BeneficiaryFactory()
    with violates("beneficiary_family_name_key_hash_format"):
        Beneficiary.objects.filter(pk=person.pk).update(family_name_key_hash=value)


@pytest.mark.parametrize("value", ["", "0" * 63, "A" * 64, "1985-03-02"])
def test_beneficiary_birth_date_hash_format(value):
    person = BeneficiaryFactory()
    with violates("beneficiary_birth_date_hash_format"):
        Beneficiary.objects.filter(pk=person.pk).update(birth_date_hash=value)


def test_family_name_key_hash_follows_the_name():
    person = BeneficiaryFactory(family_name="Rossi")
    assert person.family_name_key_hash == family_name_lookup_hash("Russo")
    person.family_name = "Bianchi"
    person.save(update_fields=["family_name"])
    person.refresh_from_db()
    assert person.family_name_key_hash == family_name_lookup_hash("Bianci")
    with pytest.raises(TypeError, match="through save"):
        Beneficiary.objects.filter(pk=person.pk).update(family_name="Verdi")
