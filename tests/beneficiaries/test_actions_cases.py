"""The case actions (beneficiaries/actions/cases.py and consents.py), called directly as a
job would: each save writes one audit row (via "job" outside a request) and touches the
case's last activity; each rule refuses with the field it names and the kind of refusal,
and leaves everything as it was."""

import datetime

import pytest
from django.core.exceptions import NON_FIELD_ERRORS
from django.utils import timezone

from beneficiaries.actions.cases import (
    case_close,
    case_open,
    case_update,
    goal_save,
    need_add,
    need_resolve,
    note_add,
)
from beneficiaries.actions.consents import consent_give, consent_withdraw
from beneficiaries.models import (
    Case,
    CaseStatus,
    Consent,
    ConsentPurpose,
    Goal,
    GoalStatus,
    Need,
    Note,
    ReferralStatus,
)
from core.channel import via
from core.errors import CONFLICT, FORBIDDEN, INVALID, STALE, ActionError
from core.models import AuditEntry
from services.models import Role
from tests.factories import (
    BeneficiaryFactory,
    CaseFactory,
    ConsentFactory,
    GoalFactory,
    NeedFactory,
    ReferralFactory,
)

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate
LONG_AGO = timezone.now() - datetime.timedelta(days=30)


@pytest.fixture
def person(organisation):
    return BeneficiaryFactory(registered_by=organisation)


@pytest.fixture
def case(person, organisation, social_worker):
    case = CaseFactory(beneficiary=person, organisation=organisation, lead_worker=social_worker)
    Case.objects.filter(pk=case.pk).update(last_activity_at=LONG_AGO)
    return Case.objects.get(pk=case.pk)


@pytest.fixture
def outsider(make_member, other_organisation):
    """A social worker of another organisation."""
    return make_member(Role.SOCIAL_WORKER, organisation=other_organisation)


def state(case) -> tuple:
    """Everything a refused action must leave as it was."""
    case = Case.objects.get(pk=case.pk)
    return (
        case.version,
        case.status,
        case.outcome,
        case.closed_on,
        case.lead_worker_id,
        sorted(case.team.values_list("pk", flat=True)),
        case.plan_summary,
        case.follow_up_on,
        case.last_activity_at,
        list(Need.objects.order_by("pk").values_list("pk", "resolved_on")),
        list(Goal.objects.order_by("pk").values_list("pk", "status", "version")),
        Note.objects.count(),
        list(Consent.objects.order_by("pk").values_list("pk", "withdrawn_on")),
        Case.objects.count(),
        AuditEntry.objects.count(),
    )


def refused(action, **kwargs) -> ActionError:
    with pytest.raises(ActionError) as caught:
        action(**kwargs)
    return caught.value


def assert_refused(of_case, action, field, kind, /, **kwargs) -> ActionError:
    """The action refuses with ``field`` and ``kind``, and nothing about ``of_case``
    (nor any audit row) changes."""
    before = state(of_case)
    error = refused(action, **kwargs)
    assert (field in error.error_dict, error.kind) == (True, kind), error.error_dict
    assert state(of_case) == before
    return error


def only_entry() -> AuditEntry:
    return AuditEntry.objects.get()


def touched(case) -> bool:
    return Case.objects.get(pk=case.pk).last_activity_at > LONG_AGO


def close(case):
    Case.objects.filter(pk=case.pk).update(
        status=CaseStatus.CLOSED, outcome="goals_met", closed_on=datetime.date(2024, 5, 1)
    )


# --- case_open --------------------------------------------------------------------------


def open_kwargs(user, person, organisation, **changes):
    kwargs = {
        "acting_user": user,
        "beneficiary": person,
        "organisation": organisation,
        "lead_worker": user,
        "opened_on": TODAY(),
    }
    return kwargs | changes


def test_case_open_writes_one_audit_row(person, organisation, social_worker):
    ConsentFactory(beneficiary=person, organisation=organisation)
    started = timezone.now()
    case = case_open(**open_kwargs(social_worker, person, organisation))
    assert (case.status, case.organisation, case.lead_worker) == (
        "open",
        organisation,
        social_worker,
    )
    entry = only_entry()
    assert (entry.action, entry.via, entry.actor, entry.case_id, entry.target_id) == (
        "case_open",
        "job",
        social_worker,
        case.pk,
        str(case.pk),
    )
    assert entry.fields == ["beneficiary", "lead_worker", "opened_on", "organisation", "protected"]
    assert Case.objects.get(pk=case.pk).last_activity_at >= started


