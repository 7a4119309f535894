"""Two workers placing two people in the last free place at the same moment: the trigger
locks the unit row, so the second transaction waits, then sees the first and is refused."""

import datetime
import threading
import time

import pytest
from django.db import IntegrityError, connections, transaction

from housing.models import Placement
from tests.factories import CaseFactory, HousingUnitFactory
from tests.integrity import constraint_name

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("reference_data"),
]


def test_concurrent_placements_in_a_one_place_unit_only_one_succeeds():
    unit = HousingUnitFactory(places=1)
    cases = [CaseFactory(), CaseFactory()]
    barrier = threading.Barrier(len(cases), timeout=10)
    hold = 0.5
    # Outcome -> seconds from the barrier to it; two equal outcomes would share one key
    # and fail the first assertion.
    outcomes: dict[str, float] = {}

    def place(case):
        started = time.monotonic()
        try:
            with transaction.atomic():
                barrier.wait()
                started = time.monotonic()
                Placement.objects.create(
                    unit_id=unit.pk, case=case, starts_on=datetime.date(2024, 5, 1)
                )
                # Hold the transaction open: the other one must wait on the unit's lock.
                time.sleep(hold)
            outcome = "placed"
        except IntegrityError as error:
            outcome = constraint_name(error)
        except Exception as error:  # reported by the assertion below
            outcome = repr(error)
        finally:
            connections.close_all()
        outcomes[outcome] = time.monotonic() - started

    threads = [threading.Thread(target=place, args=(case,)) for case in cases]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(outcomes) == ["placed", "placement_within_unit_places"]
    # The refused insert ran while the first transaction was open: it waited for it.
    assert outcomes["placement_within_unit_places"] >= hold * 0.9
    assert Placement.objects.filter(unit_id=unit.pk).count() == 1
