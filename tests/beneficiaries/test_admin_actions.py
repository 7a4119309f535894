"""The back office writes people and cases through the domain actions (issue 12).

* the issue's probes, through the real admin pages: a social worker accepting a referral,
  provider staff withdrawing a referral never started, a second open case for the same
  person and organisation, a need added to a closed case (on the need's page and in the
  case page's inline) — each refused with the domain's message on the page, nothing
  changed, no audit row;
* each successful admin write is exactly one audit row of its action, ``via`` "admin";
* a stale form is refused by the action (under its row lock), with its message;
* who may lead or join a case is the actions' reader (``case_workers``); a form without
  an action checks its version with the row locked;
* what no action expresses is read-only: a referral's status and dates (moved with "Move
  the referral" instead), a case's status and closing (closed with "Close the case"),
  a note (never edited).
"""

from __future__ import annotations

import datetime
import html
import re

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from beneficiaries.models import (
    Beneficiary,
    Case,
    CaseStatus,
    Consent,
    ConsentPurpose,
    Need,
    Note,
    Referral,
    ReferralStatus,
    birth_date_lookup_hash,
)
from core.models import AuditEntry
from registry.admin import SEEN_VERSION, VersionCheckedForm
from services.models import Organisation, Role
from tests.admin_pages import admin_world, changelist_pks, form_data, staff, url
from tests.auth import verified_login
from tests.factories import BeneficiaryFactory, CaseFactory

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate


@pytest.fixture
def world():
    world = admin_world()
    assert not AuditEntry.objects.exists()  # the factories write no audit
    return world


def login(client, world, name: str):
    verified_login(client, world.users[name])
    return client


def post_change(client, model, obj, values: dict):
    """The change page of ``obj`` as shown (with the version it was opened at), then
    ``values`` changed, saved."""
    page = client.get(url(model, "change", obj.pk))
    assert page.status_code == 200, page.status_code
    data = form_data(page)
    data.update({name: str(value) for name, value in values.items()})
    return client.post(url(model, "change", obj.pk), data)


def post_add(client, model, values: dict):
    page = client.get(url(model, "add"))
    assert page.status_code == 200, page.status_code
    data = form_data(page)
    data.update({name: str(value) for name, value in values.items()})
    return client.post(url(model, "add"), data)


def add_inline_row(data: dict, prefix: str, values: dict) -> None:
    """A new row of the inline ``prefix`` (e.g. "needs"), as the page's "add another"."""
    index = int(data[f"{prefix}-TOTAL_FORMS"])
    data[f"{prefix}-TOTAL_FORMS"] = str(index + 1)
    data.update({f"{prefix}-{index}-{name}": str(value) for name, value in values.items()})


def text_of(response) -> str:
    return html.unescape(response.content.decode())


def assert_refused(response, message: str) -> None:
    """The form is shown again with the domain's message, and no audit row exists."""
    assert response.status_code == 200, response.status_code
    body = text_of(response)
    assert "errornote" in body
    assert message in body, re.findall(r'<ul class="errorlist[^"]*"[^>]*>.*?</ul>', body, re.S)
    assert not AuditEntry.objects.exists()


def row(obj) -> dict:
    """The stored row of a record, every column."""
    return type(obj).objects.filter(pk=obj.pk).values().get()


def one_entry(action: str, target, actor) -> AuditEntry:
    entry = AuditEntry.objects.get()
    assert (entry.action, entry.via, entry.target_id, entry.actor) == (
        action,
        "admin",
        str(target.pk),
        actor,
    )
    return entry


# --- The probes -----------------------------------------------------------------


def test_a_social_worker_cannot_accept_a_referral(client, world):
    referral = world.records["r1"]
    before = row(referral)
    login(client, world, "social_worker")
    response = post_change(client, Referral, referral, {"move_to": ReferralStatus.ACCEPTED})
    assert_refused(response, "Only the receiving service can make this change.")
    assert response.context["adminform"].form.errors["move_to"] == [
        "Only the receiving service can make this change."
    ]
    assert row(referral) == before


def test_provider_staff_cannot_withdraw_a_referral_never_started(client, world):
    referral = world.records["r1"]
    before = row(referral)
    login(client, world, "provider_staff")
    response = post_change(
        client,
        Referral,
        referral,
        {"move_to": ReferralStatus.CLOSED, "move_reason": "Not for us."},
    )
    assert_refused(response, "Only the case team can make this change.")
    assert row(referral) == before


