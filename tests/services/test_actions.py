"""The directory's actions, and the same rules through the admin and the API.

Per action (capacity, opening hours, service, site, organisation, service at a site): the
happy path writes exactly one change-audit row (action, fields, channel); a refusal names
the field and its kind and changes nothing. Who may write: the provider staff of the
organisation the record belongs to, and administrators; not another provider, not a
social worker, not a superuser without a membership, not an inactive membership.
Per door (admin, API; the provider page in ``tests/workspace/test_provider_writes.py``):
the same refusal with the same message and nothing written; a success writes one audit
row with the door as its channel.
"""

import datetime
from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from core import channel
from core.errors import CONFLICT, FORBIDDEN, INVALID, STALE, ActionError
from core.forms import errors_by_field
from core.models import AuditEntry
from services.actions.capacity import capacity_create, capacity_remove, capacity_update
from services.actions.directory import (
    offering_create,
    offering_remove,
    offering_update,
    organisation_create,
    organisation_update,
    service_update,
    site_update,
)
from services.actions.hours import hours_add, hours_remove, hours_update
from services.models import (
    Capacity,
    CapacityUnit,
    LegalForm,
    OpeningHours,
    Organisation,
    Role,
    Service,
    ServiceAtSite,
    ServiceCategory,
    ServiceStatus,
    Site,
)
from tests.admin_pages import form_data, staff, url
from tests.auth import verified_login
from tests.factories import (
    CapacityFactory,
    MunicipalityFactory,
    OpeningHoursFactory,
    OrganisationFactory,
    ReferralFactory,
    ServiceAtSiteFactory,
    ServiceFactory,
    SiteFactory,
)

pytestmark = pytest.mark.django_db

FREE_PLACES_RULE = "Free places must be between zero and the total."
FEES_RULE = "Describe the fees of a service that is not free of charge."
SAME_TIMES_RULE = "Opening and closing times cannot be the same."


def refused(call, **arguments) -> ActionError:
    with pytest.raises(ActionError) as caught:
        call(**arguments)
    return caught.value


def by_field(error: ActionError, model=None) -> tuple[dict, str]:
    """The refusal as an entry point shows it: messages by field (a check constraint's
    by the field it is about), and its kind."""
    return errors_by_field(error, model), error.kind


@pytest.fixture
def offering(provider_organisation):
    return ServiceAtSiteFactory(
        service=ServiceFactory(organisation=provider_organisation, name="Dormitorio"),
        site=SiteFactory(organisation=provider_organisation, name="Casa Aurora"),
    )


@pytest.fixture
def capacity(offering):
    return CapacityFactory(offering=offering, total=Decimal(10), available=Decimal(3))


@pytest.fixture
def hours(offering):
    return OpeningHoursFactory(offering=offering, weekday=1)


@pytest.fixture
def outsiders(make_member, superuser, social_worker):
    """Everyone who may not write the provider's records, by name."""
    inactive_org = OrganisationFactory(active=False)
    return {
        "other_provider": make_member(Role.PROVIDER_STAFF, organisation=OrganisationFactory()),
        "social_worker": social_worker,
        "official": make_member(Role.OFFICIAL),
        "superuser": superuser,
        "inactive_membership": make_member(
            Role.PROVIDER_STAFF, organisation=OrganisationFactory(), active=False
        ),
        "inactive_organisation": make_member(Role.ADMINISTRATOR, organisation=inactive_org),
    }


def snapshot(capacity) -> tuple:
    row = Capacity.objects.get(pk=capacity.pk)
    return row.total, row.available, row.version


# --- Capacity ---------------------------------------------------------------------------


def test_capacity_update_writes_one_audit_row(provider_staff, capacity):
    saved = capacity_update(
        acting_user=provider_staff, capacity=capacity, version=1, available=Decimal(5)
    )
    assert (saved.available, saved.version) == (5, 2)
    [row] = AuditEntry.objects.all()
    assert (row.action, row.actor, row.target_id, row.target_version, row.via) == (
        "capacity_update",
        provider_staff,
        str(capacity.pk),
        2,
        "job",
    )
    assert row.fields == ["available"]
    assert row.details == {"available": {"from": "3.00", "to": "5"}}


