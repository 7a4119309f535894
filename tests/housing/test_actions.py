"""The housing actions, and the same rules through every door.

Per action (``placement_create``, ``placement_end``, ``unit_create``, ``unit_update``): the
happy path writes exactly one change-audit row (action, fields, channel) and a refusal
names the field and its kind and changes nothing (no row, no audit). Per door (workspace,
admin, API): the same refusal with the same message and nothing written; a success writes
one audit row with the door as its channel.
"""

import datetime

import pytest
from django.urls import reverse
from django.utils import formats, timezone
from rest_framework.test import APIClient

from beneficiaries.models import CaseOutcome, CaseStatus, Consent, ConsentPurpose
from core import channel
from core.errors import CONFLICT, FORBIDDEN, INVALID, STALE, ActionError
from core.models import AuditEntry
from housing.actions.placements import placement_create, placement_end, placement_has_ended
from housing.actions.units import unit_create, unit_update
from housing.models import HousingUnit, Placement, UnitStatus, UnitType
from services.models import Role
from tests.admin_pages import form_data, staff, url
from tests.auth import verified_login
from tests.factories import (
    CaseFactory,
    HousingUnitFactory,
    MunicipalityFactory,
    OrganisationFactory,
    PlacementFactory,
)

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
HOUSING_CONSENT_MISSING = (
    "The person has not given consent to housing placement: record it before you place "
    "the person in housing."
)


def days(n: int) -> datetime.date:
    return TODAY + datetime.timedelta(days=n)


def refused(call, **arguments) -> ActionError:
    with pytest.raises(ActionError) as caught:
        call(**arguments)
    return caught.value


def fields_and_kind(error: ActionError) -> tuple[list[str], str]:
    return sorted(error.message_dict), error.kind


@pytest.fixture
def worker(social_worker):
    """A social worker of ``organisation``: on the team of its (non-protected) cases."""
    return social_worker


@pytest.fixture
def case(organisation):
    return CaseFactory(beneficiary__registered_by=organisation)


@pytest.fixture
def unit(provider_organisation):
    return HousingUnitFactory(owner=provider_organisation, places=2)


def audit_rows(action: str) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(action=action))


# --- placement_create -------------------------------------------------------------------


def test_placement_create_writes_one_audit_row(worker, case, unit):
    placement = placement_create(acting_user=worker, unit=unit, case=case, starts_on=days(-1))
    [row] = AuditEntry.objects.all()
    assert (row.action, row.actor, row.target_id, row.case_id, row.via) == (
        "placement_create",
        worker,
        str(placement.pk),
        case.pk,
        "job",
    )
    assert row.fields == ["case", "starts_on", "unit"]
    case.refresh_from_db()
    assert case.last_activity_at is not None


@pytest.mark.parametrize(
    ("purposes", "change", "reason"),
    [
        pytest.param(
            [ConsentPurpose.CASE_MANAGEMENT, ConsentPurpose.SHARING_WITH_PROVIDERS],
            None,
            HOUSING_CONSENT_MISSING,
            id="missing",
        ),
        pytest.param(
            None,
            {"withdrawn_on": TODAY},
            f"The person withdrew consent to housing placement on {TODAY.isoformat()}: you "
            "cannot place the person in housing unless they give it again.",
            id="withdrawn",
        ),
        pytest.param(
            None,
            {"expires_on": days(-1)},
            f"The person's consent to housing placement expired on {days(-1).isoformat()}: "
            "record it again before you place the person in housing.",
            id="expired",
        ),
    ],
)
def test_placement_needs_the_consent_to_housing_in_force(
    worker, organisation, unit, purposes, change, reason
):
    case = CaseFactory(beneficiary__registered_by=organisation, consents=purposes)
    if change:
        Consent.objects.filter(beneficiary=case.beneficiary, purpose=ConsentPurpose.HOUSING).update(
            **change
        )
    error = refused(placement_create, acting_user=worker, unit=unit, case=case, starts_on=TODAY)
    assert error.message_dict == {"case": [reason]}
    assert error.kind == CONFLICT
    assert not Placement.objects.exists()
    assert not AuditEntry.objects.exists()