def test_case_open_through_a_door_says_so(person, organisation, social_worker):
    ConsentFactory(beneficiary=person, organisation=organisation)
    with via("admin"):
        case_open(**open_kwargs(social_worker, person, organisation))
    assert only_entry().via == "admin"


@pytest.mark.parametrize(
    ("consent", "reason"),
    [
        (None, "has not given consent to case management"),
        ({"withdrawn_on": datetime.date(2024, 3, 1)}, "withdrew consent to case management on"),
        ({"expires_on": datetime.date(2024, 6, 30)}, "consent to case management expired on"),
        ({"purpose": ConsentPurpose.SHARING_WITH_PROVIDERS}, "has not given consent"),
    ],
    ids=["missing", "withdrawn", "expired", "other-purpose"],
)
def test_case_open_needs_consent_to_case_management_in_force(
    person, organisation, social_worker, consent, reason
):
    if consent is not None:
        ConsentFactory(beneficiary=person, organisation=organisation, **consent)
    error = refused(case_open, **open_kwargs(social_worker, person, organisation))
    assert error.kind == CONFLICT
    assert reason in error.error_dict["beneficiary"][0].messages[0]
    assert not Case.objects.exists() and not AuditEntry.objects.exists()


def test_case_open_needs_the_consent_given_to_that_organisation(
    person, organisation, other_organisation, social_worker
):
    ConsentFactory(beneficiary=person, organisation=other_organisation)
    error = refused(case_open, **open_kwargs(social_worker, person, organisation))
    assert (list(error.error_dict), error.kind) == (["beneficiary"], CONFLICT)
    assert not Case.objects.exists()


def test_case_open_refuses_a_second_open_case(case, person, organisation, social_worker):
    error = assert_refused(
        case,
        case_open,
        NON_FIELD_ERRORS,
        CONFLICT,
        **open_kwargs(social_worker, person, organisation),
    )
    assert "already has a case in" in error.messages[0]


def test_case_open_allows_a_new_case_once_the_last_is_closed(
    case, person, organisation, social_worker
):
    close(case)
    assert case_open(**open_kwargs(social_worker, person, organisation)).status == "open"
    assert Case.objects.count() == 2


def test_case_open_for_an_organisation_the_user_is_not_in(
    person, organisation, other_organisation, outsider, social_worker
):
    ConsentFactory(beneficiary=person, organisation=other_organisation)
    error = refused(case_open, **open_kwargs(social_worker, person, other_organisation))
    assert (list(error.error_dict), error.kind) == (["organisation"], FORBIDDEN)
    # Nor may a worker of another organisation open a case for a person they cannot see.
    error = refused(case_open, **open_kwargs(outsider, person, other_organisation))
    assert (list(error.error_dict), error.kind) == (["beneficiary"], FORBIDDEN)
    assert not Case.objects.exists() and not AuditEntry.objects.exists()


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"opened_on": TODAY() + datetime.timedelta(days=1)}, "opened_on"),
        ({"follow_up_on": TODAY() - datetime.timedelta(days=1)}, "follow_up_on"),
    ],
)
def test_case_open_checks_its_dates(person, organisation, social_worker, changes, field):
    ConsentFactory(beneficiary=person, organisation=organisation)
    error = refused(case_open, **open_kwargs(social_worker, person, organisation, **changes))
    assert (list(error.error_dict), error.kind) == ([field], INVALID)
    assert not Case.objects.exists()


def test_case_open_lead_worker_of_another_organisation(
    person, organisation, social_worker, outsider
):
    ConsentFactory(beneficiary=person, organisation=organisation)
    kwargs = open_kwargs(social_worker, person, organisation, lead_worker=outsider)
    error = refused(case_open, **kwargs)
    assert (list(error.error_dict), error.kind) == (["lead_worker"], INVALID)
    assert not Case.objects.exists()


# --- case_update ------------------------------------------------------------------------


def test_case_update_writes_one_audit_row(case, social_worker, make_member):
    colleague = make_member(Role.SOCIAL_WORKER)
    saved = case_update(
        acting_user=social_worker,
        case=case,
        version=1,
        plan_summary="Casa e lavoro",
        team=[colleague],
    )
    assert saved.version == 2
    stored = Case.objects.get(pk=case.pk)
    assert (stored.plan_summary, list(stored.team.all())) == ("Casa e lavoro", [colleague])
    entry = only_entry()
    assert (entry.action, entry.via, entry.fields, entry.target_version, entry.case_id) == (
        "case_update",
        "job",
        ["plan_summary", "team"],
        2,
        case.pk,
    )
    assert touched(case)