def test_administrators_keep_every_capacity(administrator, capacity):
    capacity_update(acting_user=administrator, capacity=capacity, version=1, total=Decimal(12))
    assert snapshot(capacity) == (12, 3, 2)


@pytest.mark.parametrize(
    "who",
    [
        "other_provider",
        "social_worker",
        "official",
        "superuser",
        "inactive_membership",
        "inactive_organisation",
    ],
)
def test_capacity_update_by_outsiders_is_refused(outsiders, capacity, who):
    error = refused(
        capacity_update,
        acting_user=outsiders[who],
        capacity=capacity,
        version=1,
        available=Decimal(0),
    )
    assert by_field(error) == (
        {"capacity": ["Only the staff of the organisation it belongs to can change this."]},
        FORBIDDEN,
    )
    assert snapshot(capacity) == (10, 3, 1)
    assert not AuditEntry.objects.exists()


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"version": 4, "available": Decimal(1)}, ("version", STALE)),
        ({"version": 1, "available": Decimal(11)}, ("available", INVALID)),
        ({"version": 1, "available": Decimal(-1)}, ("available", INVALID)),
        ({"version": 1, "total": Decimal(-1)}, ("total", INVALID)),
    ],
)
def test_capacity_update_refusals_change_nothing(provider_staff, capacity, changes, expected):
    error = refused(capacity_update, acting_user=provider_staff, capacity=capacity, **changes)
    errors, kind = by_field(error, Capacity)
    assert (list(errors), kind) == ([expected[0]], expected[1])
    assert snapshot(capacity) == (10, 3, 1)
    assert not AuditEntry.objects.exists()


def test_free_places_above_the_total_say_so_by_the_field(provider_staff, capacity):
    error = refused(
        capacity_update,
        acting_user=provider_staff,
        capacity=capacity,
        version=1,
        available=Decimal(11),
    )
    assert by_field(error, Capacity) == ({"available": [FREE_PLACES_RULE]}, INVALID)


def test_capacity_create_and_remove(provider_staff, offering, capacity):
    error = refused(
        capacity_create,
        acting_user=provider_staff,
        offering=offering,
        unit=CapacityUnit.BEDS,
        total=Decimal(4),
    )
    assert by_field(error) == (
        {"unit": ["This service at this site already has a capacity in this unit."]},
        CONFLICT,
    )
    places = capacity_create(
        acting_user=provider_staff, offering=offering, unit=CapacityUnit.PLACES, total=Decimal(4)
    )
    capacity_remove(acting_user=provider_staff, capacity=capacity)
    assert list(Capacity.objects.filter(offering=offering)) == [places]
    rows = AuditEntry.objects.order_by("at", "pk")
    assert [(row.action, row.target_id) for row in rows] == [
        ("capacity_create", str(places.pk)),
        ("capacity_remove", str(capacity.pk)),
    ]


# --- Opening hours ----------------------------------------------------------------------


def test_hours_add_change_remove_move_the_schedule_on(provider_staff, offering, hours):
    with channel.via("command"):
        added = hours_add(
            acting_user=provider_staff,
            offering=offering,
            weekday=6,
            opens_at=datetime.time(20),
            closes_at=datetime.time(8),  # a night shelter: past midnight
            version=1,
        )
        hours_update(acting_user=provider_staff, hours=hours, closes_at=datetime.time(18))
        hours_remove(acting_user=provider_staff, hours=added)
    hours.refresh_from_db()
    assert hours.closes_at == datetime.time(18)
    assert not OpeningHours.objects.filter(pk=added.pk).exists()
    offering.refresh_from_db()
    assert offering.version == 4  # one step per change of its schedule
    rows = AuditEntry.objects.order_by("at", "pk")
    assert [(row.action, row.fields, row.via) for row in rows] == [
        ("hours_add", ["closes_at", "opens_at", "weekday"], "command"),
        ("hours_update", ["closes_at"], "command"),
        (
            "hours_remove",
            ["closes_at", "opens_at", "valid_from", "valid_to", "weekday"],
            "command",
        ),
    ]


