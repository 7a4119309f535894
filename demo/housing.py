"""Demo housing stock and placements that cannot break the placement invariants.

Each unit's history is laid out in "lanes", one per place: a lane holds non-overlapping
half-open periods ``[starts_on, ends_on)``, so a unit never has more concurrent placements
than places. Every placement goes to a different person, so nobody is placed twice at once;
the person's case is then built around the placement's dates (see ``people.py``).
"""

from __future__ import annotations

import datetime
import random
from collections.abc import Callable
from dataclasses import dataclass

from demo.addresses import METRO_CODES, postal_code, street_address
from demo.area import Place
from demo.bulk import TableWriter, rng_uuid
from demo.directory import MetroDirectory, OrgPlan
from demo.geometry import WeightedChoice
from demo.texts import PLACEMENT_END_REASONS
from housing.models import HousingUnit, Placement, UnitStatus, UnitType

TYPE_WEIGHTS = WeightedChoice(
    [
        UnitType.PUBLIC_HOUSING,
        UnitType.SOCIAL_HOUSING,
        UnitType.HOUSING_FIRST,
        UnitType.TEMPORARY,
        UnitType.SEMI_AUTONOMY,
        UnitType.RECOVERED,
        UnitType.CONFISCATED,
    ],
    [35, 12, 15, 12, 6, 10, 10],
)
_STATUSES = [
    UnitStatus.IDENTIFIED,
    UnitStatus.RENOVATING,
    UnitStatus.AVAILABLE,
    UnitStatus.OCCUPIED,
    UnitStatus.UNAVAILABLE,
]
# Recovered and confiscated homes are mostly still in the recovery pipeline.
PIPELINE_STATUS = WeightedChoice(_STATUSES, [25, 25, 15, 30, 5])
STOCK_STATUS = WeightedChoice(_STATUSES, [3, 7, 12, 68, 10])
ABBREVIATIONS = {
    UnitType.PUBLIC_HOUSING: "ERP",
    UnitType.SOCIAL_HOUSING: "HS",
    UnitType.HOUSING_FIRST: "HF",
    UnitType.TEMPORARY: "TMP",
    UnitType.SEMI_AUTONOMY: "SA",
    UnitType.RECOVERED: "REC",
    UnitType.CONFISCATED: "BC",
}
# (rooms range, places range or None for "rooms to rooms + 1", stay in days)
SHAPES: dict[str, tuple[tuple[int, int], tuple[int, int] | None, tuple[int, int]]] = {
    UnitType.PUBLIC_HOUSING: ((2, 5), None, (365, 3000)),
    UnitType.SOCIAL_HOUSING: ((1, 4), None, (365, 2000)),
    UnitType.HOUSING_FIRST: ((1, 2), (1, 2), (180, 1800)),
    UnitType.TEMPORARY: ((2, 5), (2, 6), (60, 540)),
    UnitType.SEMI_AUTONOMY: ((2, 4), (2, 4), (90, 540)),
    UnitType.RECOVERED: ((1, 4), (1, 4), (120, 1200)),
    UnitType.CONFISCATED: ((2, 6), (1, 6), (120, 1200)),
}
HISTORY_YEARS = 8
UNIT_CATEGORY = {
    UnitType.PUBLIC_HOUSING: "housing.public-housing",
    UnitType.SOCIAL_HOUSING: "housing.social-housing-agency",
    UnitType.HOUSING_FIRST: "housing.housing-first",
    UnitType.TEMPORARY: "housing.temporary",
    UnitType.SEMI_AUTONOMY: "gender-violence.semi-autonomy",
    UnitType.RECOVERED: "housing.recovered-homes",
    UnitType.CONFISCATED: "housing.confiscated-property",
}


@dataclass(eq=False)
class PlacementPlan:
    """A placement decided with the unit; the people step gives it a person and a case."""

    unit_id: int
    unit_type: str
    owner: OrgPlan
    place: Place
    starts_on: int  # date ordinals
    ends_on: int | None
    end_reason: str
    case_id: object = None
    beneficiary_id: object = None

    @property
    def for_survivor(self) -> bool:
        return self.unit_type == UnitType.SEMI_AUTONOMY


def _owner(rng: random.Random, directory: MetroDirectory, unit_type: str, place: Place):
    municipal = directory.municipal_for[place.id]

    def pick(*profiles: str) -> OrgPlan:
        candidates = [org for org in directory.orgs_with_profile(*profiles) if org.active]
        return rng.choice(candidates) if candidates else municipal

    if unit_type == UnitType.PUBLIC_HOUSING:
        return municipal if rng.random() < 0.85 else directory.metro_body
    if unit_type == UnitType.SOCIAL_HOUSING:
        return pick("private_housing", "housing")
    if unit_type == UnitType.HOUSING_FIRST:
        return pick("housing", "low_threshold")
    if unit_type == UnitType.TEMPORARY:
        return municipal if rng.random() < 0.5 else pick("housing")
    if unit_type == UnitType.SEMI_AUTONOMY:
        return pick("gender_violence")
    if unit_type == UnitType.RECOVERED:
        return municipal if rng.random() < 0.4 else pick("housing", "private_housing")
    return municipal if rng.random() < 0.6 else pick("housing", "low_threshold")


# A unit's type, owner, place and placement periods, kept until the unit has its id.
_UnitHistory = tuple[str, OrgPlan, Place, list[tuple[int, int | None]]]


def _type_and_status(rng: random.Random, number: int) -> tuple[str, str]:
    """The unit's type and status: the first units show every type and every status."""
    unit_type = TYPE_WEIGHTS.items[number - 1] if number <= 7 else TYPE_WEIGHTS.pick(rng)
    if number <= len(_STATUSES):
        status = _STATUSES[number - 1]
    elif unit_type in (UnitType.RECOVERED, UnitType.CONFISCATED):
        status = PIPELINE_STATUS.pick(rng)
    else:
        status = STOCK_STATUS.pick(rng)
    return unit_type, status


