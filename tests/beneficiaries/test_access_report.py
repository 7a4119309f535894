"""The data-protection officer's access report (beneficiaries/access_report.py): who read
and who changed a person's records, across the API, the admin and the workspace."""

from __future__ import annotations

import csv
import datetime
import io

import pytest
from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from beneficiaries.models import Beneficiary, ConsentPurpose, Need
from core.models import AuditEntry
from security.models import SecurityEvent
from services.models import Membership, Role
from services.roles import grant_role_group
from tests.auth import mark_reauthenticated, verified_login
from tests.factories import (
    BeneficiaryFactory,
    CaseFactory,
    ConsentFactory,
    MembershipFactory,
    NeedFactory,
)

pytestmark = pytest.mark.django_db

REPORT = reverse("admin:core_accesslogentry_changelist")


@pytest.fixture
def person(organisation):
    return BeneficiaryFactory(registered_by=organisation, given_name="Anna", family_name="Rossi")


@pytest.fixture
def case(person, social_worker, organisation):
    return CaseFactory(beneficiary=person, organisation=organisation, lead_worker=social_worker)


def staff(user, role):
    grant_role_group(user, role)
    return user


@pytest.fixture
def officer(make_member):
    return staff(make_member(Role.DATA_PROTECTION, username="dpo"), Role.DATA_PROTECTION)


@pytest.fixture
def other_officer(make_member, other_organisation):
    user = make_member(Role.DATA_PROTECTION, organisation=other_organisation)
    return staff(user, Role.DATA_PROTECTION)


def signed_in(user, *, reauthenticated=False) -> Client:
    client = Client()
    verified_login(client, user)
    if reauthenticated:
        mark_reauthenticated(client)
    return client


def read_everywhere(worker, person, case) -> None:
    """The worker reads the person through each door: API, admin, workspace."""
    api = APIClient()
    api.force_authenticate(worker)
    assert api.get(f"/api/v1/cases/{case.pk}/").status_code == 200
    admin = signed_in(staff(worker, Role.SOCIAL_WORKER))
    assert admin.get(reverse("admin:beneficiaries_case_change", args=[case.pk])).status_code == 200
    assert admin.get(reverse("workspace:person", args=[person.pk])).status_code == 200


def report(client, **data):
    today = timezone.localdate()
    data.setdefault("date_from", (today - datetime.timedelta(days=30)).isoformat())
    data.setdefault("date_to", today.isoformat())
    return client.post(REPORT, data)


def test_the_officer_sees_who_read_the_person_through_every_door(
    officer, social_worker, person, case, organisation
):
    read_everywhere(social_worker, person, case)
    client = signed_in(officer)
    page = client.get(REPORT)
    assert page.status_code == 200
    assert 'method="post"' in page.content.decode()
    response = report(client, codice_fiscale=person.codice_fiscale.lower())
    assert response.status_code == 200
    lines = response.context["lines"]
    reads = [
        (line.username, line.channel, line.record_id) for line in lines if line.kind == "access"
    ]
    assert reads == [
        (social_worker.username, "api", str(case.pk)),
        (social_worker.username, "admin", str(case.pk)),
        (social_worker.username, "workspace", str(person.pk)),
    ]
    first = lines[0]
    assert first.path == f"/api/v1/cases/{case.pk}/"
    assert first.roles == f"{organisation.name} (social worker)"
    html = response.content.decode()
    assert "Rossi Anna" in html and organisation.name in html
    assert "no-store" in response["Cache-Control"]


def test_changes_and_records_under_the_case_are_in_the_report(officer, social_worker, person, case):
    from beneficiaries.actions.cases import need_add

    need = need_add(
        acting_user=social_worker,
        case=case,
        domain="housing",
        severity=3,
        identified_on=timezone.localdate(),
        description="",
    )
    response = report(signed_in(officer), person=str(person.pk))
    assert response.status_code == 200
    changes = [(line.action, line.record_id) for line in response.context["lines"]]
    assert ("need_add", str(need.pk)) in changes
    assert AuditEntry.objects.filter(action="need_add").count() == 1


def test_another_organisations_case_stays_out(
    officer, social_worker, person, case, other_organisation, make_member
):
    """The person is followed elsewhere too (a protected case, say): the officer sees
    neither that case nor its workers' reads of the shared person record."""
    stranger = make_member(Role.SOCIAL_WORKER, organisation=other_organisation)
    theirs = CaseFactory(
        beneficiary=person, organisation=other_organisation, lead_worker=stranger, protected=True
    )
    ConsentFactory(
        beneficiary=person, organisation=other_organisation, purpose=ConsentPurpose.HOUSING
    )
    read_everywhere(stranger, person, theirs)
    response = report(signed_in(officer), person=str(person.pk))
    assert response.status_code == 200
    assert response.context["lines"] == []
    html = response.content.decode()
    assert stranger.username not in html and other_organisation.name not in html
    assert str(theirs.pk)[:8] not in html


def test_a_codice_fiscale_check_by_anyone_is_shown(
    officer, person, case, make_member, other_organisation
):
    stranger = make_member(Role.SOCIAL_WORKER, organisation=other_organisation)
    client = signed_in(stranger)
    response = client.post(reverse("workspace:intake"), {"codice_fiscale": person.codice_fiscale})
    assert "already registered by another service" in response.content.decode()
    lines = report(signed_in(officer), person=str(person.pk)).context["lines"]
    assert [(line.username, line.via) for line in lines] == [(stranger.username, "cf-check")]


