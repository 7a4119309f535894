"""Personal data and writes of /api/v1/ with exact JSON (issue 3).

* a person, a case (with its needs), a referral, a placement and a housing unit read back
  field for field as the scoping functions allow: the special categories of data are
  ``null`` for someone who sees the person only as a provider, a unit's address only for
  its owner's staff, availability computed from the placements running today;
* capacity writes: If-Match → 200 with the new ETag, stale → 412, none → 428, unknown or
  read-only fields and broken model rules → 400 naming the field, and nothing changes in
  the database after a refused request;
* referrals: created by the case team (with the person's consent to sharing, 409 with the
  reason without it), answered by the receiving provider, each move checked by the action
  (who: 403, which transition: 409, the reason: 400, the version: 412), one audit row
  via the API for each write;
* a provider changes its own services (404 for another organisation's);
* a list makes as many queries for 100 rows as for 10.
"""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from beneficiaries.models import Case, Consent, ConsentPurpose, Gender, Referral, ReferralStatus
from core.models import AuditEntry
from housing.models import UnitStatus, UnitType
from services.models import Capacity, CapacityUnit, Role, Service
from tests.auth import verified_login
from tests.factories import (
    BeneficiaryFactory,
    CapacityFactory,
    CaseFactory,
    HousingUnitFactory,
    MembershipFactory,
    MunicipalityFactory,
    NeedFactory,
    PlacementFactory,
    ReferralFactory,
    ServiceAtSiteFactory,
    ServiceFactory,
    SiteFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

API = "/api/v1/"
TODAY = timezone.localdate


def stamp(obj) -> str:
    """``updated_at`` as the API writes it: ISO 8601 in the project's time zone."""
    obj.refresh_from_db(fields=["updated_at"])
    return timezone.localtime(obj.updated_at).isoformat()


def client_of(user=None) -> APIClient:
    client = APIClient()
    if user is not None:
        verified_login(client, user)
    return client


def get(client, endpoint, expected_status=200, **params):
    response = client.get(f"{API}{endpoint}/", params)
    assert response.status_code == expected_status, response.content
    return response.json()


def assert_listed_and_retrieved(client, endpoint, expected, **params):
    assert get(client, f"{endpoint}/{expected['id']}") == expected
    assert get(client, endpoint, **params)["results"] == [expected]


@pytest.fixture
def town():
    return MunicipalityFactory(name="Provalta", istat_code="999301")


@pytest.fixture
def people(organisation, provider_organisation, social_worker, town):
    """Giulia, taken in charge by ``organisation`` (lead: the social worker), with a
    need, referred to the provider's night shelter and placed in the provider's flat."""
    person = BeneficiaryFactory(
        given_name="Giulia",
        family_name="Rossi",
        gender=Gender.FEMALE,
        birth_date=datetime.date(1985, 3, 2),
        citizenship="IT",
        residence_municipality=town,
        registered_by=organisation,
        health_condition=True,
        violence_survivor=True,
    )
    case = CaseFactory(
        beneficiary=person,
        organisation=organisation,
        lead_worker=social_worker,
        opened_on=datetime.date(2024, 1, 10),
    )
    need = NeedFactory(
        case=case,
        description="Sleeps in a car.",
        identified_on=datetime.date(2024, 1, 10),
    )
    shelter = ServiceFactory(organisation=provider_organisation, name="Dormitorio")
    offering = ServiceAtSiteFactory(
        service=shelter, site=SiteFactory(organisation=provider_organisation, municipality=town)
    )
    referral = ReferralFactory(
        case=case, service=shelter, offering=offering, referred_on=datetime.date(2024, 1, 15)
    )
    unit = HousingUnitFactory(
        code="HU-PROVA-1",
        owner=provider_organisation,
        municipality=town,
        address="Via dei Mille 7",
        postal_code="00185",
        latitude=41.81,
        longitude=12.61,
        unit_type=UnitType.HOUSING_FIRST,
        rooms=2,
        places=3,
        status=UnitStatus.OCCUPIED,
        status_since=datetime.date(2024, 2, 1),
    )
    placement = PlacementFactory(case=case, unit=unit, starts_on=datetime.date(2024, 2, 1))
    return {
        "person": person,
        "case": case,
        "need": need,
        "shelter": shelter,
        "offering": offering,
        "referral": referral,
        "unit": unit,
        "placement": placement,
    }


def person_json(person, town, organisation, *, special_categories: bool) -> dict:
    def special(value):
        return value if special_categories else None

    assert len(person.codice_fiscale) == 16
    return {
        "id": str(person.pk),
        "given_name": "Giulia",
        "family_name": "Rossi",
        "codice_fiscale": person.codice_fiscale,
        "birth_date": "1985-03-02",
        "gender": "F",
        "citizenship": "IT",
        "residence_municipality": "999301",
        "homeless": False,
        "health_condition": special(True),
        "ethnic_minority": special(False),
        "violence_survivor": special(True),
        "criminal_record": special(False),
        "registered_by": organisation.pk,
        "updated_at": stamp(person),
        "version": 1,
    }


# --- People, cases, referrals, placements ----------------------------------------------------


def test_beneficiary_json_for_the_case_team(people, social_worker, town, organisation):
    expected = person_json(people["person"], town, organisation, special_categories=True)
    assert_listed_and_retrieved(client_of(social_worker), "beneficiaries", expected)


def test_provider_staff_alone_cannot_read_people(people, provider_staff):
    """Provider staff hold no ``beneficiaries.view_beneficiary`` (services/roles.py): the
    person referred to them is out of their reach through the API altogether."""
    client = client_of(provider_staff)
    body = get(client, "beneficiaries", expected_status=403)
    assert body == {"detail": "Your role does not allow this."}
    get(client, f"beneficiaries/{people['person'].pk}", expected_status=403)


def test_special_categories_are_null_for_who_sees_the_person_as_a_provider(
    people, other_organisation, provider_organisation, town, organisation
):
    """Reachable only with two roles: a social worker elsewhere (the permission) who is
    also provider staff of the service Giulia was referred to (the scope)."""
    both = UserFactory()
    MembershipFactory(user=both, organisation=other_organisation, role=Role.SOCIAL_WORKER)
    MembershipFactory(user=both, organisation=provider_organisation, role=Role.PROVIDER_STAFF)
    expected = person_json(people["person"], town, organisation, special_categories=False)
    assert_listed_and_retrieved(client_of(both), "beneficiaries", expected)


def test_case_json_with_needs(people, social_worker, organisation):
    case, need = people["case"], people["need"]
    expected = {
        "id": str(case.pk),
        "beneficiary": str(people["person"].pk),
        "organisation": organisation.pk,
        "lead_worker": social_worker.pk,
        "team": [],
        "opened_on": "2024-01-10",
        "closed_on": None,
        "status": "open",
        "outcome": "",
        "protected": False,
        "needs": [
            {
                "id": str(need.pk),
                "domain": "housing",
                "severity": 3,
                "description": "Sleeps in a car.",
                "identified_on": "2024-01-10",
                "resolved_on": None,
            }
        ],
        "updated_at": stamp(case),
        "version": 1,
    }
    assert_listed_and_retrieved(client_of(social_worker), "cases", expected)


def referral_json(people, social_worker) -> dict:
    referral = people["referral"]
    return {
        "id": str(referral.pk),
        "case": str(people["case"].pk),
        "service": people["shelter"].pk,
        "offering": people["offering"].pk,
        "status": "referred",
        "referred_by": social_worker.pk,
        "referred_on": "2024-01-15",
        "responded_on": None,
        "started_on": None,
        "ended_on": None,
        "reason": "",
        "updated_at": stamp(referral),
        "version": 1,
        **referral_view_json(people, social_worker),
    }


def referral_view_json(people, social_worker) -> dict:
    """The person as the referral's full view shows them (issue 12): the case team, and
    the provider with Giulia's consent to sharing in force; needs without description."""
    organisation = people["case"].organisation
    return {
        "view": "full",
        "withheld_because": None,
        "person": {"name": "Rossi Giulia", "birth_year": 1985, "age_band": None},
        "needs": [{"domain": "housing", "severity": 3}],
        "contact": {
            "organisation": organisation.pk,
            "organisation_name": organisation.name,
            "worker": social_worker.pk,
            "worker_name": social_worker.username,
            "worker_email": social_worker.email,
        },
    }


def test_referral_json_for_the_team_and_the_provider(people, social_worker, provider_staff):
    expected = referral_json(people, social_worker)
    assert_listed_and_retrieved(client_of(social_worker), "referrals", expected)
    assert_listed_and_retrieved(client_of(provider_staff), "referrals", expected)
    assert get(client_of(provider_staff), "referrals", incoming="true")["results"] == [expected]
    assert get(client_of(social_worker), "referrals", incoming="true")["results"] == []


def test_placement_json(people, social_worker, provider_staff):
    placement = people["placement"]
    expected = {
        "id": str(placement.pk),
        "unit": people["unit"].pk,
        "case": str(people["case"].pk),
        "beneficiary": str(people["person"].pk),
        "starts_on": "2024-02-01",
        "ends_on": None,
        "end_reason": "",
        "updated_at": stamp(placement),
        "version": 1,
    }
    assert_listed_and_retrieved(client_of(social_worker), "placements", expected)
    # The owner of the unit sees the placements in it.
    assert_listed_and_retrieved(client_of(provider_staff), "placements", expected)
    assert get(client_of(social_worker), "placements", current="true")["results"] == [expected]
    assert get(client_of(social_worker), "placements", current="false")["results"] == []


# --- Housing units ---------------------------------------------------------------------------


def unit_json(unit, provider_organisation, *, address: bool, occupied: int, free: int) -> dict:
    return {
        "id": unit.pk,
        "code": "HU-PROVA-1",
        "owner": provider_organisation.pk,
        "municipality": "999301",
        "address": "Via dei Mille 7" if address else None,
        "postal_code": "00185" if address else None,
        "latitude": 41.81 if address else None,
        "longitude": 12.61 if address else None,
        "unit_type": "housing_first",
        "rooms": 2,
        "places": 3,
        "barrier_free": False,
        "confidential": False,
        "status": "occupied",
        "status_since": "2024-02-01",
        "occupied_now": occupied,
        "free_places": free,
        "updated_at": stamp(unit),
        "version": 1,
    }


def test_housing_unit_json_address_for_the_owner_only(
    people, social_worker, provider_staff, provider_organisation
):
    unit = people["unit"]
    today = TODAY()
    # Placements that are not running today do not count: one ended, one to come.
    for starts_on, ends_on in [
        (datetime.date(2023, 1, 1), today),
        (today + datetime.timedelta(days=1), None),
    ]:
        PlacementFactory(unit=unit, starts_on=starts_on, ends_on=ends_on)
    owner_view = unit_json(unit, provider_organisation, address=True, occupied=1, free=2)
    others_view = unit_json(unit, provider_organisation, address=False, occupied=1, free=2)
    assert_listed_and_retrieved(client_of(provider_staff), "housing-units", owner_view)
    assert_listed_and_retrieved(client_of(social_worker), "housing-units", others_view)


def test_housing_units_has_free_places(people, social_worker, provider_organisation):
    full = HousingUnitFactory(owner=provider_organisation, places=1)
    PlacementFactory(unit=full, starts_on=datetime.date(2024, 3, 1))
    unavailable = HousingUnitFactory(owner=provider_organisation, status=UnitStatus.RENOVATING)
    client = client_of(social_worker)

    def codes(**params):
        return {row["code"] for row in get(client, "housing-units", **params)["results"]}

    assert codes(has_free_places="true") == {"HU-PROVA-1"}
    assert codes(has_free_places="false") == {full.code, unavailable.code}
    assert codes(min_free_places=2) == {"HU-PROVA-1"}
    assert codes(min_free_places=3) == set()
    body = get(client, "housing-units", expected_status=400, has_free_places="maybe")
    assert body == {"has_free_places": ["Give true or false."]}


# --- Capacities ------------------------------------------------------------------------------


@pytest.fixture
def capacity(provider_organisation):
    service = ServiceFactory(organisation=provider_organisation)
    return CapacityFactory(
        offering=ServiceAtSiteFactory(service=service),
        unit=CapacityUnit.BEDS,
        total=Decimal(10),
        available=Decimal(3),
        description="Posti letto",
    )


def capacity_json(capacity, **changes) -> dict:
    return {
        "id": capacity.pk,
        "service": capacity.offering.service_id,
        "site": capacity.offering.site_id,
        "unit": "beds",
        "total": 10.0,
        "available": 3.0,
        "description": "Posti letto",
        "updated_at": stamp(capacity),
        "version": capacity.version,
        **changes,
    }


def test_capacity_public_json(capacity):
    client = client_of()
    assert get(client, f"capacities/{capacity.pk}") == capacity_json(capacity)
    rows = get(client, "capacities", service=capacity.offering.service_id)["results"]
    assert rows == [capacity_json(capacity)]
    assert get(client, "capacities", has_free_places="false")["results"] == []


def patch(client, endpoint, body, **headers):
    return client.patch(f"{API}{endpoint}/", body, format="json", **headers)


def test_capacity_patch_with_if_match(capacity, provider_staff):
    client = client_of(provider_staff)
    response = client.get(f"{API}capacities/{capacity.pk}/")
    assert response["ETag"] == '"1"'
    response = patch(
        client, f"capacities/{capacity.pk}", {"available": 0}, HTTP_IF_MATCH=response["ETag"]
    )
    assert response.status_code == 200, response.content
    capacity.refresh_from_db()
    assert capacity.available == 0
    assert response["ETag"] == '"2"'
    assert response.json() == capacity_json(capacity, available=0.0, version=2)
    # The version in the body works as well.
    response = patch(client, f"capacities/{capacity.pk}", {"available": 1, "version": 2})
    assert response.status_code == 200, response.content
    assert response["ETag"] == '"3"'


def snapshot(capacity):
    row = Capacity.objects.get(pk=capacity.pk)
    return (row.total, row.available, row.description, row.version, row.updated_at)


@pytest.mark.parametrize(
    ("body", "headers", "status", "answer"),
    [
        pytest.param(
            {"available": 1},
            {"HTTP_IF_MATCH": '"7"'},
            412,
            {
                "version": [
                    "Someone else changed this record since you read it (now version 1, "
                    "you sent 7): read it again."
                ]
            },
            id="stale",
        ),
        pytest.param(
            {"available": 1},
            {},
            428,
            {
                "detail": "Say which version you are changing: an If-Match header with the "
                "ETag, or version."
            },
            id="no-precondition",
        ),
        pytest.param(
            {"available": 1, "free_beds": 2},
            {"HTTP_IF_MATCH": '"1"'},
            400,
            {"free_beds": ["Unknown field."]},
            id="unknown-field",
        ),
        pytest.param(
            {"unit": "places"},
            {"HTTP_IF_MATCH": '"1"'},
            400,
            {"unit": ["This field is read-only."]},
            id="read-only-field",
        ),
        pytest.param(
            {"available": 11},
            {"HTTP_IF_MATCH": '"1"'},
            400,
            {"available": ["Free places must be between zero and the total."]},
            id="available-above-total",
        ),
        pytest.param(
            {"available": -1},
            {"HTTP_IF_MATCH": '"1"'},
            400,
            {"available": ["Ensure this value is greater than or equal to 0."]},
            id="available-negative",
        ),
    ],
)
def test_capacity_patch_refused(capacity, provider_staff, body, headers, status, answer):
    before = snapshot(capacity)
    response = patch(client_of(provider_staff), f"capacities/{capacity.pk}", body, **headers)
    assert (response.status_code, response.json()) == (status, answer)
    assert snapshot(capacity) == before


def test_capacity_patch_of_another_organisation_is_404(capacity, make_member, organisation):
    """Staff of another provider: the capacity exists, but not for them."""
    stranger = make_member(Role.PROVIDER_STAFF, organisation=organisation)
    before = snapshot(capacity)
    response = patch(
        client_of(stranger), f"capacities/{capacity.pk}", {"available": 1}, HTTP_IF_MATCH='"1"'
    )
    assert response.status_code == 404
    assert snapshot(capacity) == before


# --- Referrals -------------------------------------------------------------------------------


def post_referral(client, body):
    return client.post(f"{API}referrals/", body, format="json")


def test_social_worker_refers_a_case(people, social_worker):
    client = client_of(social_worker)
    case, shelter = people["case"], people["shelter"]
    response = post_referral(
        client,
        {
            "case": str(case.pk),
            "service": shelter.pk,
            "offering": people["offering"].pk,
            "reason": "Needs a bed tonight.",
        },
    )
    assert response.status_code == 201, response.content
    referral = Referral.objects.get(pk=response.json()["id"])
    assert response.json() == {
        "id": str(referral.pk),
        "case": str(case.pk),
        "service": shelter.pk,
        "offering": people["offering"].pk,
        "status": "referred",
        "referred_by": social_worker.pk,
        "referred_on": TODAY().isoformat(),
        "responded_on": None,
        "started_on": None,
        "ended_on": None,
        "reason": "Needs a bed tonight.",
        "updated_at": stamp(referral),
        "version": 1,
        **referral_view_json(people, social_worker),
    }


def test_referring_another_organisations_case_reads_as_unknown(
    people, social_worker, other_organisation
):
    foreign = CaseFactory(beneficiary=BeneficiaryFactory(registered_by=other_organisation))
    missing = "00000000-0000-4000-8000-000000000000"
    before = Referral.objects.count()
    answers = [
        post_referral(client_of(social_worker), {"case": case_id, "service": people["shelter"].pk})
        for case_id in (str(foreign.pk), missing)
    ]
    assert [a.status_code for a in answers] == [400, 400]
    assert answers[0].json() == {"case": [f'Invalid pk "{foreign.pk}" - object does not exist.']}
    # Exactly the answer for an id that does not exist at all.
    assert answers[1].json() == {"case": [f'Invalid pk "{missing}" - object does not exist.']}
    assert Referral.objects.count() == before


def move(client, referral, body):
    referral.refresh_from_db()
    return patch(client, f"referrals/{referral.pk}", body, HTTP_IF_MATCH=f'"{referral.version}"')


def test_provider_accepts_then_starts(people, provider_staff, social_worker):
    referral = people["referral"]
    response = move(client_of(provider_staff), referral, {"status": "accepted"})
    assert response.status_code == 200, response.content
    referral.refresh_from_db()
    expected = referral_json(people, social_worker) | {
        "status": "accepted",
        "responded_on": TODAY().isoformat(),
        "updated_at": stamp(referral),
        "version": 2,
    }
    assert response.json() == expected
    assert response["ETag"] == '"2"'
    response = move(
        client_of(provider_staff), referral, {"status": "active", "on": TODAY().isoformat()}
    )
    assert response.status_code == 200, response.content
    assert (response.json()["status"], response.json()["started_on"]) == (
        "active",
        TODAY().isoformat(),
    )
    referral.refresh_from_db()
    assert (referral.status, referral.responded_on, referral.started_on) == (
        ReferralStatus.ACTIVE,
        TODAY(),
        TODAY(),
    )


def assert_refused(response, referral, answer, status=400):
    """Refused with the action's message by field; nothing changed, nothing audited."""
    before = referral.version
    assert (response.status_code, response.json()) == (status, answer)
    referral.refresh_from_db()
    assert (referral.status, referral.version) == (ReferralStatus.REFERRED, before)
    assert not AuditEntry.objects.filter(target_id=str(referral.pk)).exists()


def test_provider_declines_without_reason(people, provider_staff):
    referral = people["referral"]
    response = move(client_of(provider_staff), referral, {"status": "declined"})
    assert_refused(response, referral, {"reason": ["Say why."]})
    response = move(client_of(provider_staff), referral, {"status": "declined", "reason": "Full"})
    assert response.status_code == 200, response.content
    assert response.json()["reason"] == "Full"
    assert response.json()["responded_on"] == TODAY().isoformat()


def test_decline_needs_its_own_reason_not_the_referrers(people, provider_staff):
    """The reason the team gave for referring is not a reason for declining."""
    referral = people["referral"]
    Referral.objects.filter(pk=referral.pk).update(reason="Needs a bed tonight.")
    response = move(client_of(provider_staff), referral, {"status": "declined"})
    assert_refused(response, referral, {"reason": ["Say why."]})


def test_social_worker_may_not_accept(people, social_worker):
    """A move the other side owns is forbidden (403, issue 12: it was a 400)."""
    referral = people["referral"]
    response = move(client_of(social_worker), referral, {"status": "accepted"})
    assert_refused(
        response,
        referral,
        {"status": ["Only the receiving service can make this change."]},
        status=403,
    )


def test_wrong_transition(people, provider_staff):
    """The wrong side: 403; a step the referral's state does not allow: 409 (both were
    400 before issue 12)."""
    referral = people["referral"]
    response = move(client_of(provider_staff), referral, {"status": "closed", "reason": "x"})
    assert_refused(
        response, referral, {"status": ["Only the case team can make this change."]}, status=403
    )
    response = move(client_of(provider_staff), referral, {"status": "active"})
    assert_refused(
        response,
        referral,
        {"status": ["A referral cannot go from referred to active."]},
        status=409,
    )


def test_move_against_a_stale_version_is_412_by_field(people, provider_staff):
    """The action checks the version the caller read (If-Match or the body's version)."""
    referral = people["referral"]
    client = client_of(provider_staff)
    message = (
        "Someone else changed this record since you read it (now version 1, you sent 3): "
        "read it again."
    )
    response = patch(
        client, f"referrals/{referral.pk}", {"status": "accepted"}, HTTP_IF_MATCH='"3"'
    )
    assert_refused(response, referral, {"version": [message]}, status=412)
    response = patch(client, f"referrals/{referral.pk}", {"status": "accepted", "version": 3})
    assert_refused(response, referral, {"version": [message]}, status=412)
    response = patch(client, f"referrals/{referral.pk}", {"status": "accepted"})
    assert response.status_code == 428
    response = patch(client, f"referrals/{referral.pk}", {"status": "accepted", "version": 1})
    assert response.status_code == 200, response.content
    assert response["ETag"] == '"2"'


def test_move_writes_one_audit_row_via_the_api_and_touches_the_case(people, provider_staff):
    referral, case = people["referral"], people["case"]
    long_ago = timezone.now() - datetime.timedelta(days=30)
    Case.objects.filter(pk=case.pk).update(last_activity_at=long_ago)
    response = move(client_of(provider_staff), referral, {"status": "accepted"})
    assert response.status_code == 200, response.content
    entry = AuditEntry.objects.get(target_id=str(referral.pk))
    assert (entry.action, entry.via, entry.actor, entry.case_id) == (
        "referral_move",
        "api",
        provider_staff,
        case.pk,
    )
    assert entry.details == {"from": "referred", "to": "accepted"}
    assert entry.target_version == 2
    case.refresh_from_db()
    assert case.last_activity_at > long_ago


def test_referring_without_sharing_consent_is_409_with_the_reason(people, social_worker):
    """Referring needs the person's consent to sharing with providers (issue 12)."""
    case = people["case"]
    Consent.objects.filter(
        beneficiary=case.beneficiary, purpose=ConsentPurpose.SHARING_WITH_PROVIDERS
    ).delete()
    before = Referral.objects.count()
    response = post_referral(
        client_of(social_worker), {"case": str(case.pk), "service": people["shelter"].pk}
    )
    assert (response.status_code, response.json()) == (
        409,
        {
            "case": [
                "The person has not given consent to sharing with the providers referred "
                "to: record it before you refer the case to a provider."
            ]
        },
    )
    assert Referral.objects.count() == before
    assert not AuditEntry.objects.filter(action="referral_create").exists()


def test_referral_create_writes_one_audit_row_via_the_api(people, social_worker):
    case = people["case"]
    response = post_referral(
        client_of(social_worker), {"case": str(case.pk), "service": people["shelter"].pk}
    )
    assert response.status_code == 201, response.content
    entry = AuditEntry.objects.get(action="referral_create")
    assert (entry.target_id, entry.via, entry.actor, entry.case_id) == (
        response.json()["id"],
        "api",
        social_worker,
        case.pk,
    )
    assert entry.fields == ["case", "referred_on", "service"]


# --- Services --------------------------------------------------------------------------------


def test_provider_changes_its_own_service_only(
    people, provider_staff, other_organisation, provider_organisation
):
    own = people["shelter"]
    foreign = ServiceFactory(organisation=other_organisation, description="Theirs.")
    client = client_of(provider_staff)
    response = patch(
        client,
        f"services/{own.pk}",
        {"description": "Venti posti letto.", "languages": ["it"]},
        HTTP_IF_MATCH='"1"',
    )
    assert response.status_code == 200, response.content
    own.refresh_from_db()
    assert response.json()["description"] == "Venti posti letto."
    assert response.json()["languages"] == ["it"]
    assert response.json()["organisation"] == provider_organisation.pk
    assert response["ETag"] == f'"{own.version}"' == '"2"'
    response = patch(
        client, f"services/{foreign.pk}", {"description": "Mine now."}, HTTP_IF_MATCH='"1"'
    )
    assert response.status_code == 404
    assert Service.objects.get(pk=foreign.pk).description == "Theirs."


# --- Query counts ----------------------------------------------------------------------------


@pytest.fixture
def many(organisation, provider_organisation, social_worker, coordinator):
    """Twelve people with a case (two needs, a team), a referral and a placement each."""
    unit = HousingUnitFactory(owner=provider_organisation, places=20)
    shelter = ServiceFactory(organisation=provider_organisation)
    for _ in range(12):
        case = CaseFactory(
            beneficiary=BeneficiaryFactory(registered_by=organisation),
            lead_worker=social_worker,
            team=[coordinator],
        )
        NeedFactory.create_batch(2, case=case)
        ReferralFactory(case=case, service=shelter)
        PlacementFactory(case=case, unit=unit)
        HousingUnitFactory(owner=provider_organisation)


@pytest.mark.parametrize(
    "endpoint", ["beneficiaries", "cases", "referrals", "placements", "housing-units"]
)
def test_list_queries_do_not_grow_with_the_page(many, social_worker, endpoint):
    client = client_of(social_worker)
    counts, sizes = [], []
    for page_size in (10, 100):
        with CaptureQueriesContext(connection) as queries:
            rows = get(client, endpoint, page_size=page_size)["results"]
        counts.append(len(queries))
        sizes.append(len(rows))
    assert sizes[0] == 10 and sizes[1] > 10
    assert counts[0] == counts[1], counts


@pytest.mark.parametrize("value", ["null", "maybe", ""])
def test_incoming_referrals_filter_refuses_what_is_not_a_boolean(provider_staff, value):
    response = client_of(provider_staff).get("/api/v1/referrals/", {"incoming": value})
    assert response.status_code == 400
    assert "incoming" in response.json()
