"""Housing in the workspace: find a unit that fits, place the person, end a placement."""

import datetime

import pytest
from auditlog.models import LogEntry
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import formats, timezone

from beneficiaries.models import CaseOutcome, CaseStatus
from housing.models import Placement, UnitStatus, UnitType
from services.models import Role
from tests.factories import (
    CaseFactory,
    HousingUnitFactory,
    MembershipFactory,
    MunicipalityFactory,
    PlacementFactory,
)

pytestmark = pytest.mark.django_db

# Read when the module is collected: a form's default date is read again at the assertion,
# so that a run across midnight (Italian time) does not compare two days.
TODAY = timezone.localdate()


def days(n: int) -> datetime.date:
    return TODAY + datetime.timedelta(days=n)


def short(day: datetime.date) -> str:
    return formats.date_format(day, "SHORT_DATE_FORMAT")


def find_url(case) -> str:
    return reverse("workspace:housing", args=[case.pk])


def place_url(case, unit) -> str:
    return reverse("workspace:place", args=[case.pk, unit.pk])


def end_url(placement) -> str:
    return reverse("workspace:placement-end", args=[placement.pk])


def codes(response) -> list[str]:
    return [unit.code for unit in response.context["units"]]


@pytest.fixture
def town(organisation):
    """Make a municipality in the metropolitan city of the case's organisation."""
    metro = organisation.municipality.metropolitan_city

    def make(**fields):
        return MunicipalityFactory(metropolitan_city=metro, **fields)

    return make


@pytest.fixture
def make_unit(town, provider_organisation):
    """A unit in the organisation's metropolitan city, owned by the provider."""
    default_town = town()

    def make(**fields):
        fields.setdefault("municipality", default_town)
        fields.setdefault("owner", provider_organisation)
        return HousingUnitFactory(**fields)

    return make


def other_case():
    """A case of another person, to fill units with."""
    return CaseFactory()


# --- Find -------------------------------------------------------------------------------


def test_find_shows_units_that_fit_with_their_free_places(login, social_worker, case, make_unit):
    fits = make_unit(code="FIT-1", places=3)
    PlacementFactory(unit=fits, case=other_case(), starts_on=days(-20))
    full = make_unit(code="FULL-1", places=2, status=UnitStatus.OCCUPIED)
    PlacementFactory(unit=full, case=other_case(), starts_on=days(-20))
    PlacementFactory(unit=full, case=other_case(), starts_on=days(-5))
    make_unit(code="SMALL-1", places=1)
    make_unit(code="RENOV-1", places=4, status=UnitStatus.RENOVATING)
    make_unit(code="GONE-1", places=4, status=UnitStatus.UNAVAILABLE)
    HousingUnitFactory(code="FAR-1", places=4)  # another metropolitan city

    response = login(social_worker).get(find_url(case), {"places": 2})

    assert response.status_code == 200
    assert codes(response) == ["FIT-1"]
    assert response.context["units"][0].free_places == 2
    html = response.content.decode()
    assert "FIT-1" in html
    assert '<td class="number">2</td>' in html
    assert "1 unit with enough free places" in html
    for hidden in ("FULL-1", "SMALL-1", "RENOV-1", "GONE-1", "FAR-1"):
        assert hidden not in html
    assert place_url(case, fits) in html


def test_find_opens_with_defaults(login, social_worker, case, make_unit):
    make_unit(code="ONE-1", places=1)
    response = login(social_worker).get(find_url(case))
    assert response.status_code == 200
    assert codes(response) == ["ONE-1"]
    html = response.content.decode()
    assert 'name="places" value="1"' in html
    assert f'name="starts_on" value="{timezone.localdate().isoformat()}"' in html
    assert "Find housing for Rossi Anna" in html


def test_free_places_are_counted_on_the_start_date(login, social_worker, case, make_unit):
    unit = make_unit(code="LATER-1", places=1, status=UnitStatus.OCCUPIED)
    PlacementFactory(unit=unit, case=other_case(), starts_on=days(-10), ends_on=days(10))
    client = login(social_worker)
    assert codes(client.get(find_url(case), {"starts_on": TODAY.isoformat()})) == []
    response = client.get(find_url(case), {"starts_on": days(10).isoformat()})
    assert codes(response) == ["LATER-1"]
    assert response.context["units"][0].free_places == 1