def test_hours_refusals_change_nothing(provider_staff, outsiders, offering, hours):
    nine, five = datetime.time(9), datetime.time(17)
    cases = [
        (
            hours_add,
            {"offering": offering, "weekday": 2, "opens_at": nine, "closes_at": nine},
            ({"opens_at": [SAME_TIMES_RULE]}, INVALID),
        ),
        (
            hours_add,
            {"offering": offering, "weekday": 8, "opens_at": nine, "closes_at": five},
            ("weekday", INVALID),
        ),
        (
            hours_add,
            {
                "offering": offering,
                "weekday": 2,
                "opens_at": nine,
                "closes_at": five,
                "version": 9,
            },
            ("version", STALE),
        ),
        (
            hours_update,
            {"hours": hours, "opens_at": five},
            ({"opens_at": [SAME_TIMES_RULE]}, INVALID),
        ),
    ]
    for action, arguments, expected in cases:
        errors, kind = by_field(
            refused(action, acting_user=provider_staff, **arguments), OpeningHours
        )
        if isinstance(expected[0], dict):
            assert (errors, kind) == expected, arguments
        else:
            assert (list(errors), kind) == ([expected[0]], expected[1]), arguments
    for user in outsiders.values():
        error = refused(hours_remove, acting_user=user, hours=hours)
        assert (list(error.message_dict), error.kind) == (["offering"], FORBIDDEN)
    assert list(OpeningHours.objects.values_list("pk", "opens_at")) == [(hours.pk, nine)]
    offering.refresh_from_db()
    assert offering.version == 1
    assert not AuditEntry.objects.exists()


# --- Services, sites, organisations, offerings ------------------------------------------


def test_service_update_with_categories_writes_one_audit_row(provider_staff, offering):
    service = offering.service
    categories = list(ServiceCategory.objects.order_by("code")[:2])
    service_update(
        acting_user=provider_staff,
        service=service,
        version=1,
        description="Beds for the night.",
        categories=categories,
        status=ServiceStatus.TEMPORARILY_CLOSED,
    )
    service.refresh_from_db()
    assert set(service.categories.all()) == set(categories)
    [row] = AuditEntry.objects.all()
    assert (row.action, row.fields, row.details) == (
        "service_update",
        ["categories", "description", "status"],
        {"from": "active", "to": "temporarily closed"},
    )


def test_service_update_refusals_change_nothing(provider_staff, outsiders, offering):
    service = offering.service
    error = refused(
        service_update,
        acting_user=provider_staff,
        service=service,
        version=1,
        free_of_charge=False,
    )
    assert by_field(error, Service) == ({"fees_description": [FEES_RULE]}, INVALID)
    error = refused(
        service_update, acting_user=provider_staff, service=service, version=2, name="X"
    )
    assert (list(error.message_dict), error.kind) == (["version"], STALE)
    error = refused(
        service_update,
        acting_user=provider_staff,
        service=service,
        version=1,
        organisation=OrganisationFactory(),
    )
    assert (list(error.message_dict), error.kind) == (["organisation"], FORBIDDEN)
    for user in outsiders.values():
        error = refused(service_update, acting_user=user, service=service, version=1, name="X")
        assert (list(error.message_dict), error.kind) == (["organisation"], FORBIDDEN)
    service.refresh_from_db()
    assert (service.name, service.free_of_charge, service.version) == ("Dormitorio", True, 1)
    assert not AuditEntry.objects.exists()


