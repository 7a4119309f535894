"""Every workspace page about a person or a case, generated from the URL configuration:
a worker of another organisation gets 404 on each (GET and POST, nothing changes), and
the team's worker opening each page writes exactly one access-log row."""

import datetime

import pytest
from auditlog.models import LogEntry
from django.urls import URLPattern, reverse

from beneficiaries.models import Beneficiary, Case, Goal, Need, Note, Referral
from housing.models import HousingUnit, Placement
from services.models import Role
from tests.auth import verified_login
from tests.factories import (
    GoalFactory,
    HousingUnitFactory,
    MembershipFactory,
    NeedFactory,
    PlacementFactory,
    ReferralFactory,
    ServiceFactory,
)
from workspace import urls as workspace_urls

pytestmark = pytest.mark.django_db

# Pages that are not about one person or case: nobody's record, no 404 to prove.
NOT_A_RECORD = {"home", "login", "logout", "intake", "person-new", "incoming", "provider"}
# Routes that only take a POST (the page that shows their form is another route).
POST_ONLY = {"need-resolve", "note-new", "consent-new", "referral-move"}
# Routes that only show (a search): a POST is refused as a method.
GET_ONLY = {"housing"}


def record_routes() -> list[URLPattern]:
    return [p for p in workspace_urls.urlpatterns if p.name not in NOT_A_RECORD]


@pytest.fixture
def records(case, organisation, provider_organisation):
    need = NeedFactory(case=case)
    goal = GoalFactory(case=case)
    referral = ReferralFactory(
        case=case, service=ServiceFactory(organisation=provider_organisation)
    )
    unit = HousingUnitFactory(owner=organisation, places=2)
    placement = PlacementFactory(case=case, unit=unit, starts_on=datetime.date(2024, 2, 1))
    return {
        "case": case,
        "need": need,
        "goal": goal,
        "referral": referral,
        "unit": unit,
        "placement": placement,
    }


def url_of(route: URLPattern, records) -> str:
    """The route filled with the records of the case of ``records``."""
    path = str(route.pattern)
    kwargs = {}
    if path.startswith("people/"):
        kwargs["pk"] = records["case"].beneficiary_id
    elif path.startswith("referrals/"):
        kwargs["pk"] = records["referral"].pk
    elif path.startswith("placements/"):
        kwargs["pk"] = records["placement"].pk
    else:
        kwargs["pk"] = records["case"].pk
    for name, key in (("need", "need"), ("goal", "goal"), ("unit", "unit")):
        if f"<{'int' if name == 'unit' else 'uuid'}:{name}>" in path:
            kwargs[name] = records[key].pk
    return reverse(f"workspace:{route.name}", kwargs=kwargs)


def snapshot() -> list:
    models = (Beneficiary, Case, Need, Goal, Note, Referral, Placement, HousingUnit)
    return [sorted(model.objects.values_list("pk", "version")) for model in models]


def test_the_table_knows_every_route():
    names = {p.name for p in workspace_urls.urlpatterns}
    assert names >= NOT_A_RECORD | POST_ONLY
    assert len(record_routes()) >= 15


@pytest.mark.parametrize("route", record_routes(), ids=lambda route: route.name)
def test_another_organisation_gets_404_and_changes_nothing(route, records, login, other_worker):
    client = login(other_worker)
    url = url_of(route, records)
    before = snapshot()
    response = client.get(url)
    assert response.status_code == (405 if route.name in POST_ONLY else 404)
    response = client.post(url, {"body": "x", "status": "accepted", "reason": "x"})
    assert response.status_code == (405 if route.name in GET_ONLY else 404)
    assert snapshot() == before
    assert not LogEntry.objects.filter(action=LogEntry.Action.ACCESS).exists()


@pytest.mark.parametrize("role", [Role.PROVIDER_STAFF, Role.OFFICIAL])
def test_other_roles_of_another_organisation_get_404_or_403(
    role, records, client, other_organisation
):
    verified_login(client, MembershipFactory(role=role, organisation=other_organisation).user)
    for route in record_routes():
        url = url_of(route, records)
        assert client.get(url).status_code in (403, 404, 405), route.name
        assert client.post(url, {}).status_code in (403, 404, 405), route.name


@pytest.mark.parametrize(
    "route",
    [route for route in record_routes() if route.name not in POST_ONLY],
    ids=lambda route: route.name,
)
def test_opening_a_page_writes_exactly_one_access_log_row(route, records, login, social_worker):
    response = login(social_worker).get(url_of(route, records))
    assert response.status_code == 200
    rows = list(LogEntry.objects.filter(action=LogEntry.Action.ACCESS))
    assert len(rows) == 1
    row = rows[0]
    assert row.actor == social_worker
    assert row.object_pk in {str(records["case"].pk), str(records["case"].beneficiary_id)}
    assert row.additional_data == {"via": "workspace", "path": response.wsgi_request.path}
