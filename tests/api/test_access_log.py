"""Every personal record shown is logged: who, when, which record, through which door.

* opening one record (API detail, back-office change page) writes exactly one row;
* a list page writes one row per record on the page, in one query;
* a partner's reads carry the partner's client id; a refused read (404) logs nothing;
* records that are not personal (housing units, the directory) are not logged.
"""

import pytest
from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse
from rest_framework.test import APIClient

from beneficiaries.models import Beneficiary, Case
from services.roles import grant_role_group
from tests.auth import verified_login
from tests.world import build_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return build_world()


def client_of(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def accesses():
    return list(
        LogEntry.objects.filter(action=LogEntry.Action.ACCESS).values_list(
            "actor__username", "content_type__model", "object_pk", "additional_data"
        )
    )


def test_opening_a_case_writes_exactly_one_row(world):
    case = world.records["c1"]
    response = client_of(world.users["social_worker"]).get(f"/api/v1/cases/{case.pk}/")
    assert response.status_code == 200
    assert accesses() == [
        ("social_worker", "case", str(case.pk), {"via": "api", "path": f"/api/v1/cases/{case.pk}/"})
    ]
    entry = LogEntry.objects.get()
    assert entry.remote_addr == "127.0.0.1"
    assert entry.object_repr == f"beneficiaries.case {case.pk}"


def test_a_list_page_writes_one_row_per_record_shown(world):
    response = client_of(world.users["social_worker"]).get("/api/v1/cases/", {"page_size": 2})
    shown = {row["id"] for row in response.json()["results"]}
    assert len(shown) == 2
    logged = LogEntry.objects.filter(content_type=ContentType.objects.get_for_model(Case))
    assert set(logged.values_list("object_pk", flat=True)) == shown
    assert logged.count() == 2


def test_a_record_outside_the_scope_is_not_logged(world):
    theirs = world.records["c3"]
    response = client_of(world.users["social_worker"]).get(f"/api/v1/cases/{theirs.pk}/")
    assert response.status_code == 404
    assert accesses() == []


def test_housing_units_are_not_personal_records(world):
    response = client_of(world.users["social_worker"]).get("/api/v1/housing-units/")
    assert response.status_code == 200
    assert response.json()["results"]
    assert accesses() == []


def test_the_back_office_change_page_writes_one_row(world, client):
    worker = world.users["social_worker"]
    grant_role_group(worker, "social_worker")
    verified_login(client, worker)
    person = world.records["b1"]
    url = reverse("admin:beneficiaries_beneficiary_change", args=[person.pk])
    assert client.get(url).status_code == 200
    logged = LogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(Beneficiary), object_pk=str(person.pk)
    )
    assert logged.count() == 1
    assert logged.get().additional_data == {"via": "admin", "path": url}


def test_the_back_office_list_page_writes_one_row_per_record_shown(world, client):
    worker = world.users["social_worker"]
    grant_role_group(worker, "social_worker")
    verified_login(client, worker)
    url = reverse("admin:beneficiaries_beneficiary_changelist")
    response = client.get(url)
    assert response.status_code == 200
    shown = {str(person.pk) for person in response.context["cl"].result_list}
    assert shown
    logged = LogEntry.objects.filter(
        action=LogEntry.Action.ACCESS,
        content_type=ContentType.objects.get_for_model(Beneficiary),
    )
    assert sorted(logged.values_list("object_pk", flat=True)) == sorted(shown)
    assert {row.additional_data["via"] for row in logged} == {"admin-list"}