def _periods(
    rng: random.Random,
    unit_type: str,
    status: str,
    places: int,
    today: int,
    floor: int,
) -> tuple[list[tuple[int, int | None]], int]:
    """The unit's placement periods, lane by lane, and the day its status began."""
    _rooms, _places, (stay_low, stay_high) = SHAPES[unit_type]
    periods: list[tuple[int, int | None]] = []
    stock = unit_type not in (UnitType.RECOVERED, UnitType.CONFISCATED)
    if status == UnitStatus.OCCUPIED:
        current = places if rng.random() < 0.4 else rng.randint(1, places)
        starts = []
        for lane in range(places):
            if lane < current:
                start = max(floor + stay_low, today - rng.randint(1, stay_high))
                starts.append(start)
                periods.append((start, None))
                anchor = start
            else:
                anchor = today - rng.randint(0, 365)
            if stock:
                periods.extend(_history(rng, anchor, floor, stay_low, stay_high))
        status_since = min(starts)
    elif status == UnitStatus.IDENTIFIED:
        status_since = today - rng.randint(0, 400)
    else:
        status_since = today - rng.randint(0, 500)
        if stock:
            for _ in range(places):
                periods.extend(_history(rng, status_since, floor, stay_low, stay_high))
    return periods, status_since


def _unit(
    rng: random.Random,
    directory: MetroDirectory,
    number: int,
    sigla: str,
    today: int,
    floor: int,
) -> tuple[HousingUnit, _UnitHistory]:
    """One unit (not yet saved) and its history: type, owner, place and periods."""
    metro = directory.metro
    unit_type, status = _type_and_status(rng, number)
    place = metro.by_population.pick(rng)
    owner = _owner(rng, directory, unit_type, place)
    (room_low, room_high), place_range, _stay = SHAPES[unit_type]
    rooms = rng.randint(room_low, room_high)
    places = (
        rng.randint(*place_range)
        if place_range
        else min(6, rooms + (1 if rng.random() < 0.5 else 0))
    )
    periods, status_since = _periods(rng, unit_type, status, places, today, floor)
    lat, lon = place.area.sample(rng)
    unit = HousingUnit(
        code=f"{sigla}-{ABBREVIATIONS[unit_type]}-{number:05d}",
        address=street_address(rng),
        postal_code=postal_code(rng, metro.slug, place.istat_code, place.is_capital),
        municipality_id=place.id,
        latitude=lat,
        longitude=lon,
        unit_type=unit_type,
        rooms=rooms,
        places=places,
        barrier_free=rng.random() < 0.2,
        confidential=unit_type == UnitType.SEMI_AUTONOMY,
        owner_id=owner.id,
        status=status,
        status_since=datetime.date.fromordinal(status_since),
    )
    return unit, (unit_type, owner, place, periods)


def build_housing(
    rng: random.Random,
    directory: MetroDirectory,
    count: int,
    as_of: datetime.date,
) -> tuple[int, list[PlacementPlan]]:
    """Write one city's housing units; return how many and their placement plans."""
    today = as_of.toordinal()
    floor = today - HISTORY_YEARS * 365
    sigla = METRO_CODES[directory.metro.slug][0]
    units: list[HousingUnit] = []
    histories: list[_UnitHistory] = []
    for number in range(1, count + 1):
        unit, history = _unit(rng, directory, number, sigla, today, floor)
        units.append(unit)
        histories.append(history)
    HousingUnit.objects.bulk_create(units, batch_size=2000)
    plans = [
        PlacementPlan(
            unit_id=unit.pk,
            unit_type=unit_type,
            owner=owner,
            place=place,
            starts_on=start,
            ends_on=end,
            end_reason="" if end is None else rng.choice(PLACEMENT_END_REASONS),
        )
        for unit, (unit_type, owner, place, periods) in zip(units, histories, strict=True)
        for start, end in periods
    ]
    return len(units), plans


def _history(
    rng: random.Random, anchor: int, floor: int, stay_low: int, stay_high: int
) -> list[tuple[int, int]]:
    """Past periods of one lane, going back in time from `anchor` (exclusive end)."""
    periods = []
    chance = 0.5
    while rng.random() < chance:
        end = anchor - rng.randint(0, 60)
        start = end - rng.randint(stay_low, stay_high)
        if start < floor:
            break
        periods.append((start, end))
        anchor = start
        chance = 0.3
    return periods


def write_placements(
    rng: random.Random,
    plans: list[PlacementPlan],
    now,
    *,
    after_first: Callable[[], None] | None = None,
    first: int = 1000,
) -> int:
    """Write the placements; `after_first` runs once the first `first` rows are in."""
    writer = TableWriter(
        Placement,
        [
            "id",
            "unit",
            "case",
            "beneficiary",
            "starts_on",
            "ends_on",
            "end_reason",
            "created_at",
            "updated_at",
            "version",
        ],
    )
    fromordinal = datetime.date.fromordinal
    rows = [
        (
            rng_uuid(rng),
            plan.unit_id,
            plan.case_id,
            plan.beneficiary_id,
            fromordinal(plan.starts_on),
            None if plan.ends_on is None else fromordinal(plan.ends_on),
            plan.end_reason,
            now,
            now,
            1,
        )
        for plan in plans
        if plan.case_id is not None
    ]
    writer.write(rows[:first])
    if after_first is not None:
        after_first()
    writer.write(rows[first:])
    return writer.count
