"""Two workers edit the same case: the second save is refused with both versions shown,
nothing is overwritten, and saving again from the new version is a deliberate choice."""

import re
import threading

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from beneficiaries.models import Case
from services.models import Role
from tests.auth import verified_login
from tests.factories import BeneficiaryFactory, CaseFactory, MembershipFactory, UserFactory


def version_in(html: str) -> str:
    return re.search(r'name="version" value="(\d+)"', html).group(1)


def data(case, version, **changes):
    values = {
        "lead_worker": case.lead_worker_id,
        "team": [user.pk for user in case.team.all()],
        "plan_summary": "",
        "follow_up_on": "",
        "version": version,
    }
    values.update(changes)
    return values


@pytest.fixture
def colleague(make_member):
    return make_member(Role.SOCIAL_WORKER, first_name="Luca", last_name="Verdi")


@pytest.fixture
def two_clients(social_worker, colleague, case):
    case.team.set([colleague])
    first, second = Client(), Client()
    verified_login(first, social_worker)
    verified_login(second, colleague)
    return first, second


@pytest.mark.django_db
def test_second_save_from_a_stale_version_shows_both_and_keeps_the_first(
    two_clients, social_worker, colleague, case
):
    first, second = two_clients
    edit = reverse("workspace:case-edit", args=[case.pk])
    read = [version_in(client.get(edit).content.decode()) for client in (first, second)]
    assert read == ["1", "1"]

    saved = first.post(edit, data(case, read[0], plan_summary="Casa e lavoro"))
    assert saved.status_code == 302
    response = second.post(
        edit, data(case, read[1], plan_summary="Solo lavoro", follow_up_on="2024-03-01")
    )
    assert response.status_code == 409
    html = response.content.decode()
    assert (
        "Someone else saved this case while you were editing it: nothing was overwritten." in html
    )
    assert 'class="conflict"' in html
    assert "Your version" in html
    assert "Saved version by" in html
    mine, theirs = html.split('id="mine-title"')[1].split('id="theirs-title"')
    assert "Solo lavoro" in mine and "Casa e lavoro" not in mine
    assert "Casa e lavoro" in theirs
    assert social_worker.username in theirs.split("</h2>")[0]
    assert mine.count("differs") == 2  # the plan and the follow-up, not the lead worker
    # The form carries the user's values with the stored version.
    assert version_in(html) == "2"
    assert "Solo lavoro</textarea>" in html
    assert "Discard my changes" in html
    stored = Case.objects.get(pk=case.pk)
    assert (stored.plan_summary, stored.version, stored.follow_up_on) == ("Casa e lavoro", 2, None)

    # Saving again from the version shown is deliberate, and goes through.
    again = second.post(edit, data(case, "2", plan_summary="Solo lavoro"))
    assert again.status_code == 302
    stored = Case.objects.get(pk=case.pk)
    assert (stored.plan_summary, stored.version) == ("Solo lavoro", 3)
    assert "The case and its plan were saved." in second.get(again["Location"]).content.decode()


@pytest.mark.django_db
def test_closing_from_a_stale_version_is_a_conflict(two_clients, case):
    first, second = two_clients
    edit = reverse("workspace:case-edit", args=[case.pk])
    close = reverse("workspace:case-close", args=[case.pk])
    assert first.post(edit, data(case, "1", plan_summary="Nuovo piano")).status_code == 302
    response = second.post(
        close, {"outcome": "moved_away", "closed_on": "2024-06-01", "version": "1"}
    )
    assert response.status_code == 409
    html = response.content.decode()
    assert "nothing was overwritten" in html
    assert "moved away" in html
    stored = Case.objects.get(pk=case.pk)
    assert (stored.status, stored.version) == ("open", 2)
    again = second.post(close, {"outcome": "moved_away", "closed_on": "2024-06-01", "version": "2"})
    assert again.status_code == 302
    assert Case.objects.get(pk=case.pk).status == "closed"


@pytest.mark.django_db(transaction=True)
def test_simultaneous_saves_from_the_same_version_keep_one(reference_data):
    worker, colleague = UserFactory(), UserFactory()
    membership = MembershipFactory(user=worker, role=Role.SOCIAL_WORKER)
    MembershipFactory(user=colleague, organisation=membership.organisation, role=Role.SOCIAL_WORKER)
    case = CaseFactory(
        beneficiary=BeneficiaryFactory(registered_by=membership.organisation), lead_worker=worker
    )
    edit = reverse("workspace:case-edit", args=[case.pk])
    start = threading.Barrier(2)
    answers: dict[str, int] = {}

    def save(user, plan: str) -> None:
        client = Client()
        verified_login(client, user)
        start.wait()
        try:
            response = client.post(
                edit, {"lead_worker": worker.pk, "plan_summary": plan, "version": "1"}
            )
            answers[plan] = response.status_code
        finally:
            connection.close()

    threads = [
        threading.Thread(target=save, args=(user, plan))
        for user, plan in ((worker, "primo"), (colleague, "secondo"))
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(answers.values()) == [302, 409]
    winner = next(plan for plan, status in answers.items() if status == 302)
    stored = Case.objects.get(pk=case.pk)
    assert (stored.plan_summary, stored.version) == (winner, 2)
