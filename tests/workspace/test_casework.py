"""Case work: the case and its plan, closing, needs, goals and notes."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from beneficiaries.models import Case, CaseStatus, Goal, GoalStatus, Need, Note, ReferralStatus
from core.models import AuditEntry
from services.models import Role
from tests.factories import (
    GoalFactory,
    NeedFactory,
    PlacementFactory,
    ReferralFactory,
)

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate


def url(name, case, *args):
    return reverse(f"workspace:{name}", args=[case.pk, *args])


def edit_data(case, **changes):
    data = {
        "lead_worker": case.lead_worker_id,
        "team": [user.pk for user in case.team.all()],
        "follow_up_on": "",
        "plan_summary": case.plan_summary,
        "version": case.version,
    }
    if case.protected:
        data["protected"] = "on"
    data.update(changes)
    return data


def snapshot(case):
    case = Case.objects.get(pk=case.pk)
    return (
        case.version,
        case.lead_worker_id,
        sorted(case.team.values_list("pk", flat=True)),
        case.plan_summary,
        case.status,
        case.outcome,
        case.closed_on,
        case.follow_up_on,
    )


def followed(client, response):
    assert response.status_code == 302, response.content.decode()[:2000]
    return client.get(response["Location"]).content.decode()


# --- Editing the case -------------------------------------------------------------------


def test_edit_form_shows_the_case_and_its_version(login, social_worker, case):
    response = login(social_worker).get(url("case-edit", case))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="version" value="1"' in html
    assert "Personalised plan" in html
    assert '<label for="id_plan_summary">' in html


def test_edit_saves_lead_team_plan_and_follow_up(login, social_worker, make_member, case):
    colleague = make_member(Role.SOCIAL_WORKER, first_name="Marta", last_name="Neri")
    coordinator = make_member(Role.COORDINATOR)
    client = login(social_worker)
    follow_up = TODAY() + datetime.timedelta(days=3)
    response = client.post(
        url("case-edit", case),
        edit_data(
            case,
            lead_worker=colleague.pk,
            team=[social_worker.pk, coordinator.pk],
            plan_summary="Casa prima di tutto",
            follow_up_on=follow_up.isoformat(),
            protected="on",
        ),
    )
    html = followed(client, response)
    assert "The case and its plan were saved." in html
    assert "Casa prima di tutto" in html
    assert "Marta Neri" in html
    case.refresh_from_db()
    assert case.lead_worker == colleague
    assert set(case.team.all()) == {social_worker, coordinator}
    assert case.protected and case.follow_up_on == follow_up
    assert case.version == 2


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"follow_up_on": "2020-01-01"}, "The next follow-up cannot be before the case was opened"),
        ({"follow_up_on": "31/31/2024"}, "Enter a valid date."),
        ({"lead_worker": ""}, "This field is required."),
        ({"version": ""}, "The form lacks the version of the case: reload the page."),
    ],
)
def test_edit_refuses_bad_input(login, social_worker, case, changes, message):
    before = snapshot(case)
    response = login(social_worker).post(
        url("case-edit", case), edit_data(case, plan_summary="changed", **changes)
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert message in html
    assert 'role="alert"' in html
    assert snapshot(case) == before


def test_edit_refuses_a_worker_of_another_organisation(login, social_worker, other_worker, case):
    before = snapshot(case)
    response = login(social_worker).post(
        url("case-edit", case), edit_data(case, lead_worker=other_worker.pk)
    )
    assert response.status_code == 400
    assert "Select a valid choice." in response.content.decode()
    response = login(social_worker).post(
        url("case-edit", case), edit_data(case, team=[other_worker.pk])
    )
    assert response.status_code == 400
    assert snapshot(case) == before


def test_lead_worker_cannot_also_be_on_the_team(login, social_worker, case):
    before = snapshot(case)
    response = login(social_worker).post(
        url("case-edit", case), edit_data(case, team=[social_worker.pk])
    )
    assert response.status_code == 400
    assert "The lead worker is on the case already" in response.content.decode()
    assert snapshot(case) == before


def test_edit_get_queries_do_not_grow_with_the_team(login, social_worker, make_member, case):
    client = login(social_worker)
    case.team.set([make_member(Role.SOCIAL_WORKER)])
    with CaptureQueriesContext(connection) as few:
        assert client.get(url("case-edit", case)).status_code == 200
    case.team.set([make_member(Role.SOCIAL_WORKER) for _ in range(15)])
    with CaptureQueriesContext(connection) as many:
        assert client.get(url("case-edit", case)).status_code == 200
    assert len(many) == len(few)


def test_notes_and_needs_do_not_make_an_edit_stale(login, social_worker, case):
    client = login(social_worker)
    client.post(url("note-new", case), {"body": "Telefonata"})
    assert Case.objects.get(pk=case.pk).version == 1
    response = client.post(url("case-edit", case), edit_data(case, plan_summary="Piano"))
    assert response.status_code == 302
    assert Case.objects.get(pk=case.pk).plan_summary == "Piano"


# --- Closing ----------------------------------------------------------------------------


def close_data(case, **changes):
    data = {"outcome": "goals_met", "closed_on": TODAY().isoformat(), "version": case.version}
    data.update(changes)
    return data


def test_close_form_defaults_to_today(login, social_worker, case):
    response = login(social_worker).get(url("case-close", case))
    assert response.status_code == 200
    assert f'value="{TODAY().isoformat()}"' in response.content.decode()


def test_close_with_an_outcome(login, social_worker, case):
    client = login(social_worker)
    html = followed(client, client.post(url("case-close", case), close_data(case)))
    assert "The case was closed: goals met." in html
    case.refresh_from_db()
    assert (case.status, case.outcome, case.closed_on) == ("closed", "goals_met", TODAY())


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"outcome": ""}, "Choose the outcome of the case."),
        ({"outcome": "vanished"}, "Select a valid choice."),
        ({"closed_on": ""}, "Give the closing date."),
        ({"closed_on": "2023-12-31"}, "A case cannot be closed before it was opened."),
        ({"closed_on": "2999-01-01"}, "The closing date cannot be in the future."),
    ],
)
def test_close_refuses_bad_input(login, social_worker, case, changes, message):
    before = snapshot(case)
    response = login(social_worker).post(url("case-close", case), close_data(case, **changes))
    assert response.status_code == 400
    html = response.content.decode()
    assert message in html
    assert snapshot(case) == before


def test_constraint_message_stands_by_the_closing_date(login, social_worker, case):
    response = login(social_worker).post(
        url("case-close", case), close_data(case, closed_on="2023-12-31")
    )
    assert response.context["form"].errors["closed_on"] == [
        "A case cannot be closed before it was opened."
    ]


def test_open_referrals_need_a_confirmation(login, social_worker, case):
    ReferralFactory(case=case, status=ReferralStatus.REFERRED)
    client = login(social_worker)
    page = client.get(url("case-close", case)).content.decode()
    assert "Open referrals" in page and "Close anyway" in page
    before = snapshot(case)
    response = client.post(url("case-close", case), close_data(case))
    assert response.status_code == 409  # the case's state, not the input: a conflict
    assert "This case has open referrals or an ongoing placement" in response.content.decode()
    assert snapshot(case) == before
    response = client.post(url("case-close", case), close_data(case, close_anyway="on"))
    assert response.status_code == 302
    assert Case.objects.get(pk=case.pk).status == CaseStatus.CLOSED


def test_an_ongoing_placement_is_confirmed_and_continues(login, social_worker, case):
    """A Housing First tenancy may go on after the case closes: closing asks for a
    confirmation and leaves the placement as it is, never ending it silently."""
    placement = PlacementFactory(case=case)
    client = login(social_worker)
    page = client.get(url("case-close", case)).content.decode()
    assert "Ongoing housing placement" in page
    assert reverse("workspace:placement-end", args=[placement.pk]) in page
    before = snapshot(case)
    response = client.post(url("case-close", case), close_data(case))
    assert response.status_code == 409
    assert "open referrals or an ongoing placement" in response.content.decode()
    assert snapshot(case) == before
    response = client.post(url("case-close", case), close_data(case, close_anyway="on"))
    assert response.status_code == 302
    assert Case.objects.get(pk=case.pk).status == CaseStatus.CLOSED
    placement.refresh_from_db()
    assert placement.ends_on is None


def test_an_ended_placement_does_not_stop_closing(login, social_worker, case):
    PlacementFactory(case=case, ends_on=TODAY())
    response = login(social_worker).post(url("case-close", case), close_data(case))
    assert response.status_code == 302


def close(case):
    Case.objects.filter(pk=case.pk).update(
        status=CaseStatus.CLOSED, outcome="goals_met", closed_on=datetime.date(2024, 5, 1)
    )


@pytest.mark.parametrize(
    ("name", "extra", "data"),
    [
        ("case-edit", (), {"plan_summary": "x", "version": 1}),
        ("case-close", (), {"outcome": "other", "closed_on": "2024-06-01", "version": 1}),
        ("need-new", (), {"domain": "work", "severity": 2, "identified_on": "2024-06-01"}),
        ("goal-new", (), {"description": "Lavoro", "status": "open"}),
        ("note-new", (), {"body": "Ancora qui"}),
    ],
)
def test_a_closed_case_refuses_changes(login, social_worker, case, name, extra, data):
    close(case)
    before = snapshot(case)
    counts = (Need.objects.count(), Goal.objects.count(), Note.objects.count())
    response = login(social_worker).post(url(name, case, *extra), data)
    assert response.status_code == 409
    assert "This case is closed" in response.content.decode()
    assert snapshot(case) == before
    assert (Need.objects.count(), Goal.objects.count(), Note.objects.count()) == counts


def test_a_closed_case_refuses_resolving_and_goal_changes(login, social_worker, case):
    need, goal = NeedFactory(case=case), GoalFactory(case=case)
    close(case)
    client = login(social_worker)
    response = client.post(url("need-resolve", case, need.pk))
    assert response.status_code == 409
    assert Need.objects.get(pk=need.pk).resolved_on is None
    response = client.post(
        url("goal-update", case, goal.pk), {"description": "x", "status": "achieved"}
    )
    assert response.status_code == 409
    assert Goal.objects.get(pk=goal.pk).status == GoalStatus.OPEN
    assert client.get(url("case-edit", case)).status_code == 409


# --- Needs ------------------------------------------------------------------------------


def test_need_form_offers_labelled_severities(login, social_worker, case):
    html = login(social_worker).get(url("need-new", case)).content.decode()
    for label in ("low", "medium", "high", "critical"):
        assert f">{label}</label>" in html
    assert 'type="radio"' in html
    assert f'value="{TODAY().isoformat()}"' in html


def test_need_is_recorded(login, social_worker, case):
    client = login(social_worker)
    response = client.post(
        url("need-new", case),
        {
            "domain": "housing",
            "severity": "4",
            "description": "Dorme in stazione",
            "identified_on": TODAY().isoformat(),
        },
    )
    html = followed(client, response)
    assert "Need recorded: housing, critical." in html
    assert "Dorme in stazione" in html
    need = Need.objects.get(case=case)
    assert (need.domain, need.severity, need.identified_on) == ("housing", 4, TODAY())


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"domain": ""}, "domain", "Choose the domain of the need."),
        ({"severity": ""}, "severity", "Choose how severe the need is."),
        (
            {"severity": "9"},
            "severity",
            "Select a valid choice. 9 is not one of the available choices.",
        ),
        (
            {"identified_on": "2999-01-01"},
            "identified_on",
            "The date the need was identified cannot be in the future.",
        ),
    ],
)
def test_need_refuses_bad_input(login, social_worker, case, changes, field, message):
    data = {"domain": "work", "severity": "2", "identified_on": "2024-02-01", **changes}
    response = login(social_worker).post(url("need-new", case), data)
    assert response.status_code == 400
    assert response.context["form"].errors[field] == [message]
    assert message in response.content.decode()
    assert not Need.objects.exists()


def test_need_is_resolved_once(login, social_worker, case):
    need = NeedFactory(case=case)
    client = login(social_worker)
    html = followed(client, client.post(url("need-resolve", case, need.pk)))
    assert "Need marked resolved: housing." in html
    assert Need.objects.get(pk=need.pk).resolved_on == TODAY()
    response = client.post(url("need-resolve", case, need.pk))
    assert response.status_code == 409
    assert "was already resolved on" in response.content.decode()


def test_a_need_identified_later_cannot_be_resolved_today(login, social_worker, case):
    need = NeedFactory(case=case, identified_on=TODAY() + datetime.timedelta(days=2))
    response = login(social_worker).post(url("need-resolve", case, need.pk))
    assert response.status_code == 400
    assert "A need cannot be resolved before it was identified." in response.content.decode()
    assert Need.objects.get(pk=need.pk).resolved_on is None


def test_need_of_another_case_is_404(login, social_worker, organisation, case):
    other = NeedFactory(case__beneficiary__registered_by=organisation)
    response = login(social_worker).post(url("need-resolve", case, other.pk))
    assert response.status_code == 404
    assert Need.objects.get(pk=other.pk).resolved_on is None


def test_resolve_answers_post_only(login, social_worker, case):
    need = NeedFactory(case=case)
    assert login(social_worker).get(url("need-resolve", case, need.pk)).status_code == 405


# --- Goals ------------------------------------------------------------------------------


def test_goal_is_added_and_updated(login, social_worker, case):
    client = login(social_worker)
    response = client.post(
        url("goal-new", case),
        {
            "description": "Trovare lavoro",
            "domain": "work",
            "target_on": "2024-12-31",
            "status": "open",
        },
    )
    assert "Goal added to the plan." in followed(client, response)
    goal = Goal.objects.get(case=case)
    assert (goal.description, goal.domain, goal.target_on) == (
        "Trovare lavoro",
        "work",
        datetime.date(2024, 12, 31),
    )
    page = client.get(url("goal-update", case, goal.pk)).content.decode()
    assert "Trovare lavoro" in page
    response = client.post(
        url("goal-update", case, goal.pk),
        {"description": "Trovare lavoro", "domain": "", "target_on": "", "status": "achieved"},
    )
    assert "Goal saved: achieved." in followed(client, response)
    goal.refresh_from_db()
    assert (goal.status, goal.domain, goal.target_on) == ("achieved", "", None)


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"description": ""}, "description", "Describe the goal."),
        (
            {"description": "x" * 501},
            "description",
            "Ensure this value has at most 500 characters (it has 501).",
        ),
        (
            {"target_on": "2023-01-01"},
            "target_on",
            "The target date cannot be before the case was opened (2024-01-10).",
        ),
        (
            {"status": "maybe"},
            "status",
            "Select a valid choice. maybe is not one of the available choices.",
        ),
    ],
)
def test_goal_refuses_bad_input(login, social_worker, case, changes, field, message):
    goal = GoalFactory(case=case)
    data = {
        "description": "Casa",
        "domain": "housing",
        "target_on": "",
        "status": "open",
        **changes,
    }
    client = login(social_worker)
    for target in (url("goal-new", case), url("goal-update", case, goal.pk)):
        response = client.post(target, data)
        assert response.status_code == 400
        assert message in response.context["form"].errors[field]
    assert list(Goal.objects.values_list("description", "status")) == [
        ("Find stable housing", "open")
    ]


def test_the_add_goal_page_says_add_and_posts_to_the_add_address(login, social_worker, case):
    """A new goal has its random id before it is saved: the page must not take it for a
    goal to change (it used to say "Change a goal" and post to an address that is 404)."""
    page = login(social_worker).get(url("goal-new", case)).content.decode()
    assert "<h1>Add a goal: Rossi Anna</h1>" in page
    assert "Change a goal" not in page
    assert f'action="{url("goal-new", case)}"' in page
    assert 'name="version"' not in page


def test_the_change_goal_page_posts_to_its_own_address(login, social_worker, case):
    goal = GoalFactory(case=case)
    page = login(social_worker).get(url("goal-update", case, goal.pk)).content.decode()
    assert "<h1>Change a goal: Rossi Anna</h1>" in page
    assert f'action="{url("goal-update", case, goal.pk)}"' in page
    assert 'name="version" value="1"' in page


def test_a_goal_changed_meanwhile_is_not_overwritten(login, social_worker, case):
    goal = GoalFactory(case=case)
    client = login(social_worker)
    colleague_copy = Goal.objects.get(pk=goal.pk)
    colleague_copy.status = GoalStatus.ACHIEVED
    colleague_copy.save()
    data = {"description": "Casa", "domain": "housing", "status": "not_achieved", "version": "1"}
    response = client.post(url("goal-update", case, goal.pk), data)
    assert response.status_code == 409
    html = response.content.decode()
    assert "Someone else changed this record since you read it" in html
    assert 'name="version" value="2"' in html  # saving again over it is deliberate
    stored = Goal.objects.get(pk=goal.pk)
    assert (stored.status, stored.description, stored.version) == ("achieved", goal.description, 2)
    again = client.post(url("goal-update", case, goal.pk), {**data, "version": "2"})
    assert again.status_code == 302
    assert Goal.objects.get(pk=goal.pk).status == "not_achieved"


# --- Notes ------------------------------------------------------------------------------


def test_note_is_added_by_its_author(login, social_worker, case):
    client = login(social_worker)
    html = followed(client, client.post(url("note-new", case), {"body": "Colloquio svolto"}))
    assert "Note added." in html and "Colloquio svolto" in html
    note = Note.objects.get(case=case)
    assert (note.author, note.body) == (social_worker, "Colloquio svolto")


@pytest.mark.parametrize("body", ["", "   \n "])
def test_empty_note_is_refused_next_to_the_field(login, social_worker, case, body):
    response = login(social_worker).post(url("note-new", case), {"body": body})
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="id_body_error"' in html
    assert "Write the note before adding it." in html
    assert 'aria-describedby="id_body_error"' in html
    assert not Note.objects.exists()


def test_changes_touch_the_last_activity(login, social_worker, case):
    old = timezone.now() - datetime.timedelta(days=5)
    Case.objects.filter(pk=case.pk).update(last_activity_at=old)
    login(social_worker).post(url("note-new", case), {"body": "x"})
    assert Case.objects.get(pk=case.pk).last_activity_at > old


# --- The change audit -------------------------------------------------------------------

SAVES = {
    "case_update": (
        lambda case, need, goal: (url("case-edit", case), edit_data(case, plan_summary="Piano")),
        ["plan_summary"],
    ),
    "case_close": (
        lambda case, need, goal: (url("case-close", case), close_data(case)),
        ["closed_on", "outcome", "status"],
    ),
    "need_add": (
        lambda case, need, goal: (
            url("need-new", case),
            {"domain": "work", "severity": "2", "identified_on": TODAY().isoformat()},
        ),
        ["domain", "identified_on", "severity"],
    ),
    "need_resolve": (
        lambda case, need, goal: (url("need-resolve", case, need.pk), {}),
        ["resolved_on"],
    ),
    "goal_add": (
        lambda case, need, goal: (
            url("goal-new", case),
            {"description": "Lavoro", "status": "open"},
        ),
        ["description", "status"],
    ),
    "goal_update": (
        lambda case, need, goal: (
            url("goal-update", case, goal.pk),
            {"description": goal.description, "domain": "housing", "status": "achieved"},
        ),
        ["status"],
    ),
    "note_add": (lambda case, need, goal: (url("note-new", case), {"body": "Colloquio"}), ["body"]),
}


@pytest.mark.parametrize("action", SAVES)
def test_each_save_writes_one_audit_row_from_the_workspace(login, social_worker, case, action):
    need, goal = NeedFactory(case=case), GoalFactory(case=case)
    make_request, fields = SAVES[action]
    target, data = make_request(case, need, goal)
    response = login(social_worker).post(target, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    entry = AuditEntry.objects.get()
    assert (entry.action, entry.via, entry.actor, entry.case_id, entry.fields) == (
        action,
        "workspace",
        social_worker,
        case.pk,
        fields,
    )


def test_a_refused_save_writes_no_audit_row(login, social_worker, case):
    close(case)
    response = login(social_worker).post(url("note-new", case), {"body": "Ancora qui"})
    assert response.status_code == 409
    assert not AuditEntry.objects.exists()


def test_the_conflict_page_names_who_saved_from_the_audit(login, social_worker, make_member, case):
    colleague = make_member(Role.SOCIAL_WORKER, first_name="Marta", last_name="Neri")
    login(colleague).post(url("case-edit", case), edit_data(case, plan_summary="Suo piano"))
    response = login(social_worker).post(
        url("case-edit", case), edit_data(case, plan_summary="Mio piano", version=1)
    )
    assert response.status_code == 409
    assert "Saved version by Marta Neri" in response.content.decode()
    assert Case.objects.get(pk=case.pk).plan_summary == "Suo piano"


# --- Who reaches these pages ------------------------------------------------------------

PAGES = [
    ("case-edit", False),
    ("case-close", False),
    ("need-new", False),
    ("need-resolve", True),
    ("goal-new", False),
    ("goal-update", True),
    ("note-new", True),
]


def every_url(case, need, goal):
    extra = {"need-resolve": (need.pk,), "goal-update": (goal.pk,)}
    return [url(name, case, *extra.get(name, ())) for name, _ in PAGES]


POST_DATA = {
    "lead_worker": "",
    "plan_summary": "hijack",
    "version": "1",
    "outcome": "other",
    "closed_on": "2024-06-01",
    "domain": "work",
    "severity": "2",
    "identified_on": "2024-06-01",
    "description": "hijack",
    "status": "achieved",
    "body": "hijack",
}


def test_another_organisation_gets_404_everywhere(login, other_worker, case):
    need, goal = NeedFactory(case=case), GoalFactory(case=case)
    client = login(other_worker)
    before = snapshot(case)
    for target in every_url(case, need, goal):
        assert client.get(target).status_code in (404, 405), target
        assert client.post(target, POST_DATA).status_code == 404, target
    assert snapshot(case) == before
    assert Need.objects.get(pk=need.pk).resolved_on is None
    assert Goal.objects.get(pk=goal.pk).status == GoalStatus.OPEN
    assert not Note.objects.exists()
    assert Need.objects.count() == 1 and Goal.objects.count() == 1


@pytest.mark.parametrize("role", ["provider_staff", "official"])
def test_provider_staff_and_officials_have_no_casework(request, login, case, role):
    need, goal = NeedFactory(case=case), GoalFactory(case=case)
    ReferralFactory(
        case=case, service__organisation=request.getfixturevalue("provider_organisation")
    )
    client = login(request.getfixturevalue(role))
    before = snapshot(case)
    for target in every_url(case, need, goal):
        assert client.post(target, POST_DATA).status_code in (403, 404), target
    assert snapshot(case) == before
    assert not Note.objects.exists()


def test_a_protected_case_is_404_for_colleagues_off_its_team(login, make_member, case):
    Case.objects.filter(pk=case.pk).update(protected=True)
    colleague = make_member(Role.SOCIAL_WORKER)
    client = login(colleague)
    assert client.get(url("case-edit", case)).status_code == 404
    assert client.post(url("note-new", case), {"body": "x"}).status_code == 404
    assert not Note.objects.exists()