def test_a_confidential_sites_flag_and_address_stay_with_its_own_staff(
    administrator, provider_staff, provider_organisation
):
    shelter = SiteFactory(
        organisation=provider_organisation, confidential=True, public_contact="1522"
    )
    for field, value in (("confidential", False), ("address", "Via Nota 1")):
        error = refused(
            site_update, acting_user=administrator, site=shelter, version=1, **{field: value}
        )
        assert (list(error.message_dict), error.kind) == ([field], FORBIDDEN)
    site_update(acting_user=administrator, site=shelter, version=1, active=False)
    site_update(acting_user=provider_staff, site=shelter, version=2, address="Via Nuova 9")
    shelter.refresh_from_db()
    assert (shelter.active, shelter.address, shelter.confidential) == (False, "Via Nuova 9", True)
    rows = AuditEntry.objects.order_by("at", "pk")
    assert [(row.action, row.fields, row.details) for row in rows] == [
        ("site_update", ["active"], {"active": False}),
        ("site_update", ["address"], {}),
    ]


def test_organisations_are_added_by_administrators_only(administrator, provider_staff):
    values = {
        "name": "Cooperativa Nuova",
        "legal_form": LegalForm.SOCIAL_COOPERATIVE,
        "tax_code": OrganisationFactory.build().tax_code,
        "municipality": MunicipalityFactory(),
    }
    error = refused(organisation_create, acting_user=provider_staff, **values)
    assert (list(error.message_dict), error.kind) == (["__all__"], FORBIDDEN)
    assert not Organisation.objects.filter(name="Cooperativa Nuova").exists()
    created = organisation_create(acting_user=administrator, **values)
    [row] = AuditEntry.objects.all()
    assert (row.action, row.target_id) == ("organisation_create", str(created.pk))
    assert {"name", "legal_form", "tax_code", "municipality"} <= set(row.fields)


def test_organisation_update_refuses_a_runts_number_outside_the_third_sector(
    provider_staff, provider_organisation
):
    public = OrganisationFactory(legal_form=LegalForm.PUBLIC_BODY)
    error = refused(
        organisation_update, acting_user=provider_staff, organisation=public, version=1, name="X"
    )
    assert (list(error.message_dict), error.kind) == (["organisation"], FORBIDDEN)
    staff_of_public = provider_staff
    error = refused(
        organisation_update,
        acting_user=staff_of_public,
        organisation=provider_organisation,
        version=1,
        legal_form=LegalForm.PUBLIC_BODY,
        runts_number="123",
    )
    errors, kind = by_field(error, Organisation)
    assert (list(errors), kind) == (["runts_number"], INVALID)
    organisation_update(
        acting_user=provider_staff, organisation=provider_organisation, version=1, active=False
    )
    [row] = AuditEntry.objects.all()
    assert (row.action, row.fields, row.details) == (
        "organisation_update",
        ["active"],
        {"active": False},
    )


def test_an_offering_named_by_referrals_stays(provider_staff, offering, capacity):
    ReferralFactory(service=offering.service, offering=offering)
    error = refused(offering_remove, acting_user=provider_staff, offering=offering)
    assert (list(error.message_dict), error.kind) == (["site"], CONFLICT)
    assert ServiceAtSite.objects.filter(pk=offering.pk).exists()
    assert not AuditEntry.objects.exists()


def test_an_offering_without_referrals_goes_with_its_capacity(provider_staff, offering, capacity):
    offering_remove(acting_user=provider_staff, offering=offering)
    assert not Capacity.objects.filter(pk=capacity.pk).exists()
    [row] = AuditEntry.objects.all()
    assert (row.action, row.target_id) == ("offering_remove", str(offering.pk))