def test_consent_to_housing_given_to_another_organisation_does_not_count(
    worker, organisation, other_organisation, unit
):
    case = CaseFactory(
        beneficiary__registered_by=organisation,
        consents=[ConsentPurpose.CASE_MANAGEMENT],
    )
    Consent.objects.create(
        beneficiary=case.beneficiary,
        organisation=other_organisation,
        purpose=ConsentPurpose.HOUSING,
        given_on=days(-30),
        recorded_by=worker,
    )
    error = refused(placement_create, acting_user=worker, unit=unit, case=case, starts_on=TODAY)
    assert error.message_dict == {"case": [HOUSING_CONSENT_MISSING]}
    assert not Placement.objects.exists()


@pytest.mark.parametrize("who", ["other_worker", "owner_staff", "official", "superuser"])
def test_only_the_case_team_places(
    who, make_member, other_organisation, provider_organisation, superuser, case, unit
):
    actor = {
        "other_worker": lambda: make_member(Role.SOCIAL_WORKER, organisation=other_organisation),
        "owner_staff": lambda: make_member(Role.PROVIDER_STAFF, organisation=provider_organisation),
        "official": lambda: make_member(Role.OFFICIAL),
        "superuser": lambda: superuser,
    }[who]()
    error = refused(placement_create, acting_user=actor, unit=unit, case=case, starts_on=TODAY)
    assert fields_and_kind(error) == (["case"], FORBIDDEN)
    assert not Placement.objects.exists()
    assert not AuditEntry.objects.exists()


def test_an_inactive_membership_places_nothing(make_member, case, unit):
    former = make_member(Role.SOCIAL_WORKER, active=False)
    error = refused(placement_create, acting_user=former, unit=unit, case=case, starts_on=TODAY)
    assert fields_and_kind(error) == (["case"], FORBIDDEN)


def test_a_closed_case_takes_no_placement(worker, organisation, unit):
    closed = CaseFactory(
        beneficiary__registered_by=organisation,
        status=CaseStatus.CLOSED,
        closed_on=days(-1),
        outcome=CaseOutcome.GOALS_MET,
    )
    error = refused(placement_create, acting_user=worker, unit=unit, case=closed, starts_on=TODAY)
    assert fields_and_kind(error) == (["case"], CONFLICT)
    assert not Placement.objects.exists()


def test_over_capacity_is_a_conflict_on_the_unit(worker, case, unit):
    PlacementFactory(unit=unit, starts_on=days(-10))
    PlacementFactory(unit=unit, starts_on=days(-5))
    error = refused(placement_create, acting_user=worker, unit=unit, case=case, starts_on=TODAY)
    assert error.message_dict == {"unit": ["The unit has 2 places, all taken in this period."]}
    assert error.kind == CONFLICT
    assert unit.placements.count() == 2
    assert not AuditEntry.objects.exists()


def test_an_empty_period_is_bad_input(worker, case, unit):
    error = refused(
        placement_create,
        acting_user=worker,
        unit=unit,
        case=case,
        starts_on=days(3),
        ends_on=days(1),
    )
    assert fields_and_kind(error) == (["ends_on"], INVALID)


# --- placement_end ----------------------------------------------------------------------


@pytest.fixture
def placement(case, unit):
    return PlacementFactory(unit=unit, case=case, starts_on=days(-30))


def test_placement_end_writes_one_audit_row(worker, placement):
    placement_end(acting_user=worker, placement=placement, ends_on=TODAY, reason="Own flat")
    [row] = AuditEntry.objects.all()
    assert (row.action, row.target_id, row.case_id, row.fields) == (
        "placement_end",
        str(placement.pk),
        placement.case_id,
        ["end_reason", "ends_on"],
    )
    placement.refresh_from_db()
    assert row.target_version == placement.version


def test_placement_end_on_a_closed_case_is_allowed(worker, placement):
    type(placement.case).objects.filter(pk=placement.case_id).update(
        status=CaseStatus.CLOSED, closed_on=days(-1), outcome=CaseOutcome.GOALS_MET
    )
    placement_end(acting_user=worker, placement=placement, ends_on=TODAY, reason="Case closed")
    placement.refresh_from_db()
    assert placement.ends_on == TODAY


