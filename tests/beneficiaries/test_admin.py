"""The back office of people and their cases shows each user exactly what they may see.

* every personal list holds exactly ``Model.objects.visible_to(user)``; another
  organisation's record cannot be opened by its address, nor offered in a look-up;
* a codice fiscale finds its person through the keyed hash, and is never printed;
* personal records are never deleted here;
* a stale case form is refused (by the action, under its lock); a save writes the
  action's audit row, never the admin's log;
* lists make the same number of queries for 3 rows as for 30.
"""

import datetime

import pytest
from django.contrib.admin.models import LogEntry
from django.urls import reverse

from beneficiaries.models import Beneficiary, Case, CaseStatus, Consent, Need, Note, Referral
from core.models import AuditEntry
from services.models import Role
from services.roles import ROLE_PERMISSIONS
from tests.admin_pages import (
    ROLE_OF,
    admin_world,
    changelist_pks,
    changelist_queries,
    form_data,
    messages_of,
    offered_actions,
    staff,
    url,
)
from tests.auth import verified_login
from tests.factories import (
    BeneficiaryFactory,
    CaseFactory,
    ConsentFactory,
    NeedFactory,
    NoteFactory,
    ReferralFactory,
    ServiceAtSiteFactory,
)

pytestmark = pytest.mark.django_db

MODELS = [Beneficiary, Case, Need, Referral, Consent, Note]
# Names given to one person of organisation A (b1) and one of organisation B (b3).
NAME_IN_A = ("Quagliarella", "Ottavia")
NAME_IN_B = ("Zanzottera", "Filiberto")


@pytest.fixture
def world():
    world = admin_world()
    for key, (family, given) in (("b1", NAME_IN_A), ("b3", NAME_IN_B)):
        person = world.records[key]
        person.family_name, person.given_name = family, given
        person.save()
    return world


def _may_view(user_name: str, model) -> bool:
    role = ROLE_OF.get(user_name)
    return role is not None and f"beneficiaries.view_{model._meta.model_name}" in set(
        ROLE_PERMISSIONS[role]
    )


SCOPE_CASES = [
    (model, name)
    for model in MODELS
    for name in (
        "social_worker",
        "lead_worker",
        "coordinator",
        "provider_staff",
        "other_org_social_worker",
        "other_org_coordinator",
    )
    if _may_view(name, model)
]


# --- Lists hold exactly what the user may see ------------------------------------------


@pytest.mark.parametrize(
    ("model", "user_name"),
    SCOPE_CASES,
    ids=[f"{model._meta.model_name}-{name}" for model, name in SCOPE_CASES],
)
def test_changelist_lists_exactly_the_rows_visible_to_the_user(client, world, model, user_name):
    user = world.users[user_name]
    verified_login(client, user)
    response = client.get(url(model, "changelist"))
    visible = set(model.objects.visible_to(user).values_list("pk", flat=True))
    assert response.status_code == 200
    assert changelist_pks(response) == visible
    assert response.context["cl"].result_count == len(visible)
    assert response.context["cl"].full_result_count == len(visible)


@pytest.mark.parametrize(
    ("model", "mine", "theirs"),
    [
        (Beneficiary, "b1", "b3"),
        (Case, "c1", "c3"),
        (Need, "n1", "n3"),
        (Referral, "r1", "r3"),
        (Consent, "k1", "k3"),
        (Note, "note1", "note3"),
    ],
    ids=lambda value: value if isinstance(value, str) else value._meta.model_name,
)
def test_social_worker_of_a_does_not_see_the_rows_of_b(client, world, model, mine, theirs):
    verified_login(client, world.users["social_worker"])
    listed = changelist_pks(client.get(url(model, "changelist")))
    assert world.records[mine].pk in listed
    assert world.records[theirs].pk not in listed