def test_case_update_changes_only_the_fields_given(case, social_worker):
    Case.objects.filter(pk=case.pk).update(plan_summary="")
    case_update(acting_user=social_worker, case=case, version=1, follow_up_on=TODAY())
    stored = Case.objects.get(pk=case.pk)
    assert (stored.follow_up_on, stored.lead_worker, stored.protected) == (
        TODAY(),
        social_worker,
        False,
    )
    assert only_entry().fields == ["follow_up_on"]


def test_case_update_refuses_a_stale_version(case, social_worker):
    case_update(acting_user=social_worker, case=case, version=1, plan_summary="Primo")
    error = assert_refused(
        case,
        case_update,
        "version",
        STALE,
        acting_user=social_worker,
        case=case,
        version=1,
        plan_summary="Secondo",
    )
    assert "now version 2, you sent 1" in error.messages[0]


def test_case_update_refuses_a_closed_case(case, social_worker):
    close(case)
    assert_refused(
        case,
        case_update,
        "case",
        CONFLICT,
        acting_user=social_worker,
        case=case,
        version=1,
        plan_summary="x",
    )


def test_case_update_refuses_who_is_not_on_the_case(case, outsider, make_member):
    assert_refused(
        case,
        case_update,
        "case",
        FORBIDDEN,
        acting_user=outsider,
        case=case,
        version=1,
        plan_summary="x",
    )
    Case.objects.filter(pk=case.pk).update(protected=True)
    colleague_off_the_team = make_member(Role.SOCIAL_WORKER)
    assert_refused(
        case,
        case_update,
        "case",
        FORBIDDEN,
        acting_user=colleague_off_the_team,
        case=case,
        version=1,
        plan_summary="x",
    )


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"follow_up_on": datetime.date(2023, 1, 1)}, "follow_up_on"),
        ({"lead_worker": None}, "lead_worker"),
    ],
)
def test_case_update_refuses_bad_values(case, social_worker, changes, field):
    assert_refused(
        case,
        case_update,
        field,
        INVALID,
        acting_user=social_worker,
        case=case,
        version=1,
        **changes,
    )


def test_case_update_team_rules(case, social_worker, outsider):
    assert_refused(
        case,
        case_update,
        "team",
        INVALID,
        acting_user=social_worker,
        case=case,
        version=1,
        team=[social_worker],
    )
    assert_refused(
        case,
        case_update,
        "team",
        INVALID,
        acting_user=social_worker,
        case=case,
        version=1,
        team=[outsider],
    )
    assert_refused(
        case,
        case_update,
        "lead_worker",
        INVALID,
        acting_user=social_worker,
        case=case,
        version=1,
        lead_worker=outsider,
    )


# --- case_close -------------------------------------------------------------------------


def test_case_close_writes_one_audit_row(case, social_worker):
    closed = case_close(
        acting_user=social_worker, case=case, version=1, outcome="goals_met", closed_on=TODAY()
    )
    assert (closed.status, closed.outcome, closed.closed_on) == ("closed", "goals_met", TODAY())
    entry = only_entry()
    assert (entry.action, entry.via, entry.fields, entry.details) == (
        "case_close",
        "job",
        ["closed_on", "outcome", "status"],
        {"outcome": "goals_met", "left_open": 0},
    )
    assert touched(case)


def test_case_close_over_open_referrals_needs_close_anyway(case, social_worker):
    referral = ReferralFactory(case=case, status=ReferralStatus.REFERRED)
    kwargs = {
        "acting_user": social_worker,
        "case": case,
        "version": 1,
        "outcome": "goals_met",
        "closed_on": TODAY(),
    }
    assert_refused(case, case_close, "close_anyway", CONFLICT, **kwargs)
    case_close(**kwargs, close_anyway=True)
    assert only_entry().details == {"outcome": "goals_met", "left_open": 1}
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.REFERRED  # left as it was, never ended here


@pytest.mark.parametrize(
    ("changes", "field", "kind"),
    [
        ({"closed_on": TODAY() + datetime.timedelta(days=1)}, "closed_on", INVALID),
        ({"closed_on": datetime.date(2023, 12, 31)}, NON_FIELD_ERRORS, INVALID),
        ({"version": 7}, "version", STALE),
    ],
)
def test_case_close_refuses(case, social_worker, changes, field, kind):
    kwargs = {"version": 1, "outcome": "moved_away", "closed_on": TODAY()} | changes
    assert_refused(case, case_close, field, kind, acting_user=social_worker, case=case, **kwargs)