def test_placement_end_refusals_change_nothing(worker, make_member, other_organisation, placement):
    stranger = make_member(Role.SOCIAL_WORKER, organisation=other_organisation)
    cases = [
        ({"acting_user": stranger}, (["placement"], FORBIDDEN)),
        ({"version": placement.version + 1}, (["version"], STALE)),
        ({"ends_on": placement.starts_on}, (["ends_on"], INVALID)),
        ({"reason": "  "}, (["end_reason"], INVALID)),
        ({"ends_on": None}, (["ends_on"], INVALID)),
    ]
    for change, expected in cases:
        arguments = {
            "acting_user": worker,
            "placement": placement,
            "ends_on": TODAY,
            "reason": "Left",
            "version": placement.version,
            **change,
        }
        assert fields_and_kind(refused(placement_end, **arguments)) == expected, change
    placement.refresh_from_db()
    assert (placement.ends_on, placement.end_reason, placement.version) == (None, "", 1)
    assert not AuditEntry.objects.exists()


def test_an_ended_placement_does_not_end_again(worker, case, unit):
    ended = PlacementFactory(
        unit=unit, case=case, starts_on=days(-30), ends_on=days(-2), end_reason="Left"
    )
    error = refused(
        placement_end, acting_user=worker, placement=ended, ends_on=days(-5), reason="Again"
    )
    assert fields_and_kind(error) == (["ends_on"], CONFLICT)


def test_a_planned_end_only_comes_earlier(worker, case, unit):
    planned = PlacementFactory(unit=unit, case=case, starts_on=days(-10), ends_on=days(20))
    error = refused(
        placement_end, acting_user=worker, placement=planned, ends_on=days(40), reason="Longer"
    )
    assert fields_and_kind(error) == (["ends_on"], INVALID)
    assert "here it can only end earlier" in error.message_dict["ends_on"][0]
    placement_end(acting_user=worker, placement=planned, ends_on=days(5), reason="Earlier")
    planned.refresh_from_db()
    assert planned.ends_on == days(5)


@pytest.mark.parametrize(
    ("ends_on", "reason", "ended"),
    [
        (None, "", False),
        (days(3), "", False),
        (days(3), "Moved out", True),
        (TODAY, "", True),
        (days(-1), "", True),
    ],
)
def test_placement_has_ended(case, unit, ends_on, reason, ended):
    placement = Placement(unit=unit, case=case, starts_on=days(-10), ends_on=ends_on)
    placement.end_reason = reason
    assert placement_has_ended(placement) is ended


# --- unit_create and unit_update ---------------------------------------------------------


@pytest.fixture
def owner_staff(provider_staff):
    return provider_staff


def new_unit_values(owner) -> dict:
    return {
        "code": "HF-NEW",
        "unit_type": UnitType.HOUSING_FIRST,
        "owner": owner,
        "municipality": MunicipalityFactory(),
        "address": "Via Nuova 1",
        "postal_code": "00100",
        "rooms": 2,
        "places": 2,
    }


def test_unit_create_writes_one_audit_row(owner_staff, provider_organisation):
    with channel.via("command"):
        unit = unit_create(acting_user=owner_staff, **new_unit_values(provider_organisation))
    assert (unit.status, unit.status_since) == (UnitStatus.IDENTIFIED, TODAY)
    [row] = AuditEntry.objects.all()
    assert (row.action, row.target_id, row.via) == ("unit_create", str(unit.pk), "command")
    assert {"code", "owner", "places"} <= set(row.fields)


def test_unit_create_for_an_organisation_one_does_not_keep_is_refused(owner_staff):
    error = refused(unit_create, acting_user=owner_staff, **new_unit_values(OrganisationFactory()))
    assert fields_and_kind(error) == (["owner"], FORBIDDEN)
    assert not HousingUnit.objects.filter(code="HF-NEW").exists()
    assert not AuditEntry.objects.exists()


def test_unit_update_dates_a_new_status_today(owner_staff, provider_organisation):
    unit = HousingUnitFactory(owner=provider_organisation, status=UnitStatus.RENOVATING)
    unit_update(acting_user=owner_staff, unit=unit, version=1, status=UnitStatus.AVAILABLE)
    unit.refresh_from_db()
    assert (unit.status, unit.status_since, unit.version) == (UnitStatus.AVAILABLE, TODAY, 2)
    [row] = AuditEntry.objects.all()
    assert (row.action, row.fields, row.details) == (
        "unit_update",
        ["status", "status_since"],
        {"from": "renovating", "to": "available"},
    )