def test_find_barrier_free_only_when_asked(login, social_worker, case, make_unit):
    make_unit(code="STEPS-1")
    make_unit(code="LIFT-1", barrier_free=True)
    client = login(social_worker)
    assert sorted(codes(client.get(find_url(case)))) == ["LIFT-1", "STEPS-1"]
    response = client.get(find_url(case), {"barrier_free": "on"})
    assert codes(response) == ["LIFT-1"]
    assert "STEPS-1" not in response.content.decode()


def test_find_by_municipality_and_type(login, social_worker, case, town, make_unit):
    here, there = town(name="Tivoli"), town(name="Frascati")
    make_unit(code="HF-1", municipality=here, unit_type=UnitType.HOUSING_FIRST)
    make_unit(code="ERP-1", municipality=here, unit_type=UnitType.PUBLIC_HOUSING)
    make_unit(code="HF-2", municipality=there, unit_type=UnitType.HOUSING_FIRST)
    outside = MunicipalityFactory(name="Comune Lontano")
    client = login(social_worker)

    response = client.get(find_url(case), {"municipality": here.pk, "unit_type": "housing_first"})

    assert codes(response) == ["HF-1"]
    html = response.content.decode()
    assert ">Tivoli</option>" in html and ">Frascati</option>" in html
    assert "Comune Lontano" not in html
    assert "Housing First flat" in html
    # A municipality outside the metropolitan city is not a choice.
    response = client.get(find_url(case), {"municipality": outside.pk})
    assert response.status_code == 400
    assert "Select a valid choice." in response.content.decode()


def test_find_puts_the_residence_municipality_first(
    login, social_worker, case, person, town, make_unit
):
    home, first_by_name = town(name="Zagarolo"), town(name="Albano")
    person.residence_municipality = home
    person.save()
    make_unit(code="B-1", municipality=first_by_name)
    make_unit(code="A-1", municipality=home)
    make_unit(code="C-1", municipality=town(name="Marino"))
    response = login(social_worker).get(find_url(case))
    assert codes(response) == ["A-1", "B-1", "C-1"]


def test_find_refuses_bad_filters(login, social_worker, case, make_unit):
    make_unit(code="ONE-1")
    response = login(social_worker).get(find_url(case), {"places": "0", "starts_on": "soon"})
    assert response.status_code == 400
    html = response.content.decode()
    assert 'role="alert"' in html
    assert "Ensure this value is greater than or equal to 1." in html
    assert "Enter a valid date." in html
    assert response.context.get("units") is None


def test_find_caps_the_results_and_tells_the_total(
    login, social_worker, case, make_unit, monkeypatch
):
    from workspace.views import housing

    for n in range(4):
        make_unit(code=f"CAP-{n}")
    monkeypatch.setattr(housing, "RESULTS_CAP", 3)
    response = login(social_worker).get(find_url(case))
    assert codes(response) == ["CAP-0", "CAP-1", "CAP-2"]
    html = response.content.decode()
    assert "4 units with enough free places" in html
    assert "Showing the first 3" in html


def test_confidential_address_hidden_from_non_owners(login, social_worker, case, make_unit):
    make_unit(code="SAFE-1", confidential=True, address="Via Protetta 8")
    make_unit(code="OPEN-1", address="Via Aperta 3")
    response = login(social_worker).get(find_url(case))
    html = response.content.decode()
    assert "SAFE-1" in html
    assert "Via Protetta 8" not in html
    assert "confidential address" in html
    # Like the API: a flat's address is where someone lives; only its owner shows it.
    assert "Via Aperta 3" not in html
    assert "given by the owner organisation" in html


def test_confidential_address_shown_to_owner_members(
    login, social_worker, case, make_unit, provider_organisation
):
    MembershipFactory(
        user=social_worker, organisation=provider_organisation, role=Role.PROVIDER_STAFF
    )
    unit = make_unit(code="SAFE-1", confidential=True, address="Via Protetta 8")
    client = login(social_worker)
    assert "Via Protetta 8" in client.get(find_url(case)).content.decode()
    assert "Via Protetta 8" in client.get(place_url(case, unit)).content.decode()