def test_a_service_offered_twice_at_a_site_is_a_conflict_on_the_site(
    provider_staff, provider_organisation, offering
):
    """The model's unique constraint, said by ``full_clean`` as a conflict by the site."""
    twice = {"site": ["This service is already offered at this site."]}
    error = refused(
        offering_create, acting_user=provider_staff, service=offering.service, site=offering.site
    )
    assert by_field(error) == (twice, CONFLICT)
    other = ServiceAtSiteFactory(
        service=offering.service, site=SiteFactory(organisation=provider_organisation)
    )
    error = refused(
        offering_update,
        acting_user=provider_staff,
        offering=other,
        version=other.version,
        site=offering.site,
    )
    assert by_field(error) == (twice, CONFLICT)
    assert ServiceAtSite.objects.filter(service=offering.service).count() == 2
    assert not AuditEntry.objects.exists()


def test_a_unique_clash_with_bad_input_is_bad_input(provider_staff, offering, capacity):
    """Only a refusal that is all clash is a conflict: bad input comes first (400)."""
    error = refused(
        capacity_create,
        acting_user=provider_staff,
        offering=offering,
        unit=CapacityUnit.BEDS,
        total=Decimal(-1),
    )
    assert error.kind == INVALID
    assert "unit" in error.message_dict and "total" in error.message_dict


# --- The same rules through the admin and the API ----------------------------------------


def api_of(user) -> APIClient:
    client = APIClient()
    verified_login(client, user)
    return client


@pytest.fixture
def admin_staff(provider_staff):
    return staff(provider_staff, Role.PROVIDER_STAFF)


def admin_errors(response) -> dict:
    return {
        name: list(errors) for name, errors in response.context["adminform"].form.errors.items()
    }


def test_free_places_above_the_total_are_refused_alike_by_admin_and_api(
    client, admin_staff, capacity
):
    verified_login(client, admin_staff)
    address = url(Capacity, "change", capacity.pk)
    data = form_data(client.get(address))
    data["available"] = "11"
    response = client.post(address, data)
    assert response.status_code == 200
    assert admin_errors(response) == {"available": [FREE_PLACES_RULE]}

    response = api_of(admin_staff).patch(
        f"/api/v1/capacities/{capacity.pk}/",
        {"available": 11},
        format="json",
        HTTP_IF_MATCH='"1"',
    )
    assert (response.status_code, response.json()) == (400, {"available": [FREE_PLACES_RULE]})
    assert snapshot(capacity) == (10, 3, 1)
    assert not AuditEntry.objects.exists()


def test_capacity_through_admin_and_api_writes_one_audit_row_each(client, admin_staff, capacity):
    verified_login(client, admin_staff)
    address = url(Capacity, "change", capacity.pk)
    data = form_data(client.get(address))
    data["available"] = "4"
    assert client.post(address, data).status_code == 302
    response = api_of(admin_staff).patch(
        f"/api/v1/capacities/{capacity.pk}/", {"available": 5}, format="json", HTTP_IF_MATCH='"2"'
    )
    assert response.status_code == 200, response.content
    assert response["ETag"] == '"3"'
    rows = AuditEntry.objects.filter(action="capacity_update").order_by("at", "pk")
    assert [(row.via, row.fields, row.target_version) for row in rows] == [
        ("admin", ["available"], 2),
        ("api", ["available"], 3),
    ]


def test_fees_of_a_paid_service_are_asked_alike_by_admin_and_api(client, admin_staff, offering):
    service = offering.service
    service.categories.set(ServiceCategory.objects.order_by("code")[:1])
    verified_login(client, admin_staff)
    address = url(Service, "change", service.pk)
    data = form_data(client.get(address))
    data.pop("free_of_charge", None)  # unticked
    response = client.post(address, data)
    assert response.status_code == 200
    assert admin_errors(response) == {"fees_description": [FEES_RULE]}

    response = api_of(admin_staff).patch(
        f"/api/v1/services/{service.pk}/",
        {"free_of_charge": False},
        format="json",
        HTTP_IF_MATCH='"1"',
    )
    assert (response.status_code, response.json()) == (400, {"fees_description": [FEES_RULE]})
    service.refresh_from_db()
    assert (service.free_of_charge, service.version) == (True, 1)
    assert not AuditEntry.objects.exists()