def test_administrators_keep_every_unit(make_member, unit):
    administrator = make_member(Role.ADMINISTRATOR)
    unit_update(acting_user=administrator, unit=unit, version=1, rooms=4)
    unit.refresh_from_db()
    assert unit.rooms == 4


@pytest.mark.parametrize("who", ["other_staff", "social_worker", "superuser"])
def test_unit_update_by_others_is_refused(who, make_member, superuser, social_worker, unit):
    actor = {
        "other_staff": lambda: make_member(Role.PROVIDER_STAFF, organisation=OrganisationFactory()),
        "social_worker": lambda: social_worker,
        "superuser": lambda: superuser,
    }[who]()
    error = refused(unit_update, acting_user=actor, unit=unit, version=1, rooms=5)
    assert fields_and_kind(error) == (["owner"], FORBIDDEN)
    unit.refresh_from_db()
    assert (unit.rooms, unit.version) == (2, 1)
    assert not AuditEntry.objects.exists()


def test_unit_update_refusals_change_nothing(owner_staff, provider_organisation, unit):
    PlacementFactory(unit=unit, starts_on=days(-3))
    PlacementFactory(unit=unit, starts_on=days(10))
    cases = [
        ({"version": 7, "rooms": 3}, (["version"], STALE)),
        ({"version": 1, "places": 1}, (["places"], CONFLICT)),
        ({"version": 1, "owner": OrganisationFactory()}, (["owner"], FORBIDDEN)),
        ({"version": 1, "postal_code": "ABC"}, (["postal_code"], INVALID)),
    ]
    for change, expected in cases:
        error = refused(unit_update, acting_user=owner_staff, unit=unit, **change)
        assert fields_and_kind(error) == expected, change
    assert (
        "The unit has 2 current or planned placements at once"
        in (
            refused(unit_update, acting_user=owner_staff, unit=unit, version=1, places=1).messages[
                0
            ]
        )
    )
    unit.refresh_from_db()
    assert (unit.places, unit.version, unit.owner_id) == (2, 1, provider_organisation.pk)
    assert not AuditEntry.objects.exists()


def test_a_confidential_units_address_is_changed_by_its_owners_staff_only(
    make_member, owner_staff, provider_organisation
):
    safe = HousingUnitFactory(owner=provider_organisation, confidential=True)
    administrator = make_member(Role.ADMINISTRATOR)
    for field, value in (("address", "Via Altra 2"), ("confidential", False)):
        error = refused(
            unit_update, acting_user=administrator, unit=safe, version=1, **{field: value}
        )
        assert fields_and_kind(error) == ([field], FORBIDDEN)
    # The administrator still keeps the rest of it; the owner's staff change the address.
    unit_update(acting_user=administrator, unit=safe, version=1, status=UnitStatus.UNAVAILABLE)
    unit_update(acting_user=owner_staff, unit=safe, version=2, address="Via Altra 2")
    safe.refresh_from_db()
    assert (safe.status, safe.address) == (UnitStatus.UNAVAILABLE, "Via Altra 2")
    assert [row.action for row in AuditEntry.objects.order_by("at", "pk")] == [
        "unit_update",
        "unit_update",
    ]


# --- The same rules through every door ----------------------------------------------------


def place_in_workspace(client, case, unit, starts_on=TODAY):
    return client.post(
        reverse("workspace:place", args=[case.pk, unit.pk]), {"starts_on": starts_on.isoformat()}
    )


def place_in_admin(client, case, unit, starts_on=TODAY):
    return client.post(
        url(Placement, "add"),
        {
            "unit": unit.pk,
            "case": case.pk,
            "starts_on": starts_on.isoformat(),
            "ends_on": "",
            "_save": "Save",
        },
    )


def admin_errors(response) -> dict:
    return {
        name: list(errors) for name, errors in response.context["adminform"].form.errors.items()
    }


@pytest.fixture
def admin_worker(worker):
    return staff(worker, Role.SOCIAL_WORKER)


