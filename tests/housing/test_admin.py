"""The back office of housing: units and the placements of cases in them.

* the placement list holds exactly ``Placement.objects.visible_to(user)``;
* the placement form refuses, with a message by field, what the housing rules refuse
  (a full unit, a person already placed), instead of failing on the database;
* the address of a confidential unit reaches only the owner's staff;
* lists make the same number of queries for 3 rows as for 30.
"""

import datetime

import pytest
from django.urls import reverse

from beneficiaries.models import Case
from housing.models import HousingUnit, Placement, UnitStatus
from services.models import Role
from tests.admin_pages import (
    admin_world,
    changelist_pks,
    changelist_queries,
    messages_of,
    offered_actions,
    staff,
    url,
)
from tests.auth import verified_login
from tests.factories import (
    CaseFactory,
    HousingUnitFactory,
    OrganisationFactory,
    PlacementFactory,
)

pytestmark = pytest.mark.django_db


# --- The list holds exactly what the user may see -------------------------------------


@pytest.fixture
def world():
    return admin_world()


@pytest.mark.parametrize(
    "user_name",
    ["social_worker", "lead_worker", "coordinator", "provider_staff", "other_org_social_worker"],
)
def test_placement_changelist_lists_exactly_the_visible_placements(client, world, user_name):
    user = world.users[user_name]
    verified_login(client, user)
    response = client.get(url(Placement, "changelist"))
    visible = set(Placement.objects.visible_to(user).values_list("pk", flat=True))
    assert visible
    assert changelist_pks(response) == visible
    assert response.context["cl"].result_count == len(visible)


def test_social_worker_of_a_does_not_see_the_placement_of_bs_case(client, world):
    verified_login(client, world.users["social_worker"])
    listed = changelist_pks(client.get(url(Placement, "changelist")))
    assert world.records["pl1"].pk in listed
    assert world.records["pl3"].pk not in listed


def test_change_page_of_another_organisations_placement_redirects(client, world):
    placement = world.records["pl3"]
    verified_login(client, world.users["social_worker"])
    response = client.get(url(Placement, "change", placement.pk))
    assert response.status_code == 302
    assert response.url == reverse("admin:index")
    index = client.get(response.url)
    assert any(f"“{placement.pk}” doesn’t exist" in message for message in messages_of(index))


def test_superuser_without_membership_sees_no_placement(client, world):
    verified_login(client, world.users["superuser"])
    response = client.get(url(Placement, "changelist"))
    assert response.status_code == 200
    assert response.context["cl"].result_count == 0


def test_case_lookup_of_the_placement_form_is_closed_to_provider_staff(client, world):
    user = world.users["provider_staff"]
    verified_login(client, user)
    response = client.get(
        reverse("admin:autocomplete"),
        {"app_label": "housing", "model_name": "placement", "field_name": "case"},
    )
    # Provider staff may view placements but not cases: the case look-up is closed.
    assert response.status_code == 403
    assert Case.objects.visible_to(user).exists()


def test_unit_autocomplete_offers_only_units_that_take_placements(client, world):
    closed = HousingUnitFactory(status=UnitStatus.RENOVATING)
    verified_login(client, world.users["social_worker"])
    response = client.get(
        reverse("admin:autocomplete"),
        {"app_label": "housing", "model_name": "placement", "field_name": "unit"},
    )
    offered = {row["id"] for row in response.json()["results"]}
    assert str(world.records["pl1"].unit_id) in offered
    assert str(closed.pk) not in offered


# --- The placement form -----------------------------------------------------------------


@pytest.fixture
def worker(make_member):
    return staff(make_member(Role.SOCIAL_WORKER), Role.SOCIAL_WORKER)


@pytest.fixture
def case(organisation):
    return CaseFactory(beneficiary__registered_by=organisation)


def _place(client, unit, case, starts_on="2024-03-01", ends_on=""):
    return client.post(
        url(Placement, "add"),
        {
            "unit": unit.pk,
            "case": case.pk,
            "starts_on": starts_on,
            "ends_on": ends_on,
            "_save": "Save",
        },
    )


def _errors(response) -> dict:
    return {
        name: list(errors) for name, errors in response.context["adminform"].form.errors.items()
    }


def test_placement_in_a_free_unit_is_saved(client, worker, case):
    unit = HousingUnitFactory(places=1)
    verified_login(client, worker)
    response = _place(client, unit, case)
    assert response.status_code == 302
    placement = Placement.objects.get(unit=unit)
    assert placement.case == case
    assert placement.beneficiary_id == case.beneficiary_id
    assert placement.starts_on == datetime.date(2024, 3, 1)


def test_over_capacity_placement_is_refused_with_a_message(client, worker, organisation, case):
    unit = HousingUnitFactory(places=1)
    PlacementFactory(unit=unit, case__beneficiary__registered_by=organisation)
    verified_login(client, worker)
    response = _place(client, unit, case)
    assert response.status_code == 200
    assert _errors(response) == {"unit": ["The unit has 1 place, taken in this period."]}
    assert unit.placements.count() == 1