def test_a_refused_inline_row_shows_on_its_row_and_saves_nothing(client, admin_staff, capacity):
    offering = capacity.offering
    verified_login(client, admin_staff)
    address = url(ServiceAtSite, "change", offering.pk)
    page = client.get(address)
    data = form_data(page)
    [capacity_formset] = [
        inline.formset
        for inline in page.context["inline_admin_formsets"]
        if inline.formset.model is Capacity
    ]
    prefix = capacity_formset.forms[0].prefix
    data[f"{prefix}-available"] = "11"
    data["description"] = "Changed with the refused row"
    response = client.post(address, data)
    assert response.status_code == 200
    [refused_formset] = [
        inline.formset
        for inline in response.context["inline_admin_formsets"]
        if inline.formset.model is Capacity
    ]
    assert refused_formset.forms[0].errors == {"available": [FREE_PLACES_RULE]}
    offering.refresh_from_db()
    assert (offering.description, offering.version) == ("", 1)
    assert snapshot(capacity) == (10, 3, 1)
    assert not AuditEntry.objects.exists()


def test_same_opening_and_closing_times_are_refused_in_the_admin(client, admin_staff, hours):
    verified_login(client, admin_staff)
    address = url(OpeningHours, "change", hours.pk)
    data = form_data(client.get(address))
    data["closes_at"] = data["opens_at"]
    response = client.post(address, data)
    assert response.status_code == 200
    assert admin_errors(response) == {"opens_at": [SAME_TIMES_RULE]}
    hours.refresh_from_db()
    assert hours.closes_at == datetime.time(17)
    assert not AuditEntry.objects.exists()


def test_deactivating_sites_in_the_admin_audits_each(client, administrator, provider_organisation):
    sites = [SiteFactory(organisation=provider_organisation) for _ in range(2)]
    verified_login(client, staff(administrator, Role.ADMINISTRATOR))
    response = client.post(
        url(Site, "changelist"),
        {"action": "deactivate", "_selected_action": [str(site.pk) for site in sites]},
    )
    assert response.status_code == 302
    assert not Site.objects.filter(pk__in=[site.pk for site in sites], active=True).exists()
    rows = AuditEntry.objects.filter(action="site_update")
    assert sorted((row.target_id, row.via) for row in rows) == sorted(
        (str(site.pk), "admin") for site in sites
    )


def test_a_superuser_without_membership_cannot_save_the_directory(
    client, superuser, provider_organisation
):
    # The admin reads who may edit from the actions' one rule: a superuser flag grants
    # nothing, so the change is refused at the door and the record stays as it was.
    verified_login(client, superuser)
    address = url(Organisation, "change", provider_organisation.pk)
    response = client.post(address, {"name": "Renamed by a superuser"})
    assert response.status_code == 403
    provider_organisation.refresh_from_db()
    assert provider_organisation.version == 1
    assert not AuditEntry.objects.exists()


def test_adding_hours_in_the_admin_goes_through_the_action(client, admin_staff, capacity):
    offering = capacity.offering
    verified_login(client, admin_staff)
    response = client.post(
        url(OpeningHours, "add"),
        {
            "offering": offering.pk,
            "weekday": "2",
            "opens_at": "10:00",
            "closes_at": "12:00",
            "_save": "Save",
        },
    )
    assert response.status_code == 302
    [row] = AuditEntry.objects.all()
    assert (row.action, row.via, row.details["offering"]) == ("hours_add", "admin", offering.pk)
    offering.refresh_from_db()
    assert offering.version == 2  # the schedule moved on


def test_deleting_in_the_admin_goes_through_the_action(client, superuser, capacity):
    # No role may delete a capacity, and a superuser flag grants nothing: refused.
    verified_login(client, superuser)
    address = url(Capacity, "delete", capacity.pk)
    response = client.post(address, {"post": "yes"})
    assert response.status_code == 403
    assert Capacity.objects.filter(pk=capacity.pk).exists()
    assert not AuditEntry.objects.exists()
