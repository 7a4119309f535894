"""Referrals in the workspace: find a service, refer, and the provider's answer."""

import datetime

import pytest
from auditlog.models import LogEntry
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from beneficiaries.models import Beneficiary, Consent, ConsentPurpose, Referral, ReferralStatus
from core.models import AuditEntry
from services.models import Role, ServiceStatus
from tests.factories import (
    BeneficiaryFactory,
    CapacityFactory,
    CaseFactory,
    MunicipalityFactory,
    NeedFactory,
    OrganisationFactory,
    ReferralFactory,
    ServiceAtSiteFactory,
    ServiceCategoryFactory,
    ServiceFactory,
    SiteFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"


@pytest.fixture
def town(organisation):
    """A municipality of the case organisation's metropolitan city, where the person lives."""
    return MunicipalityFactory(
        metropolitan_city=organisation.municipality.metropolitan_city,
        name="Borgo Test",
        centroid_lat=41.9,
        centroid_lon=12.5,
    )


@pytest.fixture
def housing_branch():
    parent = ServiceCategoryFactory(code="test-shelter")
    child = ServiceCategoryFactory(code="test-shelter.night", parent=parent)
    return parent, child


def make_offering(organisation, town, *, name, latitude=41.95, category=None, **service_fields):
    service = ServiceFactory(
        organisation=organisation,
        name=name,
        categories=[category] if category else [],
        **service_fields,
    )
    site = SiteFactory(
        organisation=organisation,
        municipality=town,
        name=f"Site of {name}",
        address=f"Via {name} 1",
        latitude=latitude,
        longitude=12.5,
    )
    return ServiceAtSiteFactory(service=service, site=site)


@pytest.fixture
def shelter(provider_organisation, town, housing_branch, person):
    Beneficiary.objects.filter(pk=person.pk).update(residence_municipality=town)
    offering = make_offering(
        provider_organisation, town, name="Night shelter", category=housing_branch[1]
    )
    CapacityFactory(offering=offering, total=10, available=3)
    return offering


def refer_url(case):
    return reverse("workspace:refer", args=[case.pk])


def move(client, referral, status, **data):
    return client.post(
        reverse("workspace:referral-move", args=[referral.pk]),
        {"status": status, "version": referral.version, **data},
    )


# --- Refer ---------------------------------------------------------------------------------


def test_refer_finds_services_with_free_places_and_distance(
    login, social_worker, case, shelter, housing_branch, provider_organisation, town
):
    farther = make_offering(
        provider_organisation, town, name="Far dormitory", latitude=42.0, category=housing_branch[1]
    )
    unrelated = make_offering(provider_organisation, town, name="Job desk")
    make_offering(
        provider_organisation,
        town,
        name="Closed shelter",
        category=housing_branch[1],
        status=ServiceStatus.INACTIVE,
    )
    elsewhere = make_offering(
        provider_organisation,
        MunicipalityFactory(name="Far away town"),
        name="Elsewhere shelter",
        category=housing_branch[1],
    )
    client = login(social_worker)
    response = client.get(refer_url(case), {"category": housing_branch[0].pk})
    assert response.status_code == 200
    rows = [offering.pk for offering in response.context["page"].object_list]
    assert rows == [shelter.pk, farther.pk]  # the sub-category counts, nearest first
    assert unrelated.pk not in rows and elsewhere.pk not in rows
    html = response.content.decode()
    assert "Night shelter" in html and "Closed shelter" not in html
    assert "3 free of 10 beds" in html
    assert "5.5 km" in html  # 0.05° of latitude from the centre of the person's town
    assert "no capacity published" in html
    assert "2 services found" in html

    response = client.post(
        refer_url(case),
        {"service": shelter.service_id, "offering": shelter.pk, "reason": "Needs a bed tonight."},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("workspace:case", args=[case.pk])
    referral = Referral.objects.get(case=case)
    assert (referral.service, referral.offering) == (shelter.service, shelter)
    assert referral.reason == "Needs a bed tonight."
    assert referral.referred_by == social_worker
    assert referral.status == ReferralStatus.REFERRED
    page = client.get(response["Location"]).content.decode()
    assert "Referred to Night shelter" in page
    assert "Needs a bed tonight." in page


def test_refer_search_by_municipality_and_htmx_partial(
    login, social_worker, case, shelter, provider_organisation, organisation
):
    other_town = MunicipalityFactory(metropolitan_city=organisation.municipality.metropolitan_city)
    make_offering(provider_organisation, other_town, name="Other town canteen")
    client = login(social_worker)
    response = client.get(
        refer_url(case),
        {"municipality": other_town.pk},
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="referral-results",
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "<h1" not in html and 'id="referral-results"' in html
    assert "Other town canteen" in html and "Night shelter" not in html
    response = client.get(refer_url(case), {"free_only": "on"})
    assert [o.pk for o in response.context["page"].object_list] == [shelter.pk]
    # A municipality of another metropolitan city is not a choice.
    response = client.get(refer_url(case), {"municipality": MunicipalityFactory().pk})
    assert "Select a valid choice" in response.content.decode()


def test_homeless_distance_from_the_organisation(
    login, social_worker, case, shelter, organisation, person
):
    Beneficiary.objects.filter(pk=person.pk).update(residence_municipality=None, homeless=True)
    type(organisation.municipality).objects.filter(pk=organisation.municipality_id).update(
        centroid_lat=41.95, centroid_lon=12.5
    )
    response = login(social_worker).get(refer_url(case))
    assert response.context["origin"] == organisation.municipality
    assert "0.0 km" in response.content.decode()


def test_confidential_site_shows_no_address_nor_distance(
    login, social_worker, case, shelter, provider_organisation, town
):
    refuge = make_offering(
        provider_organisation,
        town,
        name="Women's refuge",
        confidential=True,
        public_contact="1522",
    )
    response = login(social_worker).get(refer_url(case))
    html = response.content.decode()
    assert "Women&#x27;s refuge" in html
    assert "Via Women" not in html
    assert "confidential address" in html
    row = next(o for o in response.context["page"].object_list if o.pk == refuge.pk)
    assert row.distance_km is None
    assert response.context["page"].object_list[-1].pk == refuge.pk
    referral = ReferralFactory(case=case, service=refuge.service, offering=refuge)
    detail = login(social_worker).get(reverse("workspace:referral", args=[referral.pk]))
    assert "confidential address" in detail.content.decode()
    assert "Via Women" not in detail.content.decode()


def test_refer_to_inactive_service_is_refused(login, social_worker, case, shelter):
    shelter.service.status = ServiceStatus.INACTIVE
    shelter.service.save()
    response = login(social_worker).post(
        refer_url(case), {"service": shelter.service_id, "offering": shelter.pk, "reason": "x"}
    )
    assert response.status_code == 400
    assert "This service is not taking referrals." in response.content.decode()
    assert 'role="alert"' in response.content.decode()
    assert not Referral.objects.exists()


def test_refer_without_sharing_consent_shows_why(login, social_worker, case, shelter, person):
    Consent.objects.filter(
        beneficiary=person, purpose=ConsentPurpose.SHARING_WITH_PROVIDERS
    ).update(withdrawn_on=datetime.date(2024, 2, 1))
    client = login(social_worker)
    reason = (
        "The person withdrew consent to sharing with the providers referred to on 2024-02-01: "
        "you cannot refer the case to a provider unless they give it again."
    )
    # Said on the page before searching, and again when the worker refers anyway.
    assert reason in client.get(refer_url(case)).content.decode()
    response = client.post(
        refer_url(case), {"service": shelter.service_id, "offering": shelter.pk, "reason": "x"}
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert reason in html and 'role="alert"' in html
    assert not Referral.objects.exists()
    assert not AuditEntry.objects.filter(action="referral_create").exists()


def test_refer_and_answer_write_one_audit_row_each_via_the_workspace(
    login, social_worker, provider_staff, case, shelter
):
    login(social_worker).post(
        refer_url(case), {"service": shelter.service_id, "offering": shelter.pk}
    )
    referral = Referral.objects.get(case=case)
    assert move(login(provider_staff), referral, ReferralStatus.ACCEPTED).status_code == 302
    rows = AuditEntry.objects.filter(target_id=str(referral.pk)).order_by("at", "pk")
    assert [(row.action, row.actor, row.via) for row in rows] == [
        ("referral_create", social_worker, "workspace"),
        ("referral_move", provider_staff, "workspace"),
    ]
    assert rows[1].details == {"from": "referred", "to": "accepted"}
    case.refresh_from_db()
    assert case.last_activity_at >= rows[1].at


def test_refer_offering_of_another_service_is_refused(
    login, social_worker, case, shelter, provider_organisation, town
):
    other = make_offering(provider_organisation, town, name="Canteen")
    response = login(social_worker).post(
        refer_url(case), {"service": shelter.service_id, "offering": other.pk}
    )
    assert response.status_code == 400
    assert "This site does not offer the service." in response.content.decode()
    assert not Referral.objects.exists()


def test_other_organisation_worker_gets_404(login, other_worker, case, shelter):
    client = login(other_worker)
    assert client.get(refer_url(case)).status_code == 404
    response = client.post(refer_url(case), {"service": shelter.service_id, "offering": shelter.pk})
    assert response.status_code == 404
    assert not Referral.objects.exists()
    referral = ReferralFactory(case=case, service=shelter.service, offering=shelter)
    assert client.get(reverse("workspace:referral", args=[referral.pk])).status_code == 404
    assert move(client, referral, ReferralStatus.CLOSED, reason="x").status_code == 404
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.REFERRED


def test_refer_queries_do_not_grow_with_results(
    login, social_worker, case, shelter, provider_organisation, town
):
    client = login(social_worker)
    with CaptureQueriesContext(connection) as few:
        client.get(refer_url(case))
    for number in range(12):
        CapacityFactory(offering=make_offering(provider_organisation, town, name=f"S{number}"))
    with CaptureQueriesContext(connection) as many:
        response = client.get(refer_url(case))
    assert response.context["page"].paginator.count == 13
    assert len(many) == len(few)


# --- Incoming ------------------------------------------------------------------------------


def test_incoming_lists_referrals_to_the_provider_only(
    login, provider_staff, make_member, case, shelter
):
    NeedFactory(case=case, description="Secret description of the need")
    referral = ReferralFactory(case=case, service=shelter.service, offering=shelter)
    accepted = ReferralFactory(
        case=case,
        service=ServiceFactory(organisation=shelter.service.organisation, name="Day centre"),
        status=ReferralStatus.ACCEPTED,
        responded_on=datetime.date(2024, 1, 20),
    )
    client = login(provider_staff)
    response = client.get(reverse("workspace:incoming"))
    assert response.status_code == 200
    assert [r.pk for r in response.context["page"].object_list] == [referral.pk]
    html = response.content.decode()
    assert "Rossi Anna" in html and "Night shelter" in html and "housing" in html
    assert "Secret description" not in html
    assert LogEntry.objects.filter(
        action=LogEntry.Action.ACCESS, object_pk=str(case.pk), additional_data__via="workspace-list"
    ).exists()
    response = client.get(reverse("workspace:incoming"), {"status": "all"})
    assert {r.pk for r in response.context["page"].object_list} == {referral.pk, accepted.pk}

    stranger = make_member(Role.PROVIDER_STAFF, organisation=OrganisationFactory())
    response = login(stranger).get(reverse("workspace:incoming"))
    assert list(response.context["page"].object_list) == []
    assert "Rossi Anna" not in response.content.decode()


def test_incoming_queries_do_not_grow(login, provider_staff, organisation, shelter):
    """Full, sealed and anonymous rows alike: the views of a page cost the same number of
    queries for 3 referrals as for 30."""
    client = login(provider_staff)

    def make(count):
        for number in range(count):
            kind = number % 3
            case = CaseFactory(
                beneficiary=BeneficiaryFactory(registered_by=organisation),
                protected=kind == 1,
                consents=[] if kind == 2 else None,
            )
            NeedFactory(case=case)
            ReferralFactory(case=case, service=shelter.service, offering=shelter)

    make(3)
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("workspace:incoming"))
    make(27)
    with CaptureQueriesContext(connection) as many:
        response = client.get(reverse("workspace:incoming"))
    assert response.context["page"].paginator.count == 30
    kinds = [view.kind for view in response.context["page"].object_list]
    assert {kind: kinds.count(kind) for kind in set(kinds)} == {
        "full": 9,
        "sealed": 8,
        "anonymous": 8,
    }
    assert len(many) == len(few)


def test_protected_case_referral_is_sealed_for_the_provider(
    login, provider_staff, case, shelter, person
):
    """Issue 12: the receiving service sees a protected case's referral (it was a 404, so
    a survivor could not be accepted) through the sealed view, and may answer it."""
    type(case).objects.filter(pk=case.pk).update(protected=True)
    NeedFactory(case=case, description="Secret description of the need")
    referral = ReferralFactory(case=case, service=shelter.service, offering=shelter)
    client = login(provider_staff)
    response = client.get(reverse("workspace:incoming"), {"status": "all"})
    [view] = response.context["page"].object_list
    assert (view.pk, view.kind) == (referral.pk, "sealed")
    html = response.content.decode()
    assert "sealed" in html and "housing" in html and "Secret description" not in html
    page = client.get(reverse("workspace:referral", args=[referral.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Age band" in html and "Birth year" not in html
    assert str(person.birth_date.year) not in html and person.codice_fiscale not in html
    assert "housing: high" in html and "Protected case:" in html
    assert move(client, referral, ReferralStatus.ACCEPTED).status_code == 302
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.ACCEPTED


# --- The provider answers ------------------------------------------------------------------


@pytest.fixture
def referral(case, shelter, social_worker):
    NeedFactory(case=case)
    return ReferralFactory(
        case=case, service=shelter.service, offering=shelter, reason="Sleeps outside."
    )


def test_provider_sees_the_referral_and_accepts(
    login, provider_staff, social_worker, client, referral, case
):
    client = login(provider_staff)
    url = reverse("workspace:referral", args=[referral.pk])
    response = client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Rossi Anna" in html and str(case.beneficiary.birth_date.year) in html
    assert case.organisation.name in html and "Sleeps outside." in html
    assert "housing: high" in html
    assert "Sleeps in a car." not in html  # need descriptions stay with the team
    assert [m["status"] for m in response.context["moves"]] == [
        ReferralStatus.ACCEPTED,
        ReferralStatus.WAITING,
        ReferralStatus.DECLINED,
    ]
    response = move(client, referral, ReferralStatus.ACCEPTED)
    assert response.status_code == 302 and response["Location"] == url
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.ACCEPTED
    assert referral.responded_on == timezone.localdate()
    assert referral.reason == "Sleeps outside."
    case_page = login(social_worker).get(reverse("workspace:case", args=[case.pk]))
    assert "accepted" in case_page.content.decode()


def test_decline_needs_a_reason(login, provider_staff, referral):
    response = move(login(provider_staff), referral, ReferralStatus.DECLINED, reason="  ")
    assert response.status_code == 400
    html = response.content.decode()
    assert "Say why." in html and 'role="alert"' in html
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.REFERRED and referral.responded_on is None

    response = move(login(provider_staff), referral, ReferralStatus.DECLINED, reason="No beds.")
    assert response.status_code == 302
    referral.refresh_from_db()
    assert (referral.status, referral.reason) == (ReferralStatus.DECLINED, "No beds.")


def test_wait_list_then_start(login, provider_staff, referral):
    client = login(provider_staff)
    assert move(client, referral, ReferralStatus.WAITING).status_code == 302
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.WAITING
    response = move(client, referral, ReferralStatus.ACTIVE, on=timezone.localdate().isoformat())
    assert response.status_code == 302
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.ACTIVE
    assert referral.started_on == timezone.localdate()


def test_team_cannot_accept_but_may_withdraw(login, social_worker, referral):
    client = login(social_worker)
    response = client.get(reverse("workspace:referral", args=[referral.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert ">Accept</button>" not in html
    assert "Close (withdraw)" in html
    response = move(client, referral, ReferralStatus.ACCEPTED)
    assert response.status_code == 400
    assert "Only the receiving service can make this change." in response.content.decode()
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.REFERRED

    response = move(client, referral, ReferralStatus.CLOSED, reason="Found a room.")
    assert response.status_code == 302
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.CLOSED and referral.ended_on == timezone.localdate()


def test_stale_version_is_a_conflict(login, provider_staff, referral):
    stale_version = referral.version
    referral.status = ReferralStatus.WAITING
    referral.save()
    response = login(provider_staff).post(
        reverse("workspace:referral-move", args=[referral.pk]),
        {"status": ReferralStatus.DECLINED, "version": stale_version, "reason": "Full."},
    )
    assert response.status_code == 409
    html = response.content.decode()
    assert "This referral changed meanwhile" in html and "waiting list" in html
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.WAITING and referral.reason == "Sleeps outside."


def test_date_before_the_referral_is_refused(login, provider_staff, referral):
    response = move(login(provider_staff), referral, ReferralStatus.ACCEPTED, on="2020-01-01")
    assert response.status_code == 400
    assert "The date cannot be before the referral." in response.content.decode()
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.REFERRED


def test_other_provider_gets_404(login, make_member, referral):
    stranger = make_member(Role.PROVIDER_STAFF, organisation=OrganisationFactory())
    client = login(stranger)
    assert client.get(reverse("workspace:referral", args=[referral.pk])).status_code == 404
    assert move(client, referral, ReferralStatus.ACCEPTED).status_code == 404
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.REFERRED


def test_referral_page_writes_one_access_log_row(login, provider_staff, referral, case):
    before = LogEntry.objects.filter(action=LogEntry.Action.ACCESS).count()
    login(provider_staff).get(reverse("workspace:referral", args=[referral.pk]))
    rows = LogEntry.objects.filter(action=LogEntry.Action.ACCESS)
    assert rows.count() == before + 1
    row = rows.latest("timestamp")
    assert row.object_pk == str(case.pk) and row.additional_data["via"] == "workspace"


def test_re_rendered_referral_pages_write_their_access_log_row(
    login, provider_staff, referral, case
):
    """The refused, invalid and stale answers show the person again: each writes its row."""
    client = login(provider_staff)
    rows = LogEntry.objects.filter(action=LogEntry.Action.ACCESS, object_pk=str(case.pk))
    url = reverse("workspace:referral-move", args=[referral.pk])
    assert client.post(url, {"status": ReferralStatus.ACCEPTED}).status_code == 400  # no version
    assert move(client, referral, ReferralStatus.DECLINED, reason="  ").status_code == 400
    stale = referral.version
    referral.status = ReferralStatus.WAITING
    referral.save()
    response = client.post(
        url, {"status": ReferralStatus.DECLINED, "version": stale, "reason": "x"}
    )
    assert response.status_code == 409
    assert rows.count() == 3
    assert {row.additional_data["via"] for row in rows} == {"workspace"}


def test_a_move_the_state_does_not_allow_is_a_conflict(login, provider_staff, referral):
    response = move(login(provider_staff), referral, ReferralStatus.ACTIVE)
    assert response.status_code == 409
    assert "A referral cannot go from referred to active." in response.content.decode()
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.REFERRED


def test_a_refused_referral_writes_the_pages_access_log_row(
    login, social_worker, case, shelter, provider_organisation, town
):
    other = make_offering(provider_organisation, town, name="Canteen")
    response = login(social_worker).post(
        refer_url(case), {"service": shelter.service_id, "offering": other.pk}
    )
    assert response.status_code == 400
    rows = LogEntry.objects.filter(action=LogEntry.Action.ACCESS)
    assert [(row.object_pk, row.additional_data["via"]) for row in rows] == [
        (str(case.pk), "workspace")
    ]