def test_confidential_address_hidden_on_the_place_and_end_pages(
    login, social_worker, case, make_unit
):
    unit = make_unit(code="SAFE-1", confidential=True, address="Via Protetta 8", places=2)
    placement = PlacementFactory(unit=unit, case=case, starts_on=days(-3))
    client = login(social_worker)
    for url in (place_url(case, unit), end_url(placement)):
        html = client.get(url).content.decode()
        assert "SAFE-1" in html
        assert "Via Protetta 8" not in html
        assert "confidential address" in html


def test_find_queries_do_not_grow_with_the_units(
    login, social_worker, case, make_unit, provider_organisation
):
    client = login(social_worker)

    def make_units(count):
        for _ in range(count):
            unit = make_unit(places=2)
            PlacementFactory(unit=unit, case=other_case(), starts_on=days(-1))

    make_units(2)
    with CaptureQueriesContext(connection) as few:
        response = client.get(find_url(case))
    assert len(response.context["units"]) == 2
    make_units(25)
    with CaptureQueriesContext(connection) as many:
        response = client.get(find_url(case))
    assert len(response.context["units"]) == 27
    assert len(many) == len(few)


# --- Place ------------------------------------------------------------------------------


def test_place_page_shows_unit_and_person_and_logs_once(login, social_worker, case, make_unit):
    unit = make_unit(code="HF-7", address="Via Roma 1")
    response = login(social_worker).get(place_url(case, unit), {"starts_on": days(3).isoformat()})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Place Rossi Anna in HF-7" in html
    assert "Via Roma 1" not in html
    assert f'name="starts_on" value="{days(3).isoformat()}"' in html
    rows = list(LogEntry.objects.filter(action=LogEntry.Action.ACCESS))
    assert [(r.object_pk, r.actor, r.additional_data["via"]) for r in rows] == [
        (str(case.pk), social_worker, "workspace")
    ]


def test_place_happy_path(login, social_worker, case, make_unit):
    unit = make_unit(code="HF-7", places=1, status=UnitStatus.AVAILABLE)
    client = login(social_worker)

    response = client.post(place_url(case, unit), {"starts_on": TODAY.isoformat(), "ends_on": ""})

    assert response.status_code == 302
    assert response["Location"] == reverse("workspace:case", args=[case.pk])
    placement = Placement.objects.get()
    assert (placement.unit, placement.case, placement.beneficiary_id) == (
        unit,
        case,
        case.beneficiary_id,
    )
    assert (placement.starts_on, placement.ends_on) == (TODAY, None)
    unit.refresh_from_db()
    assert unit.status == UnitStatus.OCCUPIED
    case.refresh_from_db()
    assert case.last_activity_at is not None
    page = client.get(response["Location"]).content.decode()
    assert f"Placed in HF-7 from {short(TODAY)}." in page


def test_place_with_a_planned_end_keeps_a_unit_with_places_available(
    login, social_worker, case, make_unit
):
    unit = make_unit(places=2)
    response = login(social_worker).post(
        place_url(case, unit), {"starts_on": days(1).isoformat(), "ends_on": days(90).isoformat()}
    )
    assert response.status_code == 302
    assert Placement.objects.get().ends_on == days(90)
    unit.refresh_from_db()
    assert unit.status == UnitStatus.AVAILABLE


def test_place_in_a_full_unit_is_a_conflict(login, social_worker, case, make_unit):
    unit = make_unit(code="FULL-1", places=2, status=UnitStatus.OCCUPIED)
    PlacementFactory(unit=unit, case=other_case(), starts_on=days(-20))
    PlacementFactory(unit=unit, case=other_case(), starts_on=days(-5))

    response = login(social_worker).post(place_url(case, unit), {"starts_on": TODAY.isoformat()})

    assert response.status_code == 409
    html = response.content.decode()
    assert 'role="alert"' in html
    assert "The unit has 2 places, all taken in this period." in html
    assert Placement.objects.filter(case=case).count() == 0
    assert Placement.objects.count() == 2


