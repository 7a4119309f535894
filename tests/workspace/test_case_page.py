"""The case page: the team sees everything, others get 404, each opening is logged once."""

import pytest
from auditlog.models import LogEntry
from django.urls import reverse

from tests.factories import GoalFactory, NeedFactory, NoteFactory, ReferralFactory

pytestmark = pytest.mark.django_db


def test_team_sees_the_case(login, social_worker, case):
    NeedFactory(case=case)
    GoalFactory(case=case, description="Trovare un lavoro part-time")
    NoteFactory(case=case, body="Colloquio svolto")
    ReferralFactory(case=case)
    response = login(social_worker).get(reverse("workspace:case", args=[case.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Rossi Anna" in html
    assert "Trovare un lavoro part-time" in html
    assert "Colloquio svolto" in html


def test_opening_a_case_writes_exactly_one_access_log_row(login, social_worker, case):
    login(social_worker).get(reverse("workspace:case", args=[case.pk]))
    rows = list(LogEntry.objects.filter(action=LogEntry.Action.ACCESS))
    assert len(rows) == 1
    assert (rows[0].object_pk, rows[0].actor, rows[0].additional_data["via"]) == (
        str(case.pk),
        social_worker,
        "workspace",
    )


def test_another_organisation_gets_404_and_no_log(login, other_worker, case):
    response = login(other_worker).get(reverse("workspace:case", args=[case.pk]))
    assert response.status_code == 404
    assert not LogEntry.objects.filter(action=LogEntry.Action.ACCESS).exists()


def test_pages_about_people_are_never_cached(login, social_worker, case):
    response = login(social_worker).get(reverse("workspace:case", args=[case.pk]))
    cache_control = {part.strip() for part in response["Cache-Control"].split(",")}
    assert {"no-cache", "no-store", "must-revalidate", "private"} <= cache_control


def test_the_session_lasts_a_working_day_and_ends_with_the_browser(client, social_worker):
    response = client.post(
        reverse("workspace:login"), {"username": social_worker.username, "password": "password"}
    )
    assert response.status_code == 302
    cookie = response.cookies["sessionid"]
    assert (cookie["max-age"], cookie["expires"]) == ("", "")  # gone with the browser
    assert client.session.get_expiry_age() == 8 * 60 * 60