def test_a_second_open_case_for_the_same_person_and_organisation_is_refused(client, world):
    case = world.records["c1"]
    before = Case.objects.count()
    login(client, world, "social_worker")
    response = post_add(
        client,
        Case,
        {
            "beneficiary": case.beneficiary_id,
            "organisation": case.organisation_id,
            "lead_worker": world.users["social_worker"].pk,
            "opened_on": TODAY().isoformat(),
        },
    )
    assert_refused(
        response,
        f"This person already has a case in {case.organisation.name} that is not closed: "
        "work on that case instead of opening another one.",
    )
    assert Case.objects.count() == before


def _close(case) -> None:
    Case.objects.filter(pk=case.pk).update(
        status=CaseStatus.CLOSED, closed_on=datetime.date(2024, 3, 1), outcome="moved_away"
    )


NEED = {"domain": "housing", "severity": 3, "description": "Sleeps in a car."}


def test_a_need_on_a_closed_case_is_refused_on_the_need_page(client, world):
    case = world.records["c4"]
    _close(case)
    before = set(Need.objects.values_list("pk", flat=True))
    login(client, world, "social_worker")
    response = post_add(
        client, Need, {"case": case.pk, **NEED, "identified_on": TODAY().isoformat()}
    )
    assert_refused(response, "This case is closed (on 2024-03-01): it can no longer be changed.")
    assert set(Need.objects.values_list("pk", flat=True)) == before


def test_a_need_on_a_closed_case_is_refused_in_the_case_page(client, world):
    case = world.records["c4"]
    _close(case)
    before = (row(case), set(Need.objects.values_list("pk", flat=True)))
    login(client, world, "social_worker")
    data = form_data(client.get(url(Case, "change", case.pk)))
    add_inline_row(data, "needs", {**NEED, "identified_on": TODAY().isoformat(), "case": case.pk})
    response = client.post(url(Case, "change", case.pk), data)
    assert_refused(response, "This case is closed (on 2024-03-01): it can no longer be changed.")
    # On the row that was refused, with what the user typed kept.
    needs = next(f for f in response.context["inline_admin_formsets"] if f.formset.model is Need)
    refused = needs.formset.forms[-1]
    assert refused.non_field_errors() == [
        "This case is closed (on 2024-03-01): it can no longer be changed."
    ]
    assert refused["description"].value() == "Sleeps in a car."
    assert (row(case), set(Need.objects.values_list("pk", flat=True))) == before


# --- A successful write is one audit row, via the admin -------------------------------


def test_the_provider_accepts_a_referral_with_one_audit_row(client, world):
    referral = world.records["r1"]
    login(client, world, "provider_staff")
    response = post_change(client, Referral, referral, {"move_to": ReferralStatus.ACCEPTED})
    assert response.status_code == 302
    referral.refresh_from_db()
    assert (referral.status, referral.responded_on) == (ReferralStatus.ACCEPTED, TODAY())
    entry = one_entry("referral_move", referral, world.users["provider_staff"])
    assert entry.details == {"from": "referred", "to": "accepted"}


def test_the_case_team_withdraws_a_referral_with_one_audit_row(client, world):
    referral = world.records["r1"]
    login(client, world, "social_worker")
    response = post_change(
        client,
        Referral,
        referral,
        {"move_to": ReferralStatus.CLOSED, "move_on": "2024-02-01", "move_reason": "Housed."},
    )
    assert response.status_code == 302
    referral.refresh_from_db()
    assert (referral.status, referral.ended_on, referral.reason) == (
        ReferralStatus.CLOSED,
        datetime.date(2024, 2, 1),
        "Housed.",
    )
    one_entry("referral_move", referral, world.users["social_worker"])


def test_declining_without_a_reason_is_refused_by_the_reason_field(client, world):
    referral = world.records["r1"]
    before = row(referral)
    login(client, world, "provider_staff")
    response = post_change(client, Referral, referral, {"move_to": ReferralStatus.DECLINED})
    assert_refused(response, "Say why.")
    assert response.context["adminform"].form.errors["move_reason"] == ["Say why."]
    assert row(referral) == before