@pytest.mark.parametrize(
    ("model", "theirs"),
    [
        (Beneficiary, "b3"),
        (Case, "c3"),
        (Need, "n3"),
        (Referral, "r3"),
        (Consent, "k3"),
        (Note, "note3"),
    ],
    ids=lambda value: value if isinstance(value, str) else value._meta.model_name,
)
def test_change_page_of_another_organisations_record_redirects_as_if_it_did_not_exist(
    client, world, model, theirs
):
    obj = world.records[theirs]
    verified_login(client, world.users["social_worker"])
    response = client.get(url(model, "change", obj.pk))
    # What the admin does for an id outside get_queryset: back to the index, with a
    # "does not exist" warning. The record is neither shown nor confirmed to exist.
    assert response.status_code == 302
    assert response.url == reverse("admin:index")
    index = client.get(response.url)
    assert any(f"“{obj.pk}” doesn’t exist" in message for message in messages_of(index)), (
        messages_of(index)
    )
    for page in (response, index):
        body = page.content.decode()
        assert NAME_IN_B[0] not in body
        assert NAME_IN_B[1] not in body


def test_history_of_another_organisations_person_is_not_shown(client, world):
    verified_login(client, world.users["social_worker"])
    response = client.get(url(Beneficiary, "history", world.records["b3"].pk))
    assert response.status_code == 302
    assert response.url == reverse("admin:index")


def test_posting_to_another_organisations_case_changes_nothing(client, world):
    case = world.records["c3"]
    verified_login(client, world.users["social_worker"])
    response = client.post(
        url(Case, "change", case.pk),
        {"status": CaseStatus.SUSPENDED, "opened_on": "2024-01-10", "_save": "Save"},
    )
    assert response.status_code == 302
    assert response.url == reverse("admin:index")
    case.refresh_from_db()
    assert case.status == CaseStatus.OPEN


@pytest.mark.parametrize("model", MODELS, ids=lambda model: model._meta.model_name)
def test_superuser_without_membership_sees_no_personal_rows(client, world, model):
    assert model.objects.exists()
    verified_login(client, world.users["superuser"])
    response = client.get(url(model, "changelist"))
    assert response.status_code == 200
    assert response.context["cl"].result_count == 0
    assert response.context["cl"].full_result_count == 0


def test_official_is_refused_the_people_and_cases(client, world):
    verified_login(client, world.users["official"])
    for model in MODELS:
        assert client.get(url(model, "changelist")).status_code == 403, model
    b1 = world.records["b1"]
    assert client.get(url(Beneficiary, "change", b1.pk)).status_code == 403


def test_administrator_is_refused_the_people_and_cases(client, world):
    verified_login(client, world.users["administrator"])
    assert client.get(url(Beneficiary, "changelist")).status_code == 403
    assert client.get(url(Case, "changelist")).status_code == 403


# --- Look-ups offer only visible records -----------------------------------------------


def _autocomplete(client, app_label, model_name, field_name, term=""):
    response = client.get(
        reverse("admin:autocomplete"),
        {"app_label": app_label, "model_name": model_name, "field_name": field_name, "term": term},
    )
    assert response.status_code == 200
    return {row["id"] for row in response.json()["results"]}


@pytest.mark.parametrize(
    ("model_name", "field_name"),
    [("referral", "case"), ("need", "case"), ("note", "case"), ("placement", "case")],
)
def test_case_autocomplete_offers_only_visible_cases(client, world, model_name, field_name):
    app_label = "housing" if model_name == "placement" else "beneficiaries"
    user = world.users["social_worker"]
    verified_login(client, user)
    offered = _autocomplete(client, app_label, model_name, field_name)
    visible = {str(pk) for pk in Case.objects.visible_to(user).values_list("pk", flat=True)}
    assert offered == visible
    assert str(world.records["c3"].pk) not in offered
    assert str(world.records["c2"].pk) not in offered  # protected, not on its team


