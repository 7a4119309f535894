"""The home page: a caseload per worker, follow-ups due, referrals waiting."""

import datetime

import pytest
from auditlog.models import LogEntry
from django.urls import reverse
from django.utils import timezone

from beneficiaries.models import CaseStatus, NeedDomain
from services.models import Role
from tests.auth import verified_login
from tests.factories import (
    BeneficiaryFactory,
    CaseFactory,
    MunicipalityFactory,
    NeedFactory,
    ReferralFactory,
    ServiceFactory,
)

pytestmark = pytest.mark.django_db

HOME = reverse("workspace:home")


def names(response) -> list[str]:
    return [case.beneficiary.display_name for case in response.context["page"].object_list]


def test_anonymous_is_sent_to_login(client):
    response = client.get(HOME)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('workspace:login')}?next={HOME}"


@pytest.mark.parametrize("role", ["official", "administrator"])
def test_officials_and_administrators_go_to_the_admin(request, client, role):
    verified_login(client, request.getfixturevalue(role))
    response = client.get(HOME)
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:index")


def test_caseload_shows_my_open_cases_by_last_activity(login, social_worker, organisation, case):
    older = CaseFactory(
        beneficiary=BeneficiaryFactory(registered_by=organisation, family_name="Bianchi"),
        lead_worker=social_worker,
    )
    colleague_case = CaseFactory(beneficiary=BeneficiaryFactory(registered_by=organisation))
    closed = CaseFactory(
        beneficiary=BeneficiaryFactory(registered_by=organisation),
        lead_worker=social_worker,
        status=CaseStatus.CLOSED,
        closed_on=datetime.date(2024, 2, 1),
        outcome="goals_met",
    )
    type(case).objects.filter(pk=older.pk).update(
        last_activity_at=timezone.now() - datetime.timedelta(days=3)
    )
    response = login(social_worker).get(HOME)
    assert response.status_code == 200
    assert names(response) == ["Rossi Anna", older.beneficiary.display_name]
    assert colleague_case.beneficiary.display_name not in names(response)
    assert closed.beneficiary.display_name not in names(response)
    assert "Rossi Anna" in response.content.decode()


def test_caseload_filters_by_need_and_municipality(login, social_worker, organisation, case):
    nearby = MunicipalityFactory(metropolitan_city=organisation.municipality.metropolitan_city)
    other = CaseFactory(
        beneficiary=BeneficiaryFactory(registered_by=organisation, residence_municipality=nearby),
        lead_worker=social_worker,
    )
    NeedFactory(case=case, domain=NeedDomain.HOUSING)
    NeedFactory(case=other, domain=NeedDomain.WORK)
    client = login(social_worker)
    assert names(client.get(HOME, {"status": "open", "need": "housing"})) == ["Rossi Anna"]
    municipality = other.beneficiary.residence_municipality_id
    assert names(client.get(HOME, {"municipality": municipality})) == [
        other.beneficiary.display_name
    ]


def test_follow_ups_due_within_a_week(login, social_worker, case):
    today = timezone.localdate()
    type(case).objects.filter(pk=case.pk).update(follow_up_on=today - datetime.timedelta(days=1))
    response = login(social_worker).get(HOME)
    assert [c.pk for c in response.context["follow_ups"]] == [case.pk]
    assert "overdue" in response.content.decode()


def test_provider_sees_incoming_referrals(login, provider_staff, provider_organisation, case):
    referral = ReferralFactory(
        case=case, service=ServiceFactory(organisation=provider_organisation)
    )
    response = login(provider_staff).get(HOME)
    assert [r.pk for r in response.context["incoming"]] == [referral.pk]
    assert response.context.get("page") is None


def test_caseload_queries_do_not_grow_with_the_caseload(
    login, social_worker, organisation, django_assert_num_queries
):
    client = login(social_worker)

    def make_cases(count):
        for _ in range(count):
            NeedFactory(
                case=CaseFactory(
                    beneficiary=BeneficiaryFactory(registered_by=organisation),
                    lead_worker=social_worker,
                )
            )

    make_cases(2)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        client.get(HOME)
    make_cases(30)
    with CaptureQueriesContext(connection) as many:
        client.get(HOME)
    assert len(many) == len(few)


def test_listing_writes_one_access_row_per_case_shown(login, social_worker, case):
    login(social_worker).get(HOME)
    rows = LogEntry.objects.filter(action=LogEntry.Action.ACCESS)
    assert [(row.object_pk, row.additional_data["via"]) for row in rows] == [
        (str(case.pk), "workspace-list")
    ]


def test_the_next_page_keeps_showing_open_cases(login, social_worker, organisation):
    for status in ["open"] * 26 + ["closed"] * 5:
        closing = {"closed_on": datetime.date(2024, 3, 1), "outcome": "goals_met"}
        CaseFactory(
            beneficiary=BeneficiaryFactory(registered_by=organisation),
            lead_worker=social_worker,
            status=status,
            **(closing if status == "closed" else {}),
        )
    client = login(social_worker)
    first = client.get(HOME)
    assert first.context["page"].paginator.count == 26
    assert "status=open&amp;page=2" in first.content.decode()
    second = client.get(HOME, {"page": 2})
    assert [case.status for case in second.context["page"].object_list] == ["open"]
    assert second.context["filters"]["status"].value() == "open"
    everything = client.get(HOME, {"status": ""})
    assert everything.context["page"].paginator.count == 31


def test_a_bad_filter_is_named_and_the_others_still_apply(login, social_worker, organisation, case):
    other = CaseFactory(
        beneficiary=BeneficiaryFactory(registered_by=organisation), lead_worker=social_worker
    )
    NeedFactory(case=other, domain=NeedDomain.WORK)
    response = login(social_worker).get(HOME, {"municipality": "999999", "need": "work"})
    assert names(response) == [other.beneficiary.display_name]
    assert "Select a valid choice" in response.context["filters"].errors["municipality"][0]


def test_the_sent_referrals_write_their_cases_access_log_rows(
    login, social_worker, make_member, organisation
):
    """A referral the worker sent for a colleague's case names the person on the home page
    though the case is not on the worker's own caseload."""
    colleague = make_member(Role.SOCIAL_WORKER)
    other_case = CaseFactory(
        beneficiary=BeneficiaryFactory(registered_by=organisation), lead_worker=colleague
    )
    ReferralFactory(case=other_case, referred_by=social_worker)
    response = login(social_worker).get(HOME)
    assert [referral.case_id for referral in response.context["sent"]] == [other_case.pk]
    assert names(response) == []
    rows = LogEntry.objects.filter(action=LogEntry.Action.ACCESS)
    assert [(row.object_pk, row.additional_data["via"]) for row in rows] == [
        (str(other_case.pk), "workspace-list")
    ]