def test_opening_a_case_is_one_audit_row(client, world):
    person = world.records["b5"]  # registered by A, consent to case management given
    user = world.users["social_worker"]
    login(client, world, "social_worker")
    response = post_add(
        client,
        Case,
        {
            "beneficiary": person.pk,
            "organisation": person.registered_by_id,
            "lead_worker": user.pk,
            "opened_on": TODAY().isoformat(),
        },
    )
    assert response.status_code == 302
    case = Case.objects.get(beneficiary=person)
    assert (case.status, case.lead_worker) == (CaseStatus.OPEN, user)
    one_entry("case_open", case, user)


def test_opening_a_case_with_a_need_on_the_same_page_is_two_actions(client, world):
    person = world.records["b5"]
    user = world.users["social_worker"]
    login(client, world, "social_worker")
    data = form_data(client.get(url(Case, "add")))
    data.update(
        {
            "beneficiary": str(person.pk),
            "organisation": str(person.registered_by_id),
            "lead_worker": str(user.pk),
            "opened_on": TODAY().isoformat(),
        }
    )
    add_inline_row(data, "needs", {**NEED, "identified_on": TODAY().isoformat()})
    response = client.post(url(Case, "add"), data)
    assert response.status_code == 302
    case = Case.objects.get(beneficiary=person)
    need = Need.objects.get(case=case)
    assert [(e.action, e.target_id) for e in AuditEntry.objects.order_by("pk")] == [
        ("case_open", str(case.pk)),
        ("need_add", str(need.pk)),
    ]
    # The case's history page is its audit, its parts' rows included.
    body = client.get(url(Case, "history", case.pk)).content.decode()
    assert "case_open" in body
    assert "need_add" in body