def test_another_organisations_officer_finds_nothing(other_officer, person, case, social_worker):
    read_everywhere(social_worker, person, case)
    client = signed_in(other_officer)
    for data in ({"codice_fiscale": person.codice_fiscale}, {"person": str(person.pk)}):
        response = report(client, **data)
        assert response.status_code == 404
        html = response.content.decode()
        assert "No person with this codice fiscale or id" in html
        assert "Rossi" not in html and social_worker.username not in html
    assert not LogEntry.objects.filter(actor=other_officer).exists()
    events = SecurityEvent.objects.filter(kind="access_report", user=other_officer)
    assert [event.details for event in events.order_by("pk")] == [
        {"export": "page", "found": False},
        {"export": "page", "found": False},
    ]


@pytest.mark.parametrize("role", [Role.ADMINISTRATOR, Role.SOCIAL_WORKER, Role.COORDINATOR])
def test_other_roles_cannot_open_the_report(make_member, role, person, case):
    user = staff(make_member(role), role)
    client = signed_in(user)
    assert client.get(REPORT).status_code == 403
    response = report(client, person=str(person.pk))
    assert response.status_code == 403
    assert "Rossi" not in response.content.decode()
    index = client.get(reverse("admin:index")).content.decode()
    assert REPORT not in index


def test_a_superuser_without_the_role_cannot_open_it(superuser, person, case):
    client = signed_in(superuser)
    assert report(client, person=str(person.pk)).status_code == 403


def test_the_officer_finds_the_report_in_the_admin(officer):
    index = signed_in(officer).get(reverse("admin:index")).content.decode()
    assert f'href="{REPORT}"' in index


def test_each_report_is_access_logged_and_a_security_event(officer, person, case):
    report(signed_in(officer), codice_fiscale=person.codice_fiscale)
    row = LogEntry.objects.get(actor=officer)
    assert (row.object_pk, row.additional_data["via"]) == (str(person.pk), "admin-access-report")
    event = SecurityEvent.objects.get(kind="access_report")
    assert (event.user, event.details) == (officer, {"export": "page", "found": True, "rows": 0})
    stored = str(event.details) + event.username
    assert person.codice_fiscale not in stored and str(person.pk) not in stored
    # The officer's own read shows in the next report.
    lines = report(signed_in(officer), person=str(person.pk)).context["lines"]
    assert [(line.username, line.via) for line in lines] == [("dpo", "admin-access-report")]


def test_the_csv_export_needs_a_fresh_re_authentication(officer, social_worker, person, case):
    read_everywhere(social_worker, person, case)
    # A path that a spreadsheet would read as a formula stays text.
    LogEntry.objects.create(
        content_type=ContentType.objects.get_for_model(Beneficiary),
        object_pk=str(person.pk),
        object_repr="x",
        action=LogEntry.Action.ACCESS,
        actor=social_worker,
        additional_data={"via": "workspace", "path": '=HYPERLINK("http://evil","x")'},
    )
    client = signed_in(officer)
    response = report(client, person=str(person.pk), export="csv")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("security:reauth"))
    assert person.codice_fiscale not in response["Location"]
    assert not SecurityEvent.objects.filter(kind="access_report").exists()

    mark_reauthenticated(client)
    response = report(client, codice_fiscale=person.codice_fiscale, export="csv")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert person.codice_fiscale not in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:4] == ["at", "kind", "record_type", "record_id"]
    body = rows[1:]
    assert [row[7] for row in body] == ["api", "admin", "workspace", "workspace"]
    assert body[-1][8] == '\'=HYPERLINK("http://evil","x")'
    assert all(row[4] == social_worker.username for row in body)
    event = SecurityEvent.objects.get(kind="access_report")
    assert event.details == {"export": "csv", "found": True, "rows": 4}


def test_bad_input_is_explained_and_kept(officer):
    client = signed_in(officer)
    response = report(client, codice_fiscale="RSSMRA80A01H50")
    assert response.status_code == 400
    assert response.context["form"].errors["codice_fiscale"]
    response = report(client)
    assert response.status_code == 400
    assert "Give the person&#x27;s codice fiscale or their id" in response.content.decode()
    response = report(client, person="not-an-id", date_from="2026-05-01", date_to="2026-04-01")
    assert response.status_code == 400
    assert response.context["form"].errors["person"]
    assert response.context["form"]["date_from"].value() == "2026-05-01"


def test_the_report_costs_the_same_queries_for_few_or_many_rows(
    officer, social_worker, person, case
):
    client = signed_in(officer)
    report(client, person=str(person.pk))  # the session's first request saves it

    def read(times):
        for _ in range(times):
            NeedFactory(case=case)
        for need in Need.objects.filter(case=case):
            LogEntry.objects.create(
                content_type=ContentType.objects.get_for_model(need),
                object_pk=str(need.pk),
                object_repr="x",
                action=LogEntry.Action.ACCESS,
                actor=social_worker,
                additional_data={"via": "api", "path": "/"},
            )

    read(1)
    with CaptureQueriesContext(connection) as few:
        first = report(client, person=str(person.pk))
    read(15)
    with CaptureQueriesContext(connection) as many:
        second = report(client, person=str(person.pk))
    assert len(second.context["lines"]) > len(first.context["lines"]) + 15
    assert len(many) == len(few)


def test_a_member_who_left_still_counts(officer, person, case, organisation):
    """Someone who has since left the organisation read the person as one of its members."""
    leaver = MembershipFactory(organisation=organisation, role=Role.COORDINATOR).user
    client = signed_in(leaver)
    assert client.get(reverse("workspace:person", args=[person.pk])).status_code == 200
    Membership.objects.filter(user=leaver).update(active=False)
    lines = report(signed_in(officer), person=str(person.pk)).context["lines"]
    assert [line.username for line in lines] == [leaver.username]
    assert lines[0].roles.endswith("–")
