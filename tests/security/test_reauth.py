"""Re-authentication before a sensitive step: lifting a case's protection, in the
workspace and in the admin; the page itself; its expiry."""

import datetime
import json
from urllib.parse import unquote

import pytest
from django.http import HttpResponse
from django.test import override_settings
from django.urls import reverse
from freezegun import freeze_time

from beneficiaries.models import Case
from security.models import SecurityEvent
from security.reauth import is_recent, reauth_required, require_recent_auth
from tests.admin_pages import admin_world, form_data, url
from tests.auth import confirmed_device, current_code, mark_reauthenticated, verified_login
from tests.factories import BeneficiaryFactory, CaseFactory

pytestmark = pytest.mark.django_db

REAUTH = "/account/reauth/"


@pytest.fixture
def protected_case(organisation, social_worker):
    person = BeneficiaryFactory(registered_by=organisation)
    return CaseFactory(
        beneficiary=person,
        organisation=organisation,
        lead_worker=social_worker,
        protected=True,
        plan_summary="Piano",
    )


def edit_data(case, **changes) -> dict:
    data = {
        "lead_worker": case.lead_worker_id,
        "team": [user.pk for user in case.team.all()],
        "follow_up_on": "",
        "plan_summary": case.plan_summary,
        "version": case.version,
    }
    data.update(changes)
    return data  # no "protected": the box is unticked


def reauthenticate(client, user, next_url: str):
    return client.post(
        REAUTH,
        {
            "password": "password",
            "otp_token": current_code(confirmed_device(user)),
            "next": next_url,
        },
    )


# --- The page -------------------------------------------------------------------------


def test_the_page_asks_password_and_code_of_a_user_with_a_device(client, social_worker):
    verified_login(client, social_worker)
    page = client.get(REAUTH + "?next=/workspace/").content.decode()
    assert 'name="password"' in page and 'name="otp_token"' in page


def test_a_user_without_a_device_gives_the_password_only(client, official):
    client.force_login(official)  # an official without a device needs no code
    page = client.get(REAUTH).content.decode()
    assert 'name="password"' in page and 'name="otp_token"' not in page
    response = client.post(REAUTH, {"password": "password", "next": "/workspace/"})
    assert response.status_code == 302 and response["Location"] == "/workspace/"


def test_right_password_and_code_make_the_session_recent(client, social_worker):
    verified_login(client, social_worker)
    response = reauthenticate(client, social_worker, "/workspace/intake/")
    assert response.status_code == 302
    assert response["Location"] == "/workspace/intake/"
    assert SecurityEvent.objects.filter(kind="reauth_ok", user=social_worker).count() == 1


def test_a_wrong_password_is_refused_with_a_message(client, social_worker):
    verified_login(client, social_worker)
    response = client.post(
        REAUTH,
        {"password": "wrong", "otp_token": current_code(confirmed_device(social_worker))},
    )
    assert response.status_code == 200
    assert "The password is wrong." in response.content.decode()
    assert SecurityEvent.objects.filter(kind="reauth_failed", user=social_worker).count() == 1


def test_a_wrong_code_is_refused_with_a_message(client, social_worker):
    device = confirmed_device(social_worker)
    verified_login(client, social_worker)
    wrong = f"{(int(current_code(device)) + 1) % 1_000_000:06d}"
    response = client.post(REAUTH, {"password": "password", "otp_token": wrong})
    assert response.status_code == 200
    assert "The code is wrong or has expired" in response.content.decode()


def test_the_next_page_must_be_on_this_site(client, social_worker):
    verified_login(client, social_worker)
    response = reauthenticate(client, social_worker, "//evil.example/")
    assert response["Location"] == reverse("workspace:home")


def test_an_anonymous_visitor_is_sent_to_the_login(client):
    response = client.get(REAUTH)
    assert response.status_code == 302 and response["Location"].startswith("/workspace/login/")


# --- The guard ------------------------------------------------------------------------


@reauth_required
def sensitive_view(request):
    return HttpResponse("done")


def test_the_decorator_redirects_then_lets_through(rf, client, social_worker):
    verified_login(client, social_worker)
    request = rf.post("/somewhere/sensitive/?x=1")
    request.user = social_worker
    request.session = client.session
    response = sensitive_view(request)
    assert response.status_code == 302
    assert unquote(response["Location"]) == REAUTH + "?next=/somewhere/sensitive/?x=1"
    mark_reauthenticated(client)
    request.session = client.session
    assert is_recent(request)
    assert sensitive_view(request).content == b"done"


