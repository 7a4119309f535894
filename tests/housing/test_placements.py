"""The placement domain functions: precise messages before the database's last word."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from beneficiaries.models import CaseOutcome, CaseStatus
from housing.models import Placement, UnitStatus
from housing.actions.placements import peak_occupancy, placement_create, placement_end
from tests.factories import CaseFactory, HousingUnitFactory, PlacementFactory, UserFactory

pytestmark = pytest.mark.django_db

TODAY = datetime.date.today()


def days(n: int) -> datetime.date:
    return TODAY + datetime.timedelta(days=n)


def test_placing_in_the_last_place_makes_the_unit_occupied():
    unit = HousingUnitFactory(places=1, status=UnitStatus.AVAILABLE)
    case = CaseFactory()

    placement = placement_create(actor=UserFactory(), unit=unit, case=case, starts_on=days(-1))

    assert placement.beneficiary_id == case.beneficiary_id
    unit.refresh_from_db()
    assert (unit.status, unit.status_since) == (UnitStatus.OCCUPIED, TODAY)


def test_a_unit_with_places_left_stays_available():
    unit = HousingUnitFactory(places=2, status=UnitStatus.AVAILABLE)
    placement_create(actor=UserFactory(), unit=unit, case=CaseFactory(), starts_on=days(-1))
    unit.refresh_from_db()
    assert unit.status == UnitStatus.AVAILABLE


def test_a_full_unit_is_refused_with_the_number_of_places():
    unit = HousingUnitFactory(places=1, status=UnitStatus.OCCUPIED)
    PlacementFactory(unit=unit, starts_on=days(-30), ends_on=None)

    with pytest.raises(ValidationError) as error:
        placement_create(actor=UserFactory(), unit=unit, case=CaseFactory(), starts_on=days(0))

    assert error.value.message_dict == {"unit": ["The unit has 1 place, taken in this period."]}
    assert Placement.objects.filter(unit=unit).count() == 1


def test_a_person_already_placed_elsewhere_is_refused():
    case = CaseFactory()
    PlacementFactory(case=case, starts_on=days(-10), ends_on=days(10))

    with pytest.raises(ValidationError) as error:
        placement_create(
            actor=UserFactory(), unit=HousingUnitFactory(places=3), case=case, starts_on=days(5)
        )

    assert error.value.message_dict == {
        "starts_on": ["This person already has a placement in this period."]
    }


@pytest.mark.parametrize(
    "status", [UnitStatus.IDENTIFIED, UnitStatus.RENOVATING, UnitStatus.UNAVAILABLE]
)
def test_units_not_ready_take_no_placement(status):
    unit = HousingUnitFactory(status=status)
    with pytest.raises(ValidationError) as error:
        placement_create(actor=UserFactory(), unit=unit, case=CaseFactory(), starts_on=TODAY)
    assert list(error.value.message_dict) == ["unit"]
    assert not Placement.objects.exists()


def test_closed_case_and_empty_period_are_refused_by_field():
    case = CaseFactory(status=CaseStatus.CLOSED, closed_on=days(-1), outcome=CaseOutcome.GOALS_MET)
    with pytest.raises(ValidationError) as error:
        placement_create(
            actor=UserFactory(),
            unit=HousingUnitFactory(),
            case=case,
            starts_on=days(3),
            ends_on=days(3),
        )
    assert error.value.message_dict == {
        "ends_on": ["The end date must be after the start date."],
        "case": ["The case is closed."],
    }


def test_peak_occupancy_counts_the_busiest_day_not_every_overlap():
    unit = HousingUnitFactory(places=2)
    PlacementFactory(unit=unit, starts_on=days(0), ends_on=days(10))
    PlacementFactory(unit=unit, starts_on=days(10), ends_on=days(20))
    assert peak_occupancy(unit, days(5), days(15)) == 1
    PlacementFactory(unit=unit, starts_on=days(12), ends_on=None)
    assert peak_occupancy(unit, days(5), days(15)) == 2
    assert peak_occupancy(unit, days(30), None) == 1


def test_ending_the_last_placement_makes_the_unit_available_again():
    unit = HousingUnitFactory(places=1, status=UnitStatus.AVAILABLE)
    placement = placement_create(
        actor=UserFactory(), unit=unit, case=CaseFactory(), starts_on=days(-20)
    )

    placement_end(actor=UserFactory(), placement=placement, ends_on=TODAY, reason="Moved out")

    placement.refresh_from_db()
    unit.refresh_from_db()
    assert (placement.ends_on, placement.end_reason) == (TODAY, "Moved out")
    assert unit.status == UnitStatus.AVAILABLE


def test_ending_needs_a_reason_and_a_later_date():
    placement = PlacementFactory(starts_on=days(-5), ends_on=None)
    with pytest.raises(ValidationError) as error:
        placement_end(actor=UserFactory(), placement=placement, ends_on=days(1), reason=" ")
    assert error.value.message_dict == {"end_reason": ["Say why the placement ends."]}
    with pytest.raises(ValidationError) as error:
        placement_end(actor=UserFactory(), placement=placement, ends_on=days(-5), reason="x")
    assert error.value.message_dict == {"ends_on": ["The end date must be after the start date."]}
    placement.refresh_from_db()
    assert placement.ends_on is None
