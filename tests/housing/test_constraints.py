"""Housing invariants held by the database: Meta constraints, and the PostgreSQL exclusion
constraint and triggers of migration ``housing/0002_placement_invariants``."""

import datetime

import pytest

from housing.models import HousingUnit, Placement
from tests.factories import CaseFactory, HousingUnitFactory, PlacementFactory
from tests.integrity import violates

pytestmark = pytest.mark.django_db


def day(month: int, dd: int = 1, year: int = 2024) -> datetime.date:
    return datetime.date(year, month, dd)


TODAY = datetime.date.today()
YEARS_AGO = TODAY - datetime.timedelta(days=3 * 365)
IN_A_YEAR = TODAY + datetime.timedelta(days=365)
IN_TWO_YEARS = TODAY + datetime.timedelta(days=2 * 365)


# --- Meta constraints ------------------------------------------------------------------


def test_unit_code_unique():
    unit = HousingUnitFactory()
    with violates("housing_housingunit_code_key"):
        HousingUnitFactory(code=unit.code)


def test_unit_at_least_one_place():
    with violates("unit_at_least_one_place"):
        HousingUnitFactory(places=0)


def test_unit_at_least_one_room():
    with violates("unit_at_least_one_room"):
        HousingUnitFactory(rooms=0)


def test_unit_type_known():
    with violates("unit_type_known"):
        HousingUnitFactory(unit_type="castle")


def test_unit_status_known():
    unit = HousingUnitFactory()
    with violates("unit_status_known"):
        HousingUnit.objects.filter(pk=unit.pk).update(status="demolished")


def test_placement_ends_after_start():
    with violates("placement_ends_after_start"):
        PlacementFactory(starts_on=day(3), ends_on=day(3))


def test_placement_ending_before_start_is_refused_as_a_constraint_violation():
    unit = HousingUnitFactory(places=2)
    # Another placement in the unit: the trigger then builds the new range for every row
    # it compares, whatever plan PostgreSQL has cached for it.
    PlacementFactory(unit=unit, starts_on=day(1), ends_on=None)
    with violates("placement_ends_after_start"):
        PlacementFactory(unit=unit, starts_on=day(3), ends_on=day(2))


# --- One person is never placed twice at once -------------------------------------------


def test_overlapping_placements_of_one_person_across_cases_and_units_rejected():
    first_case = CaseFactory()
    # The same person, taken in charge by another organisation.
    second_case = CaseFactory(beneficiary=first_case.beneficiary)
    PlacementFactory(case=first_case, starts_on=day(1), ends_on=day(3))
    with violates("placement_no_overlap_per_person"):
        PlacementFactory(case=second_case, starts_on=day(2), ends_on=day(4))


def test_open_ended_placement_of_one_person_overlaps_every_later_one():
    first_case = CaseFactory()
    second_case = CaseFactory(beneficiary=first_case.beneficiary)
    PlacementFactory(case=first_case, starts_on=day(1), ends_on=None)
    with violates("placement_no_overlap_per_person"):
        PlacementFactory(case=second_case, starts_on=day(6, year=2031), ends_on=day(7, year=2031))


def test_adjacent_placements_of_one_person_allowed():
    case = CaseFactory()
    unit = HousingUnitFactory(places=1)
    PlacementFactory(case=case, unit=unit, starts_on=day(1), ends_on=day(2))
    PlacementFactory(case=case, unit=unit, starts_on=day(2), ends_on=day(3))
    PlacementFactory(case=case, unit=HousingUnitFactory(), starts_on=day(3), ends_on=None)
    assert Placement.objects.filter(beneficiary=case.beneficiary).count() == 3


def test_moving_a_placement_onto_another_of_the_same_person_rejected():
    case = CaseFactory()
    PlacementFactory(case=case, starts_on=day(1), ends_on=day(2))
    later = PlacementFactory(case=case, starts_on=day(2), ends_on=day(3))
    with violates("placement_no_overlap_per_person"):
        Placement.objects.filter(pk=later.pk).update(starts_on=day(1, 15))


# --- No more occupants than places ------------------------------------------------------


def test_placement_beyond_places_rejected():
    unit = HousingUnitFactory(places=1)
    PlacementFactory(unit=unit, starts_on=day(1), ends_on=day(3))
    with violates("placement_within_unit_places"):
        PlacementFactory(unit=unit, starts_on=day(2), ends_on=day(4))


def test_peak_occupancy_counts_people_present_on_the_same_day():
    unit = HousingUnitFactory(places=2)
    PlacementFactory(unit=unit, starts_on=day(1), ends_on=day(2))
    PlacementFactory(unit=unit, starts_on=day(2), ends_on=day(3))
    # Overlaps both, but never more than two people on one day: peak 2.
    PlacementFactory(unit=unit, starts_on=day(1, 15), ends_on=day(2, 15))
    # A third person while the first and the middle one are there.
    with violates("placement_within_unit_places"):
        PlacementFactory(unit=unit, starts_on=day(1, 20), ends_on=day(1, 25))
    # The peak can also be reached on a day inside the new period.
    with violates("placement_within_unit_places"):
        PlacementFactory(unit=unit, starts_on=day(1, 10), ends_on=day(2, 5))
    # A day on which only one person is there is still free.
    PlacementFactory(unit=unit, starts_on=day(2, 20), ends_on=day(3))
    assert unit.placements.count() == 4