def test_htmx_and_json_requests_get_403_with_a_message(rf, client, social_worker):
    verified_login(client, social_worker)
    for headers in ({"HX-Request": "true"}, {"Accept": "application/json"}):
        request = rf.post("/somewhere/", headers=headers)
        request.user = social_worker
        request.session = client.session
        response = require_recent_auth(request)
        assert response.status_code == 403
        assert "confirm your identity again" in json.loads(response.content)["detail"]


@override_settings(REAUTH_MAX_AGE=300)
def test_a_reauthentication_expires(client, social_worker):
    verified_login(client, social_worker)
    with freeze_time("2026-03-02 09:00:00") as clock:
        reauthenticate(client, social_worker, "/workspace/")
        request = client.get("/workspace/").wsgi_request
        assert is_recent(request)
        clock.tick(datetime.timedelta(seconds=299))
        assert is_recent(client.get("/workspace/").wsgi_request)
        clock.tick(datetime.timedelta(seconds=2))
        assert not is_recent(client.get("/workspace/").wsgi_request)


# --- Lifting a case's protection in the workspace -------------------------------------


def test_unprotecting_without_reauth_goes_to_the_page_and_changes_nothing(
    client, social_worker, protected_case
):
    verified_login(client, social_worker)
    edit = reverse("workspace:case-edit", args=[protected_case.pk])
    response = client.post(edit, edit_data(protected_case, plan_summary="Nuovo"))
    assert response.status_code == 302
    assert unquote(response["Location"]) == f"{REAUTH}?next={edit}"
    stored = Case.objects.get(pk=protected_case.pk)
    assert stored.protected and stored.plan_summary == "Piano"
    assert stored.version == protected_case.version


def test_unprotecting_after_reauth_works(client, social_worker, protected_case):
    verified_login(client, social_worker)
    edit = reverse("workspace:case-edit", args=[protected_case.pk])
    assert client.post(edit, edit_data(protected_case))["Location"].startswith(REAUTH)
    # The user confirms on the page, comes back and saves again.
    assert reauthenticate(client, social_worker, edit)["Location"] == edit
    response = client.post(edit, edit_data(protected_case))
    assert response.status_code == 302
    assert response["Location"] == reverse("workspace:case", args=[protected_case.pk])
    assert not Case.objects.get(pk=protected_case.pk).protected


def test_unprotecting_after_the_reauth_expired_is_refused_again(
    client, social_worker, protected_case
):
    verified_login(client, social_worker)
    edit = reverse("workspace:case-edit", args=[protected_case.pk])
    with freeze_time("2026-03-02 09:00:00") as clock:
        reauthenticate(client, social_worker, edit)
        clock.tick(datetime.timedelta(seconds=301))
        assert client.post(edit, edit_data(protected_case))["Location"].startswith(REAUTH)
    assert Case.objects.get(pk=protected_case.pk).protected


def test_other_edits_of_a_protected_case_need_no_reauth(client, social_worker, protected_case):
    verified_login(client, social_worker)
    edit = reverse("workspace:case-edit", args=[protected_case.pk])
    response = client.post(edit, edit_data(protected_case, protected="on", plan_summary="Nuovo"))
    assert response["Location"] == reverse("workspace:case", args=[protected_case.pk])
    stored = Case.objects.get(pk=protected_case.pk)
    assert stored.protected and stored.plan_summary == "Nuovo"


# --- … and in the admin ----------------------------------------------------------------


def test_unprotecting_in_the_admin_needs_reauth(client):
    world = admin_world()
    case = world.records["c1"]
    Case.objects.filter(pk=case.pk).update(protected=True)
    worker = world.users["social_worker"]
    verified_login(client, worker)
    change = url(Case, "change", case.pk)
    data = form_data(client.get(change))
    assert data.pop("protected") in ("on", True, "True")
    response = client.post(change, data)
    assert response.status_code == 302
    assert unquote(response["Location"]) == f"{REAUTH}?next={change}"
    assert Case.objects.get(pk=case.pk).protected

    reauthenticate(client, worker, change)
    response = client.post(change, data)
    assert response.status_code == 302 and not response["Location"].startswith(REAUTH)
    assert not Case.objects.get(pk=case.pk).protected


def test_the_code_step_of_the_login_counts_as_a_recent_proof(client, social_worker):
    device = confirmed_device(social_worker)
    client.post("/workspace/login/", {"username": social_worker.username, "password": "password"})
    assert not is_recent(client.get("/account/verify/").wsgi_request)
    client.post("/account/verify/", {"otp_token": current_code(device)})
    assert is_recent(client.get("/workspace/").wsgi_request)