def test_place_a_person_already_placed_elsewhere_is_refused(login, social_worker, case, make_unit):
    PlacementFactory(unit=make_unit(code="OLD-1"), case=case, starts_on=days(-10), ends_on=days(10))
    unit = make_unit(code="NEW-1", places=3)

    response = login(social_worker).post(place_url(case, unit), {"starts_on": days(5).isoformat()})

    assert response.status_code == 409
    assert "This person already has a placement in this period." in response.content.decode()
    assert not Placement.objects.filter(unit=unit).exists()


def test_place_end_before_start_is_bad_input(login, social_worker, case, make_unit):
    unit = make_unit()
    response = login(social_worker).post(
        place_url(case, unit), {"starts_on": days(5).isoformat(), "ends_on": days(2).isoformat()}
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "The end date must be after the start date." in html
    assert 'aria-describedby="id_ends_on_helptext id_ends_on_error"' in html
    assert not Placement.objects.exists()


def test_place_with_an_invalid_date_is_bad_input(login, social_worker, case, make_unit):
    unit = make_unit()
    response = login(social_worker).post(place_url(case, unit), {"starts_on": "tomorrow"})
    assert response.status_code == 400
    assert "Enter a valid date." in response.content.decode()
    assert not Placement.objects.exists()


@pytest.mark.parametrize(
    ("status", "shown"),
    [(UnitStatus.IDENTIFIED, "identified"), (UnitStatus.RENOVATING, "being renovated")],
)
def test_place_in_a_unit_not_ready_is_refused(login, social_worker, case, make_unit, status, shown):
    unit = make_unit(status=status, places=3)
    client = login(social_worker)
    assert "only available or occupied units" in client.get(place_url(case, unit)).content.decode()

    response = client.post(place_url(case, unit), {"starts_on": TODAY.isoformat()})

    assert response.status_code == 409
    assert (
        f"The unit is {shown}: only available or occupied units take placements."
        in response.content.decode()
    )
    assert not Placement.objects.exists()
    unit.refresh_from_db()
    assert unit.status == status


def test_place_for_a_closed_case_is_refused(login, social_worker, case, make_unit):
    type(case).objects.filter(pk=case.pk).update(
        status=CaseStatus.CLOSED, closed_on=days(-1), outcome=CaseOutcome.GOALS_MET
    )
    response = login(social_worker).post(
        place_url(case, make_unit()), {"starts_on": TODAY.isoformat()}
    )
    assert response.status_code == 409
    # The case team's one rule for every change to a closed case (case_for_work).
    assert (
        f"This case is closed (on {days(-1).isoformat()}): it can no longer be changed."
        in response.content.decode()
    )
    assert not Placement.objects.exists()


# --- End a placement ---------------------------------------------------------------------


@pytest.fixture
def placement(case, make_unit):
    unit = make_unit(code="HF-9", places=1, status=UnitStatus.OCCUPIED)
    return PlacementFactory(unit=unit, case=case, starts_on=days(-30))


def test_end_placement_happy_path(login, social_worker, case, placement):
    client = login(social_worker)
    page = client.get(end_url(placement))
    assert page.status_code == 200
    assert f'name="ends_on" value="{timezone.localdate().isoformat()}"' in page.content.decode()

    response = client.post(
        end_url(placement), {"ends_on": TODAY.isoformat(), "reason": "Moved to her own flat"}
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("workspace:case", args=[case.pk])
    placement.refresh_from_db()
    assert (placement.ends_on, placement.end_reason) == (TODAY, "Moved to her own flat")
    placement.unit.refresh_from_db()
    assert placement.unit.status == UnitStatus.AVAILABLE
    html = client.get(response["Location"]).content.decode()
    assert f"The placement in HF-9 ends on {short(TODAY)}." in html


def test_end_placement_needs_a_reason(login, social_worker, placement):
    response = login(social_worker).post(
        end_url(placement), {"ends_on": TODAY.isoformat(), "reason": ""}
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert 'role="alert"' in html
    assert "Say why the placement ends." in html
    placement.refresh_from_db()
    assert (placement.ends_on, placement.end_reason) == (None, "")


def test_end_placement_before_it_starts_is_refused(login, social_worker, placement):
    response = login(social_worker).post(
        end_url(placement), {"ends_on": days(-40).isoformat(), "reason": "Mistake"}
    )
    assert response.status_code == 400
    assert "The end date must be after the start date." in response.content.decode()
    placement.refresh_from_db()
    assert placement.ends_on is None


def test_end_placement_cannot_extend_a_planned_end(login, social_worker, case, make_unit):
    placement = PlacementFactory(
        unit=make_unit(places=1), case=case, starts_on=days(-10), ends_on=days(20)
    )
    response = login(social_worker).post(
        end_url(placement), {"ends_on": days(40).isoformat(), "reason": "Extended"}
    )
    assert response.status_code == 400
    assert "here it can only end earlier" in response.content.decode()
    placement.refresh_from_db()
    assert (placement.ends_on, placement.end_reason) == (days(20), "")


def test_an_ended_placement_cannot_end_again(login, social_worker, case, make_unit):
    placement = PlacementFactory(
        unit=make_unit(), case=case, starts_on=days(-10), ends_on=days(-2), end_reason="Left"
    )
    response = login(social_worker).post(
        end_url(placement), {"ends_on": days(-5).isoformat(), "reason": "Again"}
    )
    assert response.status_code == 409
    assert f"This placement already ended on {short(days(-2))}." in response.content.decode()
    placement.refresh_from_db()
    assert (placement.ends_on, placement.end_reason) == (days(-2), "Left")


# --- Who may -----------------------------------------------------------------------------


def test_another_organisation_gets_404_everywhere(login, other_worker, case, make_unit, placement):
    unit = make_unit(places=3)
    client = login(other_worker)
    assert client.get(find_url(case)).status_code == 404
    assert client.get(place_url(case, unit)).status_code == 404
    assert client.post(place_url(case, unit), {"starts_on": TODAY.isoformat()}).status_code == 404
    assert client.get(end_url(placement)).status_code == 404
    response = client.post(end_url(placement), {"ends_on": TODAY.isoformat(), "reason": "x"})
    assert response.status_code == 404
    assert not Placement.objects.filter(unit=unit).exists()
    placement.refresh_from_db()
    assert placement.ends_on is None
    assert not LogEntry.objects.filter(action=LogEntry.Action.ACCESS).exists()


def test_provider_staff_cannot_place_or_end(login, provider_staff, case, make_unit, placement):
    # Even the staff of the organisation that owns the unit: placing is casework.
    unit = make_unit(places=3)
    client = login(provider_staff)
    for url in (find_url(case), place_url(case, unit), end_url(placement)):
        assert client.get(url).status_code in (403, 404)
    response = client.post(place_url(case, unit), {"starts_on": TODAY.isoformat()})
    assert response.status_code in (403, 404)
    response = client.post(end_url(placement), {"ends_on": TODAY.isoformat(), "reason": "x"})
    assert response.status_code in (403, 404)
    assert not Placement.objects.filter(unit=unit).exists()
    placement.refresh_from_db()
    assert placement.ends_on is None


def test_a_visible_placement_of_another_team_is_404(
    login, make_member, other_organisation, provider_organisation, placement
):
    # A worker of another organisation who is also staff of the unit's owner sees the
    # placement (owner staff do) but it is not a case of their team.
    worker = make_member(Role.SOCIAL_WORKER, organisation=other_organisation)
    MembershipFactory(user=worker, organisation=provider_organisation, role=Role.PROVIDER_STAFF)
    assert Placement.objects.visible_to(worker).filter(pk=placement.pk).exists()
    client = login(worker)
    assert client.get(end_url(placement)).status_code == 404
    response = client.post(end_url(placement), {"ends_on": TODAY.isoformat(), "reason": "x"})
    assert response.status_code == 404
    placement.refresh_from_db()
    assert placement.ends_on is None


def test_find_page_logs_the_case_once(login, social_worker, case, make_unit):
    make_unit()
    login(social_worker).get(find_url(case))
    rows = list(LogEntry.objects.filter(action=LogEntry.Action.ACCESS))
    assert [(r.object_pk, r.actor, r.additional_data["via"]) for r in rows] == [
        (str(case.pk), social_worker, "workspace")
    ]