def test_adjacent_placements_in_a_full_unit_allowed():
    unit = HousingUnitFactory(places=1)
    PlacementFactory(unit=unit, starts_on=day(1), ends_on=day(2))
    PlacementFactory(unit=unit, starts_on=day(2), ends_on=day(3))
    PlacementFactory(unit=unit, starts_on=day(3), ends_on=None)
    assert unit.placements.count() == 3


def test_open_ended_placement_fills_the_unit_for_ever():
    unit = HousingUnitFactory(places=1)
    PlacementFactory(unit=unit, starts_on=day(1), ends_on=None)
    with violates("placement_within_unit_places"):
        PlacementFactory(unit=unit, starts_on=day(1, year=2031), ends_on=day(2, year=2031))


def test_open_ended_placement_counts_placements_that_start_later():
    unit = HousingUnitFactory(places=1)
    PlacementFactory(unit=unit, starts_on=day(6), ends_on=day(7))
    with violates("placement_within_unit_places"):
        PlacementFactory(unit=unit, starts_on=day(1), ends_on=None)
    PlacementFactory(unit=unit, starts_on=day(1), ends_on=day(6))
    PlacementFactory(unit=unit, starts_on=day(7), ends_on=None)
    assert unit.placements.count() == 3


def test_extending_a_placement_into_an_occupied_period_rejected():
    unit = HousingUnitFactory(places=1)
    first = PlacementFactory(unit=unit, starts_on=day(1), ends_on=day(2))
    PlacementFactory(unit=unit, starts_on=day(2), ends_on=day(3))
    with violates("placement_within_unit_places"):
        Placement.objects.filter(pk=first.pk).update(ends_on=None)


def test_moving_a_placement_into_a_full_unit_rejected():
    full = HousingUnitFactory(places=1)
    PlacementFactory(unit=full, starts_on=day(1), ends_on=None)
    placement = PlacementFactory(starts_on=day(3), ends_on=day(4))
    with violates("placement_within_unit_places"):
        Placement.objects.filter(pk=placement.pk).update(unit=full)


# --- A placement's person is its case's person ------------------------------------------


def test_placement_person_must_be_the_case_person_on_insert():
    case = CaseFactory()
    other_person = CaseFactory().beneficiary
    unit = HousingUnitFactory()
    with violates("placement_beneficiary_matches_case"):
        # bulk_create skips Placement.save, which would copy the case's person.
        Placement.objects.bulk_create(
            [Placement(unit=unit, case=case, beneficiary=other_person, starts_on=day(1))]
        )


def test_placement_person_must_be_the_case_person_on_update():
    placement = PlacementFactory()
    other_case = CaseFactory()
    with violates("placement_beneficiary_matches_case"):
        Placement.objects.filter(pk=placement.pk).update(beneficiary=other_case.beneficiary)
    with violates("placement_beneficiary_matches_case"):
        Placement.objects.filter(pk=placement.pk).update(case=other_case)


# --- Places cannot drop below current or planned occupancy ------------------------------


def test_reducing_places_below_current_occupancy_rejected():
    unit = HousingUnitFactory(places=3)
    PlacementFactory(unit=unit, starts_on=YEARS_AGO, ends_on=None)
    PlacementFactory(unit=unit, starts_on=YEARS_AGO, ends_on=IN_A_YEAR)
    HousingUnit.objects.filter(pk=unit.pk).update(places=2)
    with violates("unit_places_cover_placements"):
        HousingUnit.objects.filter(pk=unit.pk).update(places=1)


def test_reducing_places_below_planned_occupancy_rejected():
    unit = HousingUnitFactory(places=2)
    PlacementFactory(unit=unit, starts_on=IN_A_YEAR, ends_on=None)
    PlacementFactory(unit=unit, starts_on=IN_TWO_YEARS, ends_on=None)
    unit.places = 1
    with violates("unit_places_cover_placements"):
        unit.save(update_fields=["places"])


def test_reducing_places_after_placements_ended_allowed():
    unit = HousingUnitFactory(places=2)
    PlacementFactory(unit=unit, starts_on=YEARS_AGO, ends_on=YEARS_AGO + datetime.timedelta(30))
    PlacementFactory(unit=unit, starts_on=YEARS_AGO, ends_on=TODAY)
    PlacementFactory(unit=unit, starts_on=TODAY, ends_on=None)
    HousingUnit.objects.filter(pk=unit.pk).update(places=1)
    unit.refresh_from_db()
    assert unit.places == 1