def test_case_autocomplete_offers_nothing_to_a_superuser(client, world):
    verified_login(client, world.users["superuser"])
    assert _autocomplete(client, "beneficiaries", "referral", "case") == set()


def test_beneficiary_autocomplete_finds_by_id_only_visible_people(client, world):
    """By the record id; never by codice fiscale, which the look-up would put in its URL
    (issue 13: the people's list finds a code by POST instead)."""
    verified_login(client, world.users["social_worker"])
    mine, theirs = world.records["b1"], world.records["b3"]
    for person in (mine, theirs):
        found = _autocomplete(client, "beneficiaries", "case", "beneficiary", person.codice_fiscale)
        assert found == set()
    assert _autocomplete(client, "beneficiaries", "case", "beneficiary", str(mine.pk)[:8]) == {
        str(mine.pk)
    }
    assert _autocomplete(client, "beneficiaries", "case", "beneficiary", str(theirs.pk)[:8]) == (
        set()
    )


def test_autocomplete_results_name_no_person(client, world):
    verified_login(client, world.users["social_worker"])
    response = client.get(
        reverse("admin:autocomplete"),
        {"app_label": "beneficiaries", "model_name": "case", "field_name": "beneficiary"},
    )
    body = response.content.decode()
    assert str(world.records["b1"].pk) in body
    assert NAME_IN_A[0] not in body


@pytest.mark.parametrize("field_name", ["lead_worker", "team"])
def test_colleague_autocomplete_of_the_case_form_offers_only_colleagues(client, world, field_name):
    verified_login(client, world.users["social_worker"])
    offered = _autocomplete(client, "beneficiaries", "case", field_name)
    colleagues = {
        str(world.users[name].pk)
        for name in ("social_worker", "lead_worker", "team_member", "coordinator")
    }
    assert offered == colleagues


def test_social_worker_cannot_browse_the_user_list(client, world):
    verified_login(client, world.users["social_worker"])
    assert client.get(reverse("admin:auth_user_changelist")).status_code == 403


# --- Codice fiscale: found through the hash, never printed -----------------------------


def _spaced_lower(code: str) -> str:
    return f"  {code[:6].lower()} {code[6:11]} {code[11:].lower()} "


@pytest.mark.parametrize("spelling", ["as stored", "lower case with spaces"])
def test_codice_fiscale_search_finds_exactly_that_person(client, world, spelling):
    """By POST only (issue 13: never in a URL): the list's ``?q=`` takes no codice
    fiscale; the find form posts it and lands on the person's page, by id."""
    person = world.records["b1"]
    code = person.codice_fiscale
    term = code if spelling == "as stored" else _spaced_lower(code)
    verified_login(client, world.users["social_worker"])
    response = client.get(url(Beneficiary, "changelist"), {"q": term})
    assert changelist_pks(response) == set()
    find = reverse("admin:beneficiaries_beneficiary_find")
    response = client.post(find, {"find_codice_fiscale": term})
    assert response.status_code == 302
    assert response["Location"] == url(Beneficiary, "change", person.pk)


def test_codice_fiscale_search_on_cases_finds_the_persons_cases(client, world):
    person = world.records["b1"]
    verified_login(client, world.users["social_worker"])
    response = client.get(url(Case, "changelist"), {"q": _spaced_lower(person.codice_fiscale)})
    # Not in a URL (issue 13): the person is found by POST, their cases on their page.
    assert changelist_pks(response) == set()


def test_codice_fiscale_of_another_organisations_person_finds_nobody(client, world):
    verified_login(client, world.users["social_worker"])
    response = client.get(url(Beneficiary, "changelist"), {"q": world.records["b3"].codice_fiscale})
    assert response.context["cl"].result_count == 0
    assert NAME_IN_B[0] not in response.content.decode()


def test_a_name_is_not_a_search_term(client, world):
    # Names are encrypted: searching one must not find (or reveal) anybody.
    verified_login(client, world.users["social_worker"])
    response = client.get(url(Beneficiary, "changelist"), {"q": NAME_IN_A[0]})
    assert response.status_code == 200
    assert response.context["cl"].result_count == 0