def test_case_close_of_a_closed_case(case, social_worker):
    close(case)
    assert_refused(
        case,
        case_close,
        "case",
        CONFLICT,
        acting_user=social_worker,
        case=case,
        version=1,
        outcome="other",
        closed_on=TODAY(),
    )


# --- Needs ------------------------------------------------------------------------------


def need_kwargs(user, case, **changes):
    kwargs = {
        "acting_user": user,
        "case": case,
        "domain": "work",
        "severity": 2,
        "identified_on": TODAY(),
    }
    return kwargs | changes


def test_need_add_writes_one_audit_row(case, social_worker):
    need = need_add(**need_kwargs(social_worker, case, description="Cerca lavoro"))
    assert (need.case, need.domain, need.severity) == (case, "work", 2)
    entry = only_entry()
    assert (entry.action, entry.via, entry.fields, entry.case_id, entry.details) == (
        "need_add",
        "job",
        ["description", "domain", "identified_on", "severity"],
        case.pk,
        {"domain": "work", "severity": 2},
    )
    assert touched(case)


def test_need_add_refuses(case, social_worker, outsider):
    assert_refused(
        case,
        need_add,
        "identified_on",
        INVALID,
        **need_kwargs(social_worker, case, identified_on=TODAY() + datetime.timedelta(days=1)),
    )
    assert_refused(case, need_add, "case", FORBIDDEN, **need_kwargs(outsider, case))
    close(case)
    assert_refused(case, need_add, "case", CONFLICT, **need_kwargs(social_worker, case))


def test_need_resolve_writes_one_audit_row(case, social_worker):
    need = NeedFactory(case=case)
    resolved = need_resolve(acting_user=social_worker, need=need)
    assert Need.objects.get(pk=need.pk).resolved_on == TODAY() == resolved.resolved_on
    entry = only_entry()
    assert (entry.action, entry.via, entry.fields, entry.case_id) == (
        "need_resolve",
        "job",
        ["resolved_on"],
        case.pk,
    )
    assert touched(case)


def test_need_resolve_refuses(case, social_worker, outsider):
    need = NeedFactory(case=case)
    assert_refused(case, need_resolve, "case", FORBIDDEN, acting_user=outsider, need=need)
    later = NeedFactory(case=case, identified_on=TODAY() + datetime.timedelta(days=3))
    assert_refused(
        case, need_resolve, NON_FIELD_ERRORS, INVALID, acting_user=social_worker, need=later
    )
    need_resolve(acting_user=social_worker, need=need)
    assert_refused(
        case, need_resolve, "resolved_on", CONFLICT, acting_user=social_worker, need=need
    )
    close(case)
    other = NeedFactory(case=case)
    assert_refused(case, need_resolve, "case", CONFLICT, acting_user=social_worker, need=other)


# --- Goals ------------------------------------------------------------------------------


def test_goal_save_adds_with_one_audit_row(case, social_worker):
    goal = goal_save(
        acting_user=social_worker,
        case=case,
        description="Trovare lavoro",
        domain="work",
        target_on=datetime.date(2024, 12, 31),
    )
    assert (goal.case, goal.description, goal.status, goal.version) == (
        case,
        "Trovare lavoro",
        "open",
        1,
    )
    entry = only_entry()
    assert (entry.action, entry.via, entry.fields, entry.case_id) == (
        "goal_add",
        "job",
        ["description", "domain", "status", "target_on"],
        case.pk,
    )
    assert touched(case)


def test_goal_save_updates_with_one_audit_row(case, social_worker):
    goal = GoalFactory(case=case)
    saved = goal_save(
        acting_user=social_worker,
        case=case,
        goal=goal,
        version=1,
        description=goal.description,
        domain=goal.domain,
        status=GoalStatus.ACHIEVED,
    )
    assert (saved.status, saved.version) == ("achieved", 2)
    entry = only_entry()
    assert (entry.action, entry.via, entry.fields, entry.target_id) == (
        "goal_update",
        "job",
        ["status"],
        str(goal.pk),
    )
    assert touched(case)


def test_goal_save_refuses(case, social_worker, outsider):
    goal = GoalFactory(case=case)
    base = {"acting_user": social_worker, "case": case, "description": "Casa"}
    assert_refused(
        case, goal_save, "target_on", INVALID, **base, target_on=datetime.date(2023, 1, 1)
    )
    assert_refused(case, goal_save, "description", INVALID, **base | {"description": "  "})
    assert_refused(case, goal_save, "version", STALE, **base, goal=goal, version=4)
    elsewhere = GoalFactory(case__beneficiary__registered_by=case.organisation)
    assert_refused(case, goal_save, "goal", INVALID, **base, goal=elsewhere, version=1)
    assert_refused(case, goal_save, "case", FORBIDDEN, **base | {"acting_user": outsider})
    close(case)
    assert_refused(case, goal_save, "case", CONFLICT, **base)