def test_placing_through_each_door_writes_one_audit_row_with_its_channel(
    client, admin_worker, organisation, unit
):
    verified_login(client, admin_worker)
    first, second = (CaseFactory(beneficiary__registered_by=organisation) for _ in range(2))
    assert place_in_workspace(client, first, unit).status_code == 302
    assert place_in_admin(client, second, unit).status_code == 302
    rows = AuditEntry.objects.filter(action="placement_create").order_by("at", "pk")
    assert [(row.case_id, row.via) for row in rows] == [
        (first.pk, "workspace"),
        (second.pk, "admin"),
    ]
    assert Placement.objects.filter(unit=unit).count() == 2


def test_missing_consent_to_housing_is_refused_alike_by_workspace_and_admin(
    client, admin_worker, organisation, unit
):
    case = CaseFactory(
        beneficiary__registered_by=organisation, consents=[ConsentPurpose.CASE_MANAGEMENT]
    )
    verified_login(client, admin_worker)

    workspace = place_in_workspace(client, case, unit)
    assert workspace.status_code == 409
    assert HOUSING_CONSENT_MISSING in workspace.content.decode()

    admin = place_in_admin(client, case, unit)
    assert admin.status_code == 200
    assert admin_errors(admin) == {"case": [HOUSING_CONSENT_MISSING]}

    assert not Placement.objects.exists()
    assert not AuditEntry.objects.exists()


def test_ending_in_the_admin_goes_through_the_action(client, admin_worker, placement):
    verified_login(client, admin_worker)
    address = url(Placement, "change", placement.pk)
    page = client.get(address)
    form = page.context["adminform"].form
    # Where and whom it places are fixed: only its end can change.
    assert {"unit", "case", "starts_on"}.isdisjoint(form.fields)
    data = form_data(page)
    data.update({"ends_on": TODAY.isoformat(), "end_reason": "Own flat"})
    assert client.post(address, data).status_code == 302
    placement.refresh_from_db()
    assert (placement.ends_on, placement.end_reason) == (TODAY, "Own flat")
    [row] = AuditEntry.objects.all()
    assert (row.action, row.via) == ("placement_end", "admin")
    # Ended: nothing of it is editable any more.
    assert not client.get(address).context["adminform"].form.fields


def test_a_later_end_is_refused_alike_by_workspace_and_admin(client, admin_worker, case, unit):
    planned = PlacementFactory(unit=unit, case=case, starts_on=days(-10), ends_on=days(20))
    planned_end = formats.date_format(planned.ends_on, "SHORT_DATE_FORMAT")
    message = f"The placement is planned to end on {planned_end}: here it can only end earlier."
    verified_login(client, admin_worker)
    workspace = client.post(
        reverse("workspace:placement-end", args=[planned.pk]),
        {"ends_on": days(40).isoformat(), "reason": "Longer"},
    )
    assert workspace.status_code == 400
    assert message in workspace.content.decode()

    address = url(Placement, "change", planned.pk)
    data = form_data(client.get(address))
    data.update({"ends_on": days(40).isoformat(), "end_reason": "Longer"})
    admin = client.post(address, data)
    assert admin.status_code == 200
    assert admin_errors(admin) == {"ends_on": [message]}
    planned.refresh_from_db()
    assert (planned.ends_on, planned.end_reason, planned.version) == (days(20), "", 1)
    assert not AuditEntry.objects.exists()


def test_unit_status_through_admin_and_api_writes_one_audit_row_each(client, owner_staff, unit):
    staff(owner_staff, Role.PROVIDER_STAFF)
    verified_login(client, owner_staff)
    address = url(HousingUnit, "change", unit.pk)
    data = form_data(client.get(address))
    data["status"] = UnitStatus.UNAVAILABLE
    assert client.post(address, data).status_code == 302

    api = APIClient()
    verified_login(api, owner_staff)
    response = api.patch(
        f"/api/v1/housing-units/{unit.pk}/",
        {"status": UnitStatus.AVAILABLE},
        format="json",
        HTTP_IF_MATCH='"2"',
    )
    assert response.status_code == 200, response.content
    assert response["ETag"] == '"3"'
    rows = AuditEntry.objects.filter(action="unit_update").order_by("at", "pk")
    assert [(row.via, row.details["to"]) for row in rows] == [
        ("admin", "unavailable"),
        ("api", "available"),
    ]


