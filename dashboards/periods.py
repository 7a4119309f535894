"""The dashboards' counts published once for every period and every page of a city, so
that no page, period or export can be subtracted from another to recover a small cell.

**Why.** Each table used to be suppressed on its own (``core.suppression``). But an
official may pick the last 3, 6, 12 or 24 months or any calendar year with data, and the
trends show the 24 months up to the end of the period one by one; and the city page shows
an Ambito's figure that the Ambito's page shows as its total. 7 cases opened in a
municipality in the last six months and 5 in the last three are 2 in the months between;
a year, a last-N window and a month of the trends combine the same way.

**The family.** On a given day, what an official can select is finite (:class:`Family`):
the last 3/6/12/24 months, each calendar year from the first case opened to this one (the
selector's choices, ``dashboards.views.pages``), and for each of them the 24 months of its
trends, month by month and in total. All are runs of whole months (the current month up to
today), so the months are the *atoms* and a period is an interval of them.

**One publication per city** (:func:`figures`). Every people cell any page of the city can
show, for any period of the family, is one key ``(metric, set of municipalities, interval)``:
the city page's row of an Ambito and the Ambito page's total are the same key when they
add up the same municipalities, the casework table's referrals and the referrals table's
total are one metric, the trends' 24-month total and the last 24 months are one interval.
So a figure is published once and shown identically wherever it appears. The counts are
read in one grouped query per kind of fact (per municipality and month) and added up in
Python into every set and interval. Then ``core.suppression.suppress_over_periods``:

1. additive counts (cases opened and closed, referrals by status, placements, people per
   month of the trends) keep exact only the periods for which no union of months that
   their exactly published periods determine counts 1 to 4 (``exact_periods``: a
   reader's linear algebra over the periods, worked on their boundaries);
2. primary and complementary suppression run over every table of every page and period at
   once (the equations of each table: column totals, row totals, a zone and its
   municipalities, a trends window and its months), so a cell hidden for a neighbour is
   hidden on every page that shows it;
3. a cell so hidden that its own series' exact periods still give away gets the longest
   period it rests on hidden too, and 1-3 run again until nothing changes.

Counts that are no sums over months follow weaker rules, said here so nobody relies on
more: people taken in charge (each person once per period) get the pairwise rule for nested
periods (``core.suppression.exact_nested``: a period exceeding an exactly published period
inside it by 1 to 4 is hidden); counts at a date (open cases at the end of the period,
Housing First placements due and still housed at its end, referrals waiting now) get
primary and complementary suppression within the family's tables (the same value at the
same date is one key). Averages and shares keep their own rule (not shown below 5 items).
A reader's inferences from the markers' bounds across periods ("n.d." is at least 5) and
from figures of different days (the family moves with "today") are not modelled.

The publication of the facts (cases, referrals) is kept in the shared cache until the
next refresh of the facts (``dashboards.memo``); that of placements, which read live rows,
is made once per request.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Count, F, Q, Sum
from django.db.models.functions import TruncMonth

from beneficiaries.models import ReferralStatus
from core.suppression import (
    Interval,
    Published,
    exact_nested,
    hide,
    suppress_over_periods,
)
from dashboards.scope import MONTHS, Period
from dashboards.tables import Table

NOW = "now"  # the interval key of a count that does not depend on the period


@dataclass(frozen=True)
class Family:
    """What an official can select on ``today``: each period, and its trends."""

    today: datetime.date
    periods: tuple[Period, ...]
    first: datetime.date  # the first month any of them shows

    @classmethod
    def on(cls, today: datetime.date, years: Iterable[int]) -> Family:
        periods = [Period.last_months(months, today) for months in MONTHS]
        periods += [Period.calendar_year(year, today) for year in sorted(set(years))]
        first = min(period.trend().start for period in periods)
        return cls(today, tuple(dict.fromkeys(periods)), first)

    @property
    def atoms(self) -> int:
        return self.index(self.today) + 1

    def index(self, day: datetime.date) -> int:
        """The atom (month) of a day."""
        return (day.year - self.first.year) * 12 + day.month - self.first.month

    def month(self, index: int) -> datetime.date:
        year, month = divmod(self.first.month - 1 + index, 12)
        return datetime.date(self.first.year + year, month + 1, 1)

    def interval(self, period: Period) -> Interval:
        return (self.index(period.start), self.index(period.end) + 1)

    def has(self, period: Period) -> bool:
        return period in self.periods

    @property
    def intervals(self) -> list[Interval]:
        return list(dict.fromkeys(self.interval(period) for period in self.periods))

    @property
    def windows(self) -> list[Interval]:
        """The trends' windows of the family's periods."""
        return list(dict.fromkeys(self.interval(period.trend()) for period in self.periods))

    @property
    def months(self) -> list[Interval]:
        """Every month a trends table of the family shows."""
        months = set()
        for start, stop in self.windows:
            months.update((k, k + 1) for k in range(start, stop))
        return sorted(months)

    @property
    def ends(self) -> list[int]:
        """The atoms the periods end in (a count at a date: its date's month)."""
        return sorted({self.index(period.end) for period in self.periods})


def selectable_years(today: datetime.date) -> list[int]:
    """The calendar years with data, newest first: from the first case opened to this
    year (the selector's choices)."""
    from django.db.models import Min

    from dashboards.models import CaseFact

    first = CaseFact.objects.aggregate(first=Min("opened_on"))["first"]
    start = first.year if first else today.year
    return list(range(today.year, start - 1, -1))


# --- The pages of a city: their tables' rows as sets of municipalities --------------------


@dataclass(frozen=True)
class Pages:
    """Every page of the city as ``(total set, row sets)``, in a fixed order, and the
    municipalities they read."""

    pages: tuple[tuple[frozenset[int], tuple[frozenset[int], ...]], ...]
    municipalities: frozenset[int]

    @property
    def sets(self) -> list[frozenset[int]]:
        found: dict[frozenset[int], None] = {}
        for total, rows in self.pages:
            found[total] = None
            found.update(dict.fromkeys(rows))
        return list(found)


def rows_of(layout) -> list[tuple[str, frozenset[int]]]:
    """A page's rows (from its ``_Layout``) with the municipalities each adds up."""
    members: dict[str, set[int]] = {key: set() for key, _label, _link in layout.rows}
    for municipality, key in layout.row_of.items():
        members[key].add(municipality)
    return [(key, frozenset(ids)) for key, ids in members.items()]


def city_pages(city) -> Pages:
    """The city page, each Ambito's page and each municipality's page (4 queries)."""
    from dashboards.indicators import Area, _layout
    from registry.models import Municipality, Zone, ZoneKind

    city_rows = [ids for _key, ids in rows_of(_layout(Area(city)))]
    everything = set(
        Municipality.objects.filter(metropolitan_city=city).values_list("pk", flat=True)
    )
    zones: dict[int, set[int]] = {}
    for zone_id, municipality_id in (
        Zone.municipalities.through.objects.filter(
            zone__metropolitan_city=city, zone__kind=ZoneKind.AMBITO
        )
        .order_by("zone__code", "municipality_id")
        .values_list("zone_id", "municipality_id")
    ):
        zones.setdefault(zone_id, set()).add(municipality_id)
    pages = [(frozenset().union(*city_rows) if city_rows else frozenset(), tuple(city_rows))]
    for members in zones.values():
        rows = tuple(frozenset({m}) for m in sorted(members))
        pages.append((frozenset(members), rows))
        everything |= members
    for municipality in sorted(everything):
        single = frozenset({municipality})
        pages.append((single, (single,)))
    return Pages(tuple(pages), frozenset(everything))


# --- Counts per municipality and month -----------------------------------------------------

STATUSES = tuple(status.value for status in ReferralStatus)
STATUS_METRICS = tuple(f"referred_{status}" for status in STATUSES)


class _Atoms:
    """Counts per metric, municipality and atom (month), from grouped rows."""

    def __init__(self, family: Family):
        self.family = family
        self.counts: dict[str, dict[int, list[int]]] = {}
        self.before: dict[str, dict[int, int]] = {}  # before the first atom (for stocks)

    def add(self, metric: str, municipality: int, month, value) -> None:
        value = int(value or 0)
        if not value:
            return
        if isinstance(month, datetime.datetime):
            month = month.date()
        index = self.family.index(month)
        if index < 0:
            before = self.before.setdefault(metric, {})
            before[municipality] = before.get(municipality, 0) + value
        elif index < self.family.atoms:
            rows = self.counts.setdefault(metric, {})
            rows.setdefault(municipality, [0] * self.family.atoms)[index] += value

    def of(self, metric: str, municipalities: Iterable[int]) -> list[int]:
        total = [0] * self.family.atoms
        rows = self.counts.get(metric, {})
        for municipality in municipalities:
            row = rows.get(municipality)
            if row is not None:
                total = [a + b for a, b in zip(total, row, strict=True)]
        return total

    def before_of(self, metric: str, municipalities: Iterable[int]) -> int:
        before = self.before.get(metric, {})
        return sum(before.get(m, 0) for m in municipalities)


# --- The publication -------------------------------------------------------------------------


@dataclass
class Figures:
    """A city's figures for a family: raw and published values by key ``(metric, set
    index, interval)`` (an interval of atoms, an end atom for counts at a date, or
    :data:`NOW`)."""

    family: Family
    sets: dict[frozenset[int], int]
    raw: dict[tuple, int] = field(default_factory=dict)
    published: dict[tuple, Published] = field(default_factory=dict)

    def value(self, metric: str, municipalities: frozenset[int], interval) -> int:
        return self.raw.get((metric, self.sets[municipalities], interval), 0)

    def shown(self, metric: str, municipalities: frozenset[int], interval) -> Published:
        key = (metric, self.sets[municipalities], interval)
        return self.published[key]


@dataclass
class _Plan:
    """What to publish: additive metrics with their intervals, other people cells with
    their raw value and what their own rule lets through, and the tables shown."""

    additive: dict[str, list[Interval]] = field(default_factory=dict)
    others: dict[tuple, tuple[int, int | str]] = field(default_factory=dict)
    # Each: (column metrics, the intervals the table is shown for, kind): "columns" (each
    # column's total is the sum of the rows), "row:<total>" (each row's <total> is the sum
    # of the columns), "months" (the window is the sum of its months: the trends).
    tables: list[tuple[tuple[str, ...], list, str]] = field(default_factory=list)


def _publish(pages: Pages, family: Family, atoms: _Atoms, plan: _Plan) -> Figures:
    sets = {ids: index for index, ids in enumerate(pages.sets)}
    figures = Figures(family, sets)
    series, periods = {}, {}
    for metric, intervals in plan.additive.items():
        for ids, index in sets.items():
            counts = atoms.of(metric, ids)
            prefix = [0]
            for count in counts:
                prefix.append(prefix[-1] + count)
            for start, stop in intervals:
                figures.raw[(metric, index, (start, stop))] = prefix[stop] - prefix[start]
            if intervals:
                series[(metric, index)] = counts
                periods[(metric, index)] = intervals
    for key, (value, _shown) in plan.others.items():
        figures.raw[key] = value

    def cell(metric: str, index: int, interval) -> tuple:
        if metric in plan.additive:
            return ((metric, index), interval)  # a cell of a series
        return (metric, index, interval)

    equations: dict[tuple, None] = {}

    def equation(total: tuple, members: list[tuple]) -> None:
        if tuple(members) != (total,):
            equations[(total, tuple(members))] = None

    for columns, intervals, kind in plan.tables:
        for interval in intervals:
            for total_set, rows in pages.pages:
                total, members = sets[total_set], [sets[ids] for ids in rows]
                for index in (total, *members) if kind.startswith("row:") else (total,):
                    if kind.startswith("row:"):
                        whole = kind.removeprefix("row:")
                        equation(
                            cell(whole, index, interval),
                            [cell(column, index, interval) for column in columns],
                        )
                    elif kind == "months":
                        start, stop = interval
                        for column in columns:
                            equation(
                                cell(column, index, interval),
                                [cell(column, index, (k, k + 1)) for k in range(start, stop)],
                            )
                    else:
                        for column in columns:
                            equation(
                                cell(column, index, interval),
                                [cell(column, member, interval) for member in members],
                            )
    others = {key: shown for key, (_value, shown) in plan.others.items()}
    published = suppress_over_periods(series, periods, list(equations), others)
    for key, value in published.items():
        if len(key) == 2:  # ((metric, set), interval)
            (metric, index), interval = key
            figures.published[(metric, index, interval)] = value
        else:
            figures.published[key] = value
    return figures


def _end_day(family: Family, end: int) -> datetime.date:
    """The last day of atom ``end`` (today, for the current month)."""
    if end >= family.atoms - 1:
        return family.today
    return family.month(end + 1) - datetime.timedelta(days=1)


def _stock(family: Family, atoms: _Atoms, plus: str, minus: str, members) -> list[int]:
    """A count at the end of each atom: all ``plus`` less all ``minus`` up to then."""
    up, down = atoms.of(plus, members), atoms.of(minus, members)
    stock = atoms.before_of(plus, members) - atoms.before_of(minus, members)
    running = []
    for k in range(family.atoms):
        stock += up[k] - down[k]
        running.append(stock)
    return running


def facts_figures(city, family: Family) -> Figures:
    """The city's published figures of cases and referrals, for every page and period of
    the family (4 queries for the pages, 3 for the counts)."""
    from dashboards.models import CaseFact, DayFact, MonthPeople

    pages = city_pages(city)
    ids = sorted(pages.municipalities)
    atoms = _Atoms(family)
    intervals, months, windows, ends = family.intervals, family.months, family.windows, family.ends
    today = family.today
    day_metrics = ("opened", "closed", "referred", *STATUS_METRICS, "answered", "waited_days")
    pending: dict[int, int] = {}
    for row in (
        DayFact.objects.filter(municipality_id__in=ids)
        .annotate(month=TruncMonth("day"))
        .order_by()
        .values("municipality_id", "month")
        .annotate(
            pending_now=Sum("pending"),
            **{metric: Sum(metric, filter=Q(day__lte=today)) for metric in day_metrics},
        )
    ):
        for metric in day_metrics:
            atoms.add(metric, row["municipality_id"], row["month"], row[metric])
        municipality = row["municipality_id"]
        pending[municipality] = pending.get(municipality, 0) + int(row["pending_now"] or 0)
    for row in (
        MonthPeople.objects.filter(municipality_id__in=ids, month__gte=family.first)
        .order_by()
        .values("municipality_id", "month", "people")
    ):
        atoms.add("month_people", row["municipality_id"], row["month"], row["people"])
    # People taken in charge count each person once per period: one count per period.
    distinct = {
        f"p{i}": Count(
            "beneficiary",
            distinct=True,
            filter=Q(opened_on__gte=family.month(start), opened_on__lte=_end_day(family, stop - 1)),
        )
        for i, (start, stop) in enumerate(intervals)
    }
    people_of = {
        row["municipality_id"]: row
        for row in CaseFact.objects.filter(municipality_id__in=ids)
        .order_by()
        .values("municipality_id")
        .annotate(**distinct)
    }

    plan = _Plan()
    plan.additive = {
        "opened": [*intervals, *months, *windows],
        "referred": [*intervals, *months, *windows],
        "month_people": [*months, *windows],
        "closed": intervals,
        **dict.fromkeys(STATUS_METRICS, intervals),
        # Not people: the average wait is worked out from these; never published.
        "answered": [],
        "waited_days": [],
    }
    for members, index in {ids_: i for i, ids_ in enumerate(pages.sets)}.items():
        people = {
            interval: sum(people_of.get(m, {}).get(f"p{i}", 0) for m in members)
            for i, interval in enumerate(intervals)
        }
        inside = {
            p: [q for q in people if q != p and q[0] >= p[0] and q[1] <= p[1]] for p in people
        }
        exact = exact_nested(people, inside)
        for interval, value in people.items():
            shown = value if interval in exact else hide(value)
            plan.others[("people", index, interval)] = (value, shown)
        active = _stock(family, atoms, "opened", "closed", members)
        for end in ends:
            plan.others[("active", index, end)] = (active[end], active[end])
        waiting = sum(pending.get(m, 0) for m in members)
        plan.others[("pending", index, NOW)] = (waiting, waiting)
    plan.tables = [
        (("people", "opened", "closed", "referred", *STATUS_METRICS), intervals, "columns"),
        (("active",), ends, "columns"),
        (("pending",), [NOW], "columns"),
        (STATUS_METRICS, intervals, "row:referred"),
        (("opened", "referred", "month_people"), windows, "months"),
    ]
    figures = _publish(pages, family, atoms, plan)
    # The average wait needs these per period (they are no people cells).
    for metric in ("answered", "waited_days"):
        for members, index in figures.sets.items():
            counts = atoms.of(metric, members)
            for start, stop in intervals:
                figures.raw[(metric, index, (start, stop))] = sum(counts[start:stop])
    return figures


def category_figures(city, family: Family, category) -> Figures:
    """The city's published referrals to the services of a category's branch."""
    from dashboards.indicators import in_category
    from dashboards.models import ReferralFact

    pages = city_pages(city)
    atoms = _Atoms(family)
    intervals, months, windows = family.intervals, family.months, family.windows
    referrals = ReferralFact.objects.filter(
        municipality_id__in=sorted(pages.municipalities), referred_on__lte=family.today
    ).filter(in_category(category))
    for row in (
        referrals.annotate(month=TruncMonth("referred_on"))
        .order_by()
        .values("municipality_id", "month")
        .annotate(
            referred=Count("pk"),
            **{f"referred_{s}": Count("pk", filter=Q(status=s)) for s in STATUSES},
        )
    ):
        for metric in ("referred", *STATUS_METRICS):
            atoms.add(metric, row["municipality_id"], row["month"], row[metric])
    plan = _Plan()
    plan.additive = {
        "referred": [*intervals, *months, *windows],
        **dict.fromkeys(STATUS_METRICS, intervals),
    }
    plan.tables = [
        (("referred", *STATUS_METRICS), intervals, "columns"),
        (STATUS_METRICS, intervals, "row:referred"),
        (("referred",), windows, "months"),
    ]
    return _publish(pages, family, atoms, plan)


HOUSED = tuple(f"{kind}_{months}" for months in (6, 12) for kind in ("due", "housed"))


def placement_figures(city, family: Family) -> Figures:
    """The city's published placements (trends) and Housing First figures, from the live
    placements (2 queries for the counts)."""
    from dashboards.indicators import _AddMonths
    from housing.models import Placement, UnitType

    pages = city_pages(city)
    ids = sorted(pages.municipalities)
    atoms = _Atoms(family)
    intervals, months, windows, ends = family.intervals, family.months, family.windows, family.ends
    housing_first = Q(unit__unit_type=UnitType.HOUSING_FIRST)
    for row in (
        Placement.objects.filter(unit__municipality_id__in=ids, starts_on__lte=family.today)
        .annotate(month=TruncMonth("starts_on"))
        .order_by()
        .values("unit__municipality_id", "month")
        .annotate(placements=Count("pk"), started=Count("pk", filter=housing_first))
    ):
        for metric in ("placements", "started"):
            atoms.add(metric, row["unit__municipality_id"], row["month"], row[metric])
    # Due and still housed after 6 and 12 months: counts at each end of a period.
    at_ends = {}
    for end in ends:
        day = _end_day(family, end)
        for months_ in (6, 12):
            due = Q(**{f"after_{months_}__lte": day})
            at_ends[f"due_{months_}_{end}"] = Count("pk", filter=due)
            at_ends[f"housed_{months_}_{end}"] = Count(
                "pk",
                filter=due & (Q(ends_on__isnull=True) | Q(ends_on__gt=F(f"after_{months_}"))),
            )
    housed = {
        row["unit__municipality_id"]: row
        for row in Placement.objects.filter(housing_first, unit__municipality_id__in=ids)
        .annotate(after_6=_AddMonths(F("starts_on"), 6), after_12=_AddMonths(F("starts_on"), 12))
        .order_by()
        .values("unit__municipality_id")
        .annotate(**at_ends)
    }
    plan = _Plan()
    plan.additive = {"placements": [*months, *windows], "started": intervals}
    for members, index in {ids_: i for i, ids_ in enumerate(pages.sets)}.items():
        for end in ends:
            for metric in HOUSED:
                value = sum(housed.get(m, {}).get(f"{metric}_{end}", 0) for m in members)
                plan.others[(metric, index, end)] = (value, value)
    plan.tables = [
        (("started",), intervals, "columns"),
        (HOUSED, ends, "columns"),
        (("placements",), windows, "months"),
    ]
    return _publish(pages, family, atoms, plan)


# --- The tables of a page, from the figures ------------------------------------------------


def _area_rows(area) -> tuple[list[tuple[str, frozenset[int]]], frozenset[int]]:
    rows = rows_of(area.layout)
    return rows, frozenset().union(*(ids for _key, ids in rows)) if rows else frozenset()


def _published(table: Table, cells_of) -> Table:
    """The table with each people cell as the figures publish it: ``cells_of(row key,
    column key)`` names the ``(figures, metric, set, interval)`` of a cell."""
    shown = {}
    for row in (*table.rows, *([table.total] if table.total is not None else [])):
        for column in table.columns:
            if column.people and row.cells.get(column.key) is not None:
                figures, metric, members, interval = cells_of(row.key, column.key)
                shown[(row.key, column.key)] = figures.shown(metric, members, interval)
    return table.published_as(shown)


CASEWORK = {
    "people": "people",
    "active": "active",
    "opened": "opened",
    "closed": "closed",
    "referrals": "referred",
    "waiting_now": "pending",
    "answered": "answered",
    "waited_days": "waited_days",
}


def casework_table(figures: Figures, area, period: Period) -> Table:
    from dashboards.indicators import TOTAL_KEY, casework_from_sums

    family = figures.family
    interval, end = family.interval(period), family.index(period.end)
    rows, whole = _area_rows(area)
    sets = {**dict(rows), TOTAL_KEY: whole}

    def at(column: str):
        return {"active": end, "waiting_now": NOW}.get(column, interval)

    sums = {
        key: {column: figures.value(metric, ids, at(column)) for column, metric in CASEWORK.items()}
        for key, ids in rows
    }
    table = casework_from_sums(area.layout, sums)
    return _published(table, lambda row, column: (figures, CASEWORK[column], sets[row], at(column)))


def referrals_table(figures: Figures, area, period: Period) -> Table:
    from dashboards.indicators import TOTAL_KEY, referrals_from_sums

    interval = figures.family.interval(period)
    rows, whole = _area_rows(area)
    sets = {**dict(rows), TOTAL_KEY: whole}

    def metric(column: str) -> str:
        return "referred" if column == "total" else f"referred_{column}"

    columns = (*STATUSES, "total")
    sums = {
        key: {column: figures.value(metric(column), ids, interval) for column in columns}
        for key, ids in rows
    }
    table = referrals_from_sums(area, area.layout, sums)
    return _published(table, lambda row, column: (figures, metric(column), sets[row], interval))


def housing_first_table(figures: Figures, area, period: Period) -> Table:
    from dashboards.indicators import TOTAL_KEY, housing_first_from_sums

    family = figures.family
    interval, end = family.interval(period), family.index(period.end)
    rows, whole = _area_rows(area)
    sets = {**dict(rows), TOTAL_KEY: whole}

    def at(column: str):
        return interval if column == "started" else end

    columns = ("started", *HOUSED)
    sums = {
        key: {column: figures.value(column, ids, at(column)) for column in columns}
        for key, ids in rows
    }
    table = housing_first_from_sums(area.layout, sums)
    return _published(table, lambda row, column: (figures, column, sets[row], at(column)))


def trends_table(
    facts: Figures, referrals: Figures, placements: Figures, area, period: Period
) -> Table:
    """The 24 months up to the period's end; referrals from ``referrals`` (the category's
    figures on a category's page, else the facts)."""
    from dashboards.indicators import trends_from_sums

    family = facts.family
    start, stop = family.interval(period.trend())
    _rows, whole = _area_rows(area)
    sources = {
        "people": (facts, "month_people"),
        "opened": (facts, "opened"),
        "referrals": (referrals, "referred"),
        "placements": (placements, "placements"),
    }
    months = [family.month(k) for k in range(start, stop)]
    sums = {
        family.month(k): {
            column: figures.value(metric, whole, (k, k + 1))
            for column, (figures, metric) in sources.items()
        }
        for k in range(start, stop)
    }
    table = trends_from_sums(area, months, sums)
    by_label = {family.month(k).strftime("%Y-%m"): (k, k + 1) for k in range(start, stop)}

    def cell(row: str, column: str):
        figures, metric = sources[column]
        return figures, metric, whole, by_label.get(row, (start, stop))

    return _published(table, cell)