# --- Notes ------------------------------------------------------------------------------


def test_note_add_writes_one_audit_row(case, social_worker):
    note = note_add(acting_user=social_worker, case=case, body="Colloquio svolto")
    assert (note.author, note.body) == (social_worker, "Colloquio svolto")
    entry = only_entry()
    assert (entry.action, entry.via, entry.fields, entry.case_id) == (
        "note_add",
        "job",
        ["body"],
        case.pk,
    )
    assert touched(case)


def test_note_add_refuses(case, social_worker, outsider):
    assert_refused(case, note_add, "body", INVALID, acting_user=social_worker, case=case, body=" ")
    assert_refused(case, note_add, "case", FORBIDDEN, acting_user=outsider, case=case, body="x")
    close(case)
    assert_refused(case, note_add, "case", CONFLICT, acting_user=social_worker, case=case, body="x")


# --- Consents ---------------------------------------------------------------------------


def test_consent_give_writes_one_audit_row(case, person, organisation, social_worker):
    consent = consent_give(
        acting_user=social_worker,
        beneficiary=person,
        purpose=ConsentPurpose.CONTACT,
        organisation=organisation,
        given_on=TODAY(),
        expires_on=TODAY() + datetime.timedelta(days=365),
    )
    assert (consent.recorded_by, consent.organisation) == (social_worker, organisation)
    entry = only_entry()
    assert (entry.action, entry.via, entry.fields, entry.details) == (
        "consent_give",
        "job",
        ["expires_on", "given_on", "organisation", "purpose"],
        {"purpose": "contact"},
    )
    assert touched(case)  # the case team's caseload shows the person's consent moved


def test_consent_give_refuses(case, person, organisation, other_organisation, social_worker):
    base = {
        "acting_user": social_worker,
        "beneficiary": person,
        "purpose": ConsentPurpose.CASE_MANAGEMENT,
        "organisation": organisation,
        "given_on": TODAY(),
    }
    # The case's own consent to case management is in force already.
    assert_refused(case, consent_give, "purpose", CONFLICT, **base)
    base["purpose"] = ConsentPurpose.CONTACT
    assert_refused(
        case,
        consent_give,
        "given_on",
        INVALID,
        **base | {"given_on": TODAY() + datetime.timedelta(1)},
    )
    assert_refused(
        case, consent_give, "expires_on", INVALID, **base, expires_on=datetime.date(2024, 1, 1)
    )
    assert_refused(
        case, consent_give, "organisation", FORBIDDEN, **base | {"organisation": other_organisation}
    )


def test_consent_withdraw_writes_one_audit_row(case, person, organisation, social_worker):
    consent = Consent.objects.get(beneficiary=person, purpose=ConsentPurpose.SHARING_WITH_PROVIDERS)
    withdrawn = consent_withdraw(acting_user=social_worker, consent=consent)
    assert Consent.objects.get(pk=consent.pk).withdrawn_on == TODAY() == withdrawn.withdrawn_on
    entry = only_entry()
    assert (entry.action, entry.via, entry.fields, entry.details) == (
        "consent_withdraw",
        "job",
        ["withdrawn_on"],
        {"purpose": "sharing"},
    )
    assert touched(case)


def test_consent_withdraw_by_another_organisation_is_refused(
    case, person, other_organisation, outsider
):
    """The other organisation follows the same person in a case of its own: it still
    cannot withdraw the consent given to this one."""
    CaseFactory(beneficiary=person, organisation=other_organisation, lead_worker=outsider)
    Case.objects.exclude(pk=case.pk).update(last_activity_at=LONG_AGO)
    # (The change audit is append-only: ``state`` compares its count before and after.)
    consent = Consent.objects.get(
        beneficiary=person, organisation=case.organisation, purpose=ConsentPurpose.CASE_MANAGEMENT
    )
    assert_refused(
        case, consent_withdraw, "consent", FORBIDDEN, acting_user=outsider, consent=consent
    )
    assert Consent.objects.get(pk=consent.pk).withdrawn_on is None


def test_consent_withdraw_twice_is_refused(case, person, social_worker):
    consent = Consent.objects.get(beneficiary=person, purpose=ConsentPurpose.HOUSING)
    consent_withdraw(acting_user=social_worker, consent=consent)
    assert_refused(
        case, consent_withdraw, "withdrawn_on", CONFLICT, acting_user=social_worker, consent=consent
    )