def test_a_stale_unit_is_refused_alike_by_admin_and_api(client, owner_staff, unit):
    staff(owner_staff, Role.PROVIDER_STAFF)
    verified_login(client, owner_staff)
    address = url(HousingUnit, "change", unit.pk)
    data = form_data(client.get(address))
    HousingUnit.objects.get(pk=unit.pk).save()  # someone else saved meanwhile: version 2
    message = (
        "Someone else changed this record since you read it (now version 2, you sent 1): "
        "read it again."
    )

    data["status"] = UnitStatus.UNAVAILABLE
    admin = client.post(address, data)
    assert admin.status_code == 200
    assert admin.context["adminform"].form.non_field_errors() == [message]

    api = APIClient()
    verified_login(api, owner_staff)
    response = api.patch(
        f"/api/v1/housing-units/{unit.pk}/",
        {"status": UnitStatus.UNAVAILABLE},
        format="json",
        HTTP_IF_MATCH='"1"',
    )
    assert response.status_code == 412
    assert response.json() == {"version": [message]}
    unit.refresh_from_db()
    assert (unit.status, unit.version) == (UnitStatus.AVAILABLE, 2)
    assert not AuditEntry.objects.exists()


def test_places_below_the_occupancy_are_refused_in_the_admin(client, owner_staff, unit):
    PlacementFactory(unit=unit, starts_on=days(-3))
    PlacementFactory(unit=unit, starts_on=days(-1))
    staff(owner_staff, Role.PROVIDER_STAFF)
    verified_login(client, owner_staff)
    address = url(HousingUnit, "change", unit.pk)
    data = form_data(client.get(address))
    data["places"] = "1"
    response = client.post(address, data)
    assert response.status_code == 200
    assert admin_errors(response) == {
        "places": ["The unit has 2 current or planned placements at once: places cannot be fewer."]
    }
    unit.refresh_from_db()
    assert (unit.places, unit.version) == (2, 1)
    assert not AuditEntry.objects.exists()


def test_owner_staff_of_another_provider_cannot_reach_the_unit_through_any_door(
    client, make_member, unit
):
    other = make_member(Role.PROVIDER_STAFF, organisation=OrganisationFactory())
    staff(other, Role.PROVIDER_STAFF)
    verified_login(client, other)
    address = url(HousingUnit, "change", unit.pk)
    data = form_data(client.get(address))
    data["rooms"] = "5"
    assert client.post(address, data).status_code == 403
    api = APIClient()
    verified_login(api, other)
    response = api.patch(
        f"/api/v1/housing-units/{unit.pk}/",
        {"status": "unavailable"},
        format="json",
        HTTP_IF_MATCH='"1"',
    )
    assert response.status_code == 404
    unit.refresh_from_db()
    assert (unit.rooms, unit.version) == (2, 1)
    assert not AuditEntry.objects.exists()


def test_adding_a_unit_in_the_admin_goes_through_the_action(
    client, owner_staff, provider_organisation
):
    staff(owner_staff, Role.PROVIDER_STAFF)
    verified_login(client, owner_staff)
    municipality = MunicipalityFactory()
    data = {
        "code": "HF-ADMIN",
        "unit_type": UnitType.HOUSING_FIRST,
        "owner": provider_organisation.pk,
        "status": UnitStatus.IDENTIFIED,
        "status_since": TODAY.isoformat(),
        "municipality": municipality.pk,
        "address": "Via Nuova 3",
        "postal_code": "00100",
        "rooms": "2",
        "places": "2",
        "_save": "Save",
    }
    assert client.post(url(HousingUnit, "add"), data).status_code == 302
    unit = HousingUnit.objects.get(code="HF-ADMIN")
    [row] = AuditEntry.objects.all()
    assert (row.action, row.target_id, row.via) == ("unit_create", str(unit.pk), "admin")
    # The same code again: the model's rule, by its field, from the action.
    response = client.post(url(HousingUnit, "add"), data)
    assert response.status_code == 200
    assert list(admin_errors(response)) == ["code"]
    assert HousingUnit.objects.filter(code="HF-ADMIN").count() == 1
