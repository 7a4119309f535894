"""The placement domain functions: precise messages before the database's last word.

The acting user is a social worker of the cases' organisation (the case team); the cases
carry the person's consent to housing (``CaseFactory``'s default). Who may place, and the
consent, are tested per action in ``test_actions.py``."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from beneficiaries.models import CaseOutcome, CaseStatus
from housing.actions.placements import peak_occupancy, placement_create, placement_end
from housing.models import Placement, UnitStatus
from services.models import Role
from tests.factories import CaseFactory, HousingUnitFactory, PlacementFactory

pytestmark = pytest.mark.django_db

TODAY = datetime.date.today()


def days(n: int) -> datetime.date:
    return TODAY + datetime.timedelta(days=n)


@pytest.fixture
def worker(make_member):
    return make_member(Role.SOCIAL_WORKER)


@pytest.fixture
def new_case(organisation):
    """Make a case of the worker's organisation."""

    def make(**fields):
        fields.setdefault("beneficiary__registered_by", organisation)
        return CaseFactory(**fields)

    return make


def test_placing_in_the_last_place_makes_the_unit_occupied(worker, new_case):
    unit = HousingUnitFactory(places=1, status=UnitStatus.AVAILABLE)
    case = new_case()

    placement = placement_create(acting_user=worker, unit=unit, case=case, starts_on=days(-1))

    assert placement.beneficiary_id == case.beneficiary_id
    unit.refresh_from_db()
    assert (unit.status, unit.status_since) == (UnitStatus.OCCUPIED, TODAY)


def test_a_unit_with_places_left_stays_available(worker, new_case):
    unit = HousingUnitFactory(places=2, status=UnitStatus.AVAILABLE)
    placement_create(acting_user=worker, unit=unit, case=new_case(), starts_on=days(-1))
    unit.refresh_from_db()
    assert unit.status == UnitStatus.AVAILABLE


def test_a_full_unit_is_refused_with_the_number_of_places(worker, new_case):
    unit = HousingUnitFactory(places=1, status=UnitStatus.OCCUPIED)
    PlacementFactory(unit=unit, starts_on=days(-30), ends_on=None)

    with pytest.raises(ValidationError) as error:
        placement_create(acting_user=worker, unit=unit, case=new_case(), starts_on=days(0))

    assert error.value.message_dict == {"unit": ["The unit has 1 place, taken in this period."]}
    assert Placement.objects.filter(unit=unit).count() == 1


def test_a_person_already_placed_elsewhere_is_refused(worker, new_case):
    case = new_case()
    PlacementFactory(case=case, starts_on=days(-10), ends_on=days(10))

    with pytest.raises(ValidationError) as error:
        placement_create(
            acting_user=worker, unit=HousingUnitFactory(places=3), case=case, starts_on=days(5)
        )

    assert error.value.message_dict == {
        "starts_on": ["This person already has a placement in this period."]
    }


@pytest.mark.parametrize(
    "status", [UnitStatus.IDENTIFIED, UnitStatus.RENOVATING, UnitStatus.UNAVAILABLE]
)
def test_units_not_ready_take_no_placement(worker, new_case, status):
    unit = HousingUnitFactory(status=status)
    with pytest.raises(ValidationError) as error:
        placement_create(acting_user=worker, unit=unit, case=new_case(), starts_on=TODAY)
    assert list(error.value.message_dict) == ["unit"]
    assert not Placement.objects.exists()


def test_closed_case_and_empty_period_are_refused_by_field(worker, new_case):
    # The case's state is checked first (the case team's rule for every change to a case),
    # then the period.
    closed = new_case(status=CaseStatus.CLOSED, closed_on=days(-1), outcome=CaseOutcome.GOALS_MET)
    with pytest.raises(ValidationError) as error:
        placement_create(
            acting_user=worker,
            unit=HousingUnitFactory(),
            case=closed,
            starts_on=days(3),
            ends_on=days(3),
        )
    assert list(error.value.message_dict) == ["case"]
    assert "This case is closed" in error.value.message_dict["case"][0]
    with pytest.raises(ValidationError) as error:
        placement_create(
            acting_user=worker,
            unit=HousingUnitFactory(),
            case=new_case(),
            starts_on=days(3),
            ends_on=days(3),
        )
    assert error.value.message_dict == {"ends_on": ["The end date must be after the start date."]}
    assert not Placement.objects.exists()


def test_peak_occupancy_counts_the_busiest_day_not_every_overlap():
    unit = HousingUnitFactory(places=2)
    PlacementFactory(unit=unit, starts_on=days(0), ends_on=days(10))
    PlacementFactory(unit=unit, starts_on=days(10), ends_on=days(20))
    assert peak_occupancy(unit, days(5), days(15)) == 1
    PlacementFactory(unit=unit, starts_on=days(12), ends_on=None)
    assert peak_occupancy(unit, days(5), days(15)) == 2
    assert peak_occupancy(unit, days(30), None) == 1


def test_ending_the_last_placement_makes_the_unit_available_again(worker, new_case):
    unit = HousingUnitFactory(places=1, status=UnitStatus.AVAILABLE)
    placement = placement_create(
        acting_user=worker, unit=unit, case=new_case(), starts_on=days(-20)
    )

    placement_end(acting_user=worker, placement=placement, ends_on=TODAY, reason="Moved out")

    placement.refresh_from_db()
    unit.refresh_from_db()
    assert (placement.ends_on, placement.end_reason) == (TODAY, "Moved out")
    assert unit.status == UnitStatus.AVAILABLE


def test_ending_needs_a_reason_and_a_later_date(worker, new_case):
    placement = PlacementFactory(case=new_case(), starts_on=days(-5), ends_on=None)
    with pytest.raises(ValidationError) as error:
        placement_end(acting_user=worker, placement=placement, ends_on=days(1), reason=" ")
    assert error.value.message_dict == {"end_reason": ["Say why the placement ends."]}
    with pytest.raises(ValidationError) as error:
        placement_end(acting_user=worker, placement=placement, ends_on=days(-5), reason="x")
    assert error.value.message_dict == {"ends_on": ["The end date must be after the start date."]}
    placement.refresh_from_db()
    assert placement.ends_on is None