def test_changing_a_case_is_one_audit_row_of_the_fields_changed(client, world):
    case = world.records["c1"]
    user = world.users["social_worker"]
    login(client, world, "social_worker")
    response = post_change(
        client, Case, case, {"follow_up_on": "2024-05-02", "team": world.users["team_member"].pk}
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.follow_up_on == datetime.date(2024, 5, 2)
    assert list(case.team.all()) == [world.users["team_member"]]
    assert one_entry("case_update", case, user).fields == ["follow_up_on", "team"]


def test_saving_a_case_page_unchanged_writes_nothing(client, world):
    case = world.records["c1"]
    before = row(case)
    login(client, world, "social_worker")
    response = post_change(client, Case, case, {})
    assert response.status_code == 302
    assert row(case) == before
    assert not AuditEntry.objects.exists()


def test_an_unrelated_edit_keeps_a_team_member_who_has_since_left(client, world):
    # Who may be on a case is the actions' case_workers(): whoever is on it already stays
    # selectable, so the edit is not refused because a colleague moved on.
    case = world.records["c2"]
    member = world.users["team_member"]
    member.memberships.update(active=False)
    login(client, world, "coordinator")
    response = post_change(client, Case, case, {"follow_up_on": "2024-05-02"})
    assert response.status_code == 302, response.context["adminform"].form.errors
    case.refresh_from_db()
    assert list(case.team.all()) == [member]
    assert one_entry("case_update", case, world.users["coordinator"]).fields == ["follow_up_on"]


def test_closing_a_case_with_an_ongoing_placement_needs_close_anyway(client, world):
    case = world.records["c4"]  # placed in A's unit, the placement still running
    before = row(case)
    login(client, world, "social_worker")
    response = post_change(client, Case, case, {"close_outcome": "goals_met"})
    assert_refused(response, "tick “close anyway” to close it all the same")
    assert "close_anyway" in response.context["adminform"].form.errors
    assert row(case) == before

    response = post_change(client, Case, case, {"close_outcome": "goals_met", "close_anyway": "on"})
    assert response.status_code == 302
    case.refresh_from_db()
    assert (case.status, case.outcome, case.closed_on) == (
        CaseStatus.CLOSED,
        "goals_met",
        TODAY(),
    )
    one_entry("case_close", case, world.users["social_worker"])


def test_adding_a_need_is_one_audit_row(client, world):
    case = world.records["c1"]
    login(client, world, "social_worker")
    response = post_add(
        client, Need, {"case": case.pk, **NEED, "identified_on": TODAY().isoformat()}
    )
    assert response.status_code == 302
    need = Need.objects.exclude(pk=world.records["n1"].pk).get(case=case)
    one_entry("need_add", need, world.users["social_worker"])


def test_resolving_a_need_is_one_audit_row(client, world):
    need = world.records["n1"]
    login(client, world, "social_worker")
    response = post_change(client, Need, need, {"resolved_on": "2024-02-01"})
    assert response.status_code == 302
    need.refresh_from_db()
    assert need.resolved_on == datetime.date(2024, 2, 1)
    assert one_entry("need_resolve", need, world.users["social_worker"]).fields == ["resolved_on"]


def test_a_need_is_described_once_then_only_resolved(client, world):
    need = world.records["n1"]
    before = row(need)
    login(client, world, "social_worker")
    response = post_change(client, Need, need, {"severity": 1, "description": "Changed."})
    assert response.status_code == 302
    assert row(need) == before
    assert not AuditEntry.objects.exists()


def test_adding_rows_in_the_case_page_is_one_audit_row_each(client, world):
    case = world.records["c1"]
    login(client, world, "social_worker")
    data = form_data(client.get(url(Case, "change", case.pk)))
    add_inline_row(data, "needs", {**NEED, "identified_on": TODAY().isoformat(), "case": case.pk})
    add_inline_row(data, "notes", {"body": "Called the landlord.", "case": case.pk})
    response = client.post(url(Case, "change", case.pk), data)
    assert response.status_code == 302
    need = Need.objects.exclude(pk=world.records["n1"].pk).get(case=case)
    note = Note.objects.exclude(pk=world.records["note1"].pk).get(case=case)
    assert note.author == world.users["social_worker"]
    entries = AuditEntry.objects.order_by("pk")
    assert [(e.action, e.target_id, e.via) for e in entries] == [
        ("need_add", str(need.pk), "admin"),
        ("note_add", str(note.pk), "admin"),
    ]


def test_adding_a_note_is_one_audit_row_and_a_note_is_never_edited(client, world):
    case = world.records["c1"]
    user = world.users["social_worker"]
    login(client, world, "social_worker")
    response = post_add(client, Note, {"case": case.pk, "body": "Called the landlord."})
    assert response.status_code == 302
    note = Note.objects.exclude(pk=world.records["note1"].pk).get(case=case)
    assert note.author == user
    one_entry("note_add", note, user)

    page = client.get(url(Note, "change", note.pk))
    assert page.status_code == 200
    assert "body" not in page.context["adminform"].form.fields
    response = client.post(url(Note, "change", note.pk), {"body": "Rewritten."})
    assert response.status_code == 403
    note.refresh_from_db()
    assert note.body == "Called the landlord."


def test_giving_and_withdrawing_consent_are_one_audit_row_each(client, world):
    person = world.records["b5"]
    user = world.users["social_worker"]
    login(client, world, "social_worker")
    response = post_add(
        client,
        Consent,
        {
            "beneficiary": person.pk,
            "purpose": ConsentPurpose.SHARING_WITH_PROVIDERS,
            "organisation": person.registered_by_id,
            "given_on": "2024-02-01",
        },
    )
    assert response.status_code == 302
    consent = Consent.objects.get(beneficiary=person, purpose=ConsentPurpose.SHARING_WITH_PROVIDERS)
    assert consent.recorded_by == user
    given = one_entry("consent_give", consent, user)

    # The change audit is append-only: the withdrawal is the one row after the gift.
    response = post_change(client, Consent, consent, {"withdrawn_on": "2024-02-10"})
    assert response.status_code == 302
    consent.refresh_from_db()
    assert consent.withdrawn_on == datetime.date(2024, 2, 10)
    withdrawn = AuditEntry.objects.get(pk__gt=given.pk)
    assert (withdrawn.action, withdrawn.via, withdrawn.target_id, withdrawn.actor) == (
        "consent_withdraw",
        "admin",
        str(consent.pk),
        user,
    )


def test_referring_in_the_admin_is_one_audit_row(client, world):
    case = world.records["c1"]
    service = world.records["r1a"].service
    login(client, world, "social_worker")
    response = post_add(
        client,
        Referral,
        {"case": case.pk, "service": service.pk, "referred_on": TODAY().isoformat()},
    )
    assert response.status_code == 302
    referral = Referral.objects.exclude(pk=world.records["r1a"].pk).get(case=case, service=service)
    assert (referral.status, referral.referred_by) == (
        ReferralStatus.REFERRED,
        world.users["social_worker"],
    )
    one_entry("referral_create", referral, world.users["social_worker"])


# --- People -----------------------------------------------------------------------------


def _person(world, **values) -> dict:
    return {
        "family_name": "Bellomo",
        "given_name": "Ada",
        "birth_date": "1990-04-02",
        "gender": "F",
        "homeless": "on",
        "registered_by": world.records["b1"].registered_by_id,
        **values,
    }


def test_registering_a_person_is_one_audit_row(client, world):
    user = world.users["social_worker"]
    login(client, world, "social_worker")
    response = post_add(
        client, Beneficiary, _person(world, consents=ConsentPurpose.CASE_MANAGEMENT)
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    # The birth date is encrypted: found through its keyed hash.
    person = Beneficiary.objects.get(birth_date_hash=birth_date_lookup_hash("1990-04-02"))
    assert (person.family_name, person.homeless) == ("Bellomo", True)
    assert list(person.consents.values_list("purpose", flat=True)) == ["case_management"]
    one_entry("person_register", person, user)


def test_registering_someone_like_a_known_person_needs_confirmation(client, world):
    known = world.records["b1"]
    looks_like = _person(
        world,
        family_name=known.family_name,
        given_name=known.given_name,
        birth_date=known.birth_date.isoformat(),
        gender=known.gender,
    )
    before = Beneficiary.objects.count()
    login(client, world, "social_worker")
    response = post_add(client, Beneficiary, looks_like)
    assert_refused(response, "People you can see have a similar name and birth year")
    assert "confirm_different" in response.context["adminform"].form.errors
    assert Beneficiary.objects.count() == before

    response = post_add(client, Beneficiary, {**looks_like, "confirm_different": "on"})
    assert response.status_code == 302
    assert Beneficiary.objects.count() == before + 1


def test_a_stale_person_form_is_refused(client, world):
    person = world.records["b1"]
    login(client, world, "social_worker")
    data = form_data(client.get(url(Beneficiary, "change", person.pk)))
    Beneficiary.objects.get(pk=person.pk).save()  # someone else saved it meanwhile
    before = row(person)
    data["homeless"] = "on"
    response = client.post(url(Beneficiary, "change", person.pk), data)
    assert_refused(response, "Someone else changed this record since you read it")
    assert row(person) == before


# --- Stale and read-only ----------------------------------------------------------------


def test_a_stale_move_is_refused_and_the_other_move_is_kept(client, world):
    referral = world.records["r1"]
    login(client, world, "provider_staff")
    data = form_data(client.get(url(Referral, "change", referral.pk)))
    Referral.objects.filter(pk=referral.pk).update(
        status=ReferralStatus.WAITING, version=referral.version + 1
    )
    before = row(referral)
    data["move_to"] = ReferralStatus.ACCEPTED
    response = client.post(url(Referral, "change", referral.pk), data)
    assert_refused(response, "Someone else changed this record since you read it")
    assert row(referral) == before


def test_a_referrals_status_and_dates_are_read_only(client, world):
    referral = world.records["r1"]
    before = row(referral)
    login(client, world, "social_worker")
    page = client.get(url(Referral, "change", referral.pk))
    fields = page.context["adminform"].form.fields
    for name in ("status", "responded_on", "started_on", "ended_on", "reason", "referred_on"):
        assert name not in fields
    assert {"move_to", "move_on", "move_reason"} <= set(fields)
    data = form_data(page)
    data.update({"status": "accepted", "responded_on": "2024-02-01", "reason": "Written directly."})
    response = client.post(url(Referral, "change", referral.pk), data)
    assert response.status_code == 302
    assert row(referral) == before
    assert not AuditEntry.objects.exists()


def test_a_cases_status_and_closing_are_read_only(client, world):
    case = world.records["c1"]
    before = row(case)
    login(client, world, "social_worker")
    page = client.get(url(Case, "change", case.pk))
    fields = page.context["adminform"].form.fields
    for name in ("status", "closed_on", "outcome", "opened_on", "beneficiary", "organisation"):
        assert name not in fields
    data = form_data(page)
    data.update({"status": "closed", "closed_on": "2024-02-01", "outcome": "goals_met"})
    response = client.post(url(Case, "change", case.pk), data)
    assert response.status_code == 302
    assert row(case) == before
    assert not AuditEntry.objects.exists()


def test_existing_rows_of_the_case_page_are_read_only(client, world):
    case = world.records["c1"]
    referral, need = world.records["r1"], world.records["n1"]
    before = (row(referral), row(need))
    login(client, world, "social_worker")
    data = form_data(client.get(url(Case, "change", case.pk)))
    # As if the rows had been editable: a status and a severity typed over them.
    for index in range(int(data["referrals-INITIAL_FORMS"])):
        data[f"referrals-{index}-status"] = "accepted"
    for index in range(int(data["needs-INITIAL_FORMS"])):
        data[f"needs-{index}-severity"] = "1"
    response = client.post(url(Case, "change", case.pk), data)
    assert response.status_code == 302
    assert (row(referral), row(need)) == before
    assert not AuditEntry.objects.exists()


@pytest.mark.parametrize("user_name", ["inactive_organisation", "inactive_membership", "superuser"])
def test_who_may_lead_a_case_is_the_actions_reader(client, world, user_name):
    # One membership reader (scope_of, then case_workers): an inactive organisation or
    # membership grants nothing, and a superuser gets no bypass.
    login(client, world, user_name)
    response = client.get(
        reverse("admin:autocomplete"),
        {"app_label": "beneficiaries", "model_name": "case", "field_name": "lead_worker"},
    )
    assert response.status_code == 200
    assert response.json()["results"] == []


class _OrganisationForm(VersionCheckedForm):
    class Meta:
        model = Organisation
        fields = ["name"]


@pytest.mark.parametrize("seen", ["same", "older"])
def test_a_form_without_an_action_checks_its_version_under_a_row_lock(organisation, seen):
    # Where no action takes the version, the admin form checks it itself, with the row
    # locked until the admin's transaction commits (registry.admin.VersionCheckedForm).
    version = organisation.version if seen == "same" else organisation.version - 1
    form = _OrganisationForm({"name": "Renamed", SEEN_VERSION: str(version)}, instance=organisation)
    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        valid = form.is_valid()
    assert valid is (seen == "same")
    if seen == "older":
        assert "Someone else saved this record while you were editing it" in str(form.errors)
    locks = [q["sql"] for q in queries if "FOR UPDATE" in q["sql"]]
    assert len(locks) == 1
    assert '"services_organisation"' in locks[0]


def test_the_registering_organisation_filter_offers_and_applies_only_ones_own(
    client, organisation, other_organisation, social_worker, make_member
):
    """A person followed by us, registered by an anti-violence centre with a protected case:
    the people list neither offers the centre as a filter nor answers a filter by it."""
    centre_worker = make_member(Role.SOCIAL_WORKER, organisation=other_organisation)
    person = BeneficiaryFactory(registered_by=other_organisation)
    CaseFactory(
        beneficiary=person,
        organisation=other_organisation,
        protected=True,
        lead_worker=centre_worker,
    )
    CaseFactory(beneficiary=person, organisation=organisation, lead_worker=social_worker)
    verified_login(client, staff(social_worker, Role.SOCIAL_WORKER))
    page = client.get(url(Beneficiary, "changelist"))
    assert person.pk in changelist_pks(page)
    offered = {
        choice["display"]
        for spec in page.context["cl"].filter_specs
        for choice in spec.choices(page.context["cl"])
    }
    assert other_organisation.name not in offered
    filtered = client.get(
        url(Beneficiary, "changelist"), {"registered_by__id__exact": other_organisation.pk}
    )
    # Refused as a lookup the admin does not allow (Django answers 400), never a list.
    assert filtered.status_code == 400


# --- A sealed person's history, and a provider's view of a referral ---------------------


def _sealed_person(organisation, other_organisation, social_worker, make_member):
    """A person registered (with a special-category flag) by an anti-violence centre with
    a protected case there, and followed by us in an ordinary case."""
    from core import audit

    centre_worker = make_member(
        Role.SOCIAL_WORKER, organisation=other_organisation, username="centre-worker-7"
    )
    person = BeneficiaryFactory(registered_by=other_organisation, violence_survivor=True)
    CaseFactory(
        beneficiary=person,
        organisation=other_organisation,
        protected=True,
        lead_worker=centre_worker,
    )
    CaseFactory(beneficiary=person, organisation=organisation, lead_worker=social_worker)
    audit.record(
        acting_user=centre_worker,
        action="person_register",
        target=person,
        fields=["registered_by", "family_name", "violence_survivor"],
    )
    audit.record(
        acting_user=social_worker,
        action="person_update",
        target=person,
        fields=["homeless", "violence_survivor"],
    )
    return person, centre_worker


def _history_table(client, person) -> str:
    response = client.get(url(Beneficiary, "history", person.pk))
    assert response.status_code == 200
    return response.content.decode().split('id="change-history"')[1]


def test_a_sealed_persons_history_shows_neither_the_flags_nor_the_other_side(
    client, organisation, other_organisation, social_worker, make_member
):
    person, centre_worker = _sealed_person(
        organisation, other_organisation, social_worker, make_member
    )
    verified_login(client, staff(social_worker, Role.SOCIAL_WORKER))
    table = _history_table(client, person)
    assert "person_update" in table
    assert "homeless" in table
    for leak in ("person_register", "centre-worker-7", "violence_survivor", "registered_by"):
        assert leak not in table, leak
    # The centre, which works on the protected case, sees its person's whole history.
    verified_login(client, staff(centre_worker, Role.SOCIAL_WORKER))
    table = _history_table(client, person)
    for shown in ("person_register", "centre-worker-7", "violence_survivor", "registered_by"):
        assert shown in table, shown


@pytest.fixture
def sealed_referral(organisation, social_worker, provider_organisation, provider_staff):
    """A referral of a protected case to a provider: sealed for the provider's staff."""
    from beneficiaries.actions.referrals import referral_create
    from tests.factories import ConsentFactory, ServiceAtSiteFactory

    person = BeneficiaryFactory(registered_by=organisation)
    case = CaseFactory(
        beneficiary=person, organisation=organisation, lead_worker=social_worker, protected=True
    )
    for purpose in (ConsentPurpose.SHARING_WITH_PROVIDERS, ConsentPurpose.CONTACT):
        ConsentFactory(beneficiary=person, organisation=organisation, purpose=purpose)
    offering = ServiceAtSiteFactory(service__organisation=provider_organisation)
    referral = referral_create(
        acting_user=social_worker,
        case=case,
        service=offering.service,
        offering=offering,
        reason="Secret-reason-4711",
    )
    staff(provider_staff, Role.PROVIDER_STAFF)
    return referral


def test_the_provider_does_not_read_the_reason_of_a_sealed_referral(
    client, sealed_referral, provider_staff, social_worker
):
    verified_login(client, provider_staff)
    page = client.get(url(Referral, "change", sealed_referral.pk))
    assert page.status_code == 200
    assert "Secret-reason-4711" not in page.content.decode()
    # The case team reads it.
    verified_login(client, staff(social_worker, Role.SOCIAL_WORKER))
    page = client.get(url(Referral, "change", sealed_referral.pk))
    assert "Secret-reason-4711" in page.content.decode()


def test_the_provider_list_names_no_person_of_a_case_it_does_not_work_on(
    client, sealed_referral, provider_staff, social_worker
):
    person_id = str(sealed_referral.case.beneficiary)
    verified_login(client, provider_staff)
    listed = client.get(url(Referral, "changelist"))
    assert sealed_referral.pk in changelist_pks(listed)
    assert person_id not in listed.content.decode()
    verified_login(client, staff(social_worker, Role.SOCIAL_WORKER))
    assert person_id in client.get(url(Referral, "changelist")).content.decode()


def test_a_provider_cannot_find_a_sealed_referral_by_codice_fiscale(
    client, sealed_referral, provider_staff, social_worker
):
    code = sealed_referral.case.beneficiary.codice_fiscale
    assert code
    verified_login(client, provider_staff)
    found = client.get(url(Referral, "changelist"), {"q": code})
    assert found.status_code == 200
    assert changelist_pks(found) == set()
    # By its id it is found (the provider sees the referral itself).
    found = client.get(url(Referral, "changelist"), {"q": str(sealed_referral.pk)[:8]})
    assert changelist_pks(found) == {sealed_referral.pk}
    # Nor the case team: no list takes a codice fiscale in its URL any more (issue 13).
    verified_login(client, staff(social_worker, Role.SOCIAL_WORKER))
    found = client.get(url(Referral, "changelist"), {"q": code})
    assert changelist_pks(found) == set()