@pytest.mark.parametrize("user_name", ["social_worker", "coordinator", "other_org_coordinator"])
def test_changelists_never_print_a_codice_fiscale(client, world, user_name):
    codes = [person.codice_fiscale for person in Beneficiary.objects.all()]
    assert all(codes)
    verified_login(client, world.users[user_name])
    for model in MODELS:
        response = client.get(url(model, "changelist"))
        assert response.status_code == 200
        body = response.content.decode()
        assert [code for code in codes if code in body] == [], model


def test_a_search_by_codice_fiscale_prints_it_only_as_the_search_term(client, world):
    # Django's admin searches by GET: the term comes back in the search box and in the
    # links that keep the search (filters, sorting, the rows' change links). Nowhere else.
    code = world.records["b1"].codice_fiscale
    verified_login(client, world.users["social_worker"])
    response = client.get(url(Beneficiary, "changelist"), {"q": code})
    body = response.content.decode()
    assert response.context["cl"].result_count == 0  # found only by POST (issue 13)
    for echo in (f'value="{code}"', f"q={code}", f"q%3D{code}"):
        body = body.replace(echo, "")
    assert code not in body


@pytest.mark.parametrize(
    ("user_name", "sees_a", "sees_b"),
    [
        ("social_worker", True, False),
        ("coordinator", True, False),
        ("other_org_social_worker", False, True),
        ("superuser", False, False),
    ],
)
def test_names_are_shown_only_to_users_who_see_the_person(client, world, user_name, sees_a, sees_b):
    verified_login(client, world.users[user_name])
    body = client.get(url(Beneficiary, "changelist")).content.decode()
    assert (f"{NAME_IN_A[0]} {NAME_IN_A[1]}" in body) is sees_a
    assert (f"{NAME_IN_B[0]} {NAME_IN_B[1]}" in body) is sees_b


def test_change_page_of_a_visible_person_shows_the_name_and_codice_fiscale(client, world):
    person = world.records["b1"]
    verified_login(client, world.users["social_worker"])
    body = client.get(url(Beneficiary, "change", person.pk)).content.decode()
    assert NAME_IN_A[0] in body
    assert person.codice_fiscale in body