def test_overlapping_placement_of_the_same_person_is_refused_with_a_message(client, worker, case):
    PlacementFactory(unit=HousingUnitFactory(places=5), case=case)
    other_unit = HousingUnitFactory(places=5)
    verified_login(client, worker)
    response = _place(client, other_unit, case, starts_on="2024-03-01")
    assert response.status_code == 200
    assert _errors(response) == {
        "starts_on": ["This person already has a placement in this period."]
    }
    assert Placement.objects.filter(case=case).count() == 1


def test_placement_of_a_case_the_user_does_not_see_is_refused(client, worker):
    elsewhere = CaseFactory()
    verified_login(client, worker)
    response = _place(client, HousingUnitFactory(), elsewhere)
    assert response.status_code == 200
    assert list(_errors(response)) == ["case"]
    assert not Placement.objects.filter(case=elsewhere).exists()


# --- Confidential units -----------------------------------------------------------------


@pytest.fixture
def safe_flat(provider_organisation):
    return HousingUnitFactory(
        owner=provider_organisation,
        confidential=True,
        address="Via Protetta 8",
        latitude=41.876543,
        longitude=12.456789,
    )


def test_owner_staff_sees_the_address_of_its_confidential_unit(client, provider_staff, safe_flat):
    staff(provider_staff, Role.PROVIDER_STAFF)
    verified_login(client, provider_staff)
    body = client.get(url(HousingUnit, "change", safe_flat.pk)).content.decode()
    for secret in ("Via Protetta 8", "41.876543", "12.456789"):
        assert secret in body


def test_outsiders_never_see_the_address_of_a_confidential_unit(
    client, make_member, official, superuser, safe_flat
):
    other_staff = make_member(Role.PROVIDER_STAFF, organisation=OrganisationFactory())
    staff(other_staff, Role.PROVIDER_STAFF)
    staff(official, Role.OFFICIAL)
    for viewer in (official, other_staff, superuser):
        verified_login(client, viewer)
        for address in (url(HousingUnit, "changelist"), url(HousingUnit, "change", safe_flat.pk)):
            response = client.get(address)
            assert response.status_code == 200
            body = response.content.decode()
            for secret in ("Via Protetta 8", "41.876543", "12.456789"):
                assert secret not in body, (viewer, address, secret)


def test_url_lookups_on_a_withheld_unit_address_tell_nothing(client, official, safe_flat):
    # Any lookup on the unit's own fields in the query string filters the list: a list
    # that answered a right guess differently from a wrong one would reveal the address.
    staff(official, Role.OFFICIAL)
    verified_login(client, official)
    guesses = [
        ("address__icontains=Protetta", "address__icontains=Sbagliata"),
        ("latitude__gte=41.8", "latitude__gte=41.9"),
    ]
    telling = []
    for right, wrong in guesses:
        answers = []
        for query_string in (right, wrong):
            response = client.get(url(HousingUnit, "changelist") + "?" + query_string)
            count = response.context["cl"].result_count if response.status_code == 200 else None
            answers.append((response.status_code, count))
        if answers[0] != answers[1]:
            telling.append((right, *answers))
    assert telling == []


# --- No deletion, no query per row ------------------------------------------------------


@pytest.mark.parametrize("model", [HousingUnit, Placement], ids=lambda m: m._meta.model_name)
@pytest.mark.parametrize("user_name", ["coordinator", "administrator", "superuser"])
def test_housing_records_cannot_be_deleted(client, world, model, user_name):
    obj = world.records["pl1"] if model is Placement else world.records["pl1"].unit
    verified_login(client, world.users[user_name])
    assert client.get(url(model, "delete", obj.pk)).status_code == 403
    assert client.post(url(model, "delete", obj.pk), {"post": "yes"}).status_code == 403
    assert model.objects.filter(pk=obj.pk).exists()


@pytest.mark.parametrize("model", [HousingUnit, Placement], ids=lambda m: m._meta.model_name)
@pytest.mark.parametrize("user_name", ["coordinator", "superuser"])
def test_delete_selected_is_not_offered(client, world, model, user_name):
    verified_login(client, world.users[user_name])
    response = client.get(url(model, "changelist"))
    assert response.status_code == 200
    assert "delete_selected" not in offered_actions(response)


def test_placement_changelist_queries_do_not_grow_with_rows(client, worker, organisation):
    verified_login(client, worker)
    for _ in range(3):
        PlacementFactory(case__beneficiary__registered_by=organisation)
    with_3 = changelist_queries(client, Placement)
    for _ in range(27):
        PlacementFactory(case__beneficiary__registered_by=organisation)
    assert Placement.objects.visible_to(worker).count() == 30
    assert changelist_queries(client, Placement) == with_3


def test_housing_unit_changelist_queries_do_not_grow_with_rows(client, make_member):
    administrator = staff(make_member(Role.ADMINISTRATOR), Role.ADMINISTRATOR)
    verified_login(client, administrator)
    before = HousingUnit.objects.count()

    def unit():
        flat = HousingUnitFactory(confidential=True)
        PlacementFactory(unit=flat, starts_on=datetime.date(2024, 1, 1))

    for _ in range(3):
        unit()
    with_3 = changelist_queries(client, HousingUnit)
    for _ in range(27):
        unit()
    assert HousingUnit.objects.count() - before == 30
    assert changelist_queries(client, HousingUnit) == with_3