def test_saving_a_person_writes_one_audit_row_by_record_id_and_no_admin_log(client, world):
    # Issue 12: the action's change audit is the one audit; the admin's own log
    # (django.contrib.admin's LogEntry) is no longer written for personal records.
    person = world.records["b1"]
    verified_login(client, world.users["social_worker"])
    data = form_data(client.get(url(Beneficiary, "change", person.pk)))
    data["homeless"] = "on"
    response = client.post(url(Beneficiary, "change", person.pk), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    entry = AuditEntry.objects.get(target_id=str(person.pk))
    assert (entry.action, entry.via, entry.fields) == ("person_update", "admin", ["homeless"])
    assert NAME_IN_A[0] not in str(entry.details)
    assert not LogEntry.objects.filter(object_id=str(person.pk)).exists()


def test_history_page_shows_the_change_audit(client, world):
    person = world.records["b1"]
    verified_login(client, world.users["social_worker"])
    data = form_data(client.get(url(Beneficiary, "change", person.pk)))
    data["homeless"] = "on"
    client.post(url(Beneficiary, "change", person.pk), data)
    body = client.get(url(Beneficiary, "history", person.pk)).content.decode()
    assert "person_update" in body
    assert "homeless" in body
    assert NAME_IN_A[0] not in body.split('id="change-history"')[1]


# --- No deletion -------------------------------------------------------------------------


@pytest.mark.parametrize(("model", "key"), [(Beneficiary, "b1"), (Case, "c1")])
@pytest.mark.parametrize("user_name", ["social_worker", "administrator", "superuser"])
def test_delete_view_is_forbidden(client, world, model, key, user_name):
    obj = world.records[key]
    verified_login(client, world.users[user_name])
    assert client.get(url(model, "delete", obj.pk)).status_code == 403
    assert client.post(url(model, "delete", obj.pk), {"post": "yes"}).status_code == 403
    assert model.objects.filter(pk=obj.pk).exists()


@pytest.mark.parametrize("model", MODELS, ids=lambda model: model._meta.model_name)
@pytest.mark.parametrize("user_name", ["social_worker", "superuser"])
def test_delete_selected_is_not_offered(client, world, model, user_name):
    verified_login(client, world.users[user_name])
    response = client.get(url(model, "changelist"))
    assert "delete_selected" not in offered_actions(response)
    assert 'value="delete_selected"' not in response.content.decode()


def test_posting_delete_selected_deletes_nothing(client, world):
    mine = world.records["b5"]
    verified_login(client, world.users["social_worker"])
    client.post(
        url(Beneficiary, "changelist"),
        {"action": "delete_selected", "_selected_action": [str(mine.pk)], "post": "yes"},
    )
    assert Beneficiary.objects.filter(pk=mine.pk).exists()


# --- A stale form is refused ------------------------------------------------------------


# Issue 12: the case form changes what case_update changes (lead worker, team, protected,
# next follow-up); the opening date is read-only, and the stale check is the action's,
# under its row lock, with the action's message.


def test_fresh_case_form_saves(client, world):
    case = world.records["c1"]
    verified_login(client, world.users["social_worker"])
    data = form_data(client.get(url(Case, "change", case.pk)))
    data["follow_up_on"] = "2024-03-05"
    response = client.post(url(Case, "change", case.pk), data)
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.follow_up_on == datetime.date(2024, 3, 5)


def test_stale_case_form_is_refused_and_the_other_save_is_kept(client, world):
    case = world.records["c1"]
    verified_login(client, world.users["social_worker"])
    data = form_data(client.get(url(Case, "change", case.pk)))

    meanwhile = Case.objects.get(pk=case.pk)
    meanwhile.status = CaseStatus.SUSPENDED
    meanwhile.save()

    data["follow_up_on"] = "2024-03-05"
    response = client.post(url(Case, "change", case.pk), data)
    assert response.status_code == 200
    assert "Someone else changed this record since you read it" in response.content.decode()
    case.refresh_from_db()
    assert case.status == CaseStatus.SUSPENDED
    assert case.follow_up_on is None
    assert case.version == meanwhile.version


# --- No query per row -------------------------------------------------------------------


@pytest.fixture
def worker(make_member):
    return staff(make_member(Role.SOCIAL_WORKER), Role.SOCIAL_WORKER)


def _mine(organisation):
    return {"case__beneficiary__registered_by": organisation}


def _referral_to_a_site(organisation):
    offering = ServiceAtSiteFactory()
    return ReferralFactory(**_mine(organisation), service=offering.service, offering=offering)


ROW_MAKERS = {
    Beneficiary: lambda org: BeneficiaryFactory(registered_by=org),
    Case: lambda org: CaseFactory(beneficiary__registered_by=org),
    Need: lambda org: NeedFactory(**_mine(org)),
    Referral: _referral_to_a_site,
    Consent: lambda org: ConsentFactory(beneficiary__registered_by=org),
    Note: lambda org: NoteFactory(**_mine(org)),
}


@pytest.mark.parametrize("model", MODELS, ids=lambda model: model._meta.model_name)
def test_changelist_queries_do_not_grow_with_rows(client, organisation, worker, model):
    verified_login(client, worker)
    for _ in range(3):
        ROW_MAKERS[model](organisation)
    with_3 = changelist_queries(client, model)
    for _ in range(27):
        ROW_MAKERS[model](organisation)
    assert model.objects.visible_to(worker).count() == 30
    assert changelist_queries(client, model) == with_3
