"""The indicators of the officials' dashboards, as raw tables (PON Metro-style figures).

Every table is computed with a constant number of grouped queries, whatever the amount of
data: the counts are grouped by municipality in SQL and the few municipality rows are then
added up into the table's rows (Ambiti, municipalities) in Python. Nothing personal is read:
only COUNT, SUM and AVG-like aggregates. The tables hold raw counts; columns that count
people are marked ``people=True`` and are suppressed by ``Table.publish()`` before they
leave the server.

Where things are:

* a case (and its referrals) is in its person's residence municipality, or, without one,
  in its organisation's municipality;
* housing units, placements in them and service sites are in their own municipality;
* a person with cases in two municipalities counts once in each, so that a row always
  equals the sum of its municipalities and the total the sum of the rows.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal
from functools import cached_property

from django.db import connection
from django.db.models import (
    Case,
    CharField,
    Count,
    DateField,
    Exists,
    F,
    Func,
    OuterRef,
    Q,
    Sum,
    Value,
    When,
)
from django.db.models.functions import TruncMonth
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language, gettext

from beneficiaries.models import ReferralStatus
from dashboards.models import CaseFact, DayFact, MonthPeople, OfferingFact, ReferralFact
from dashboards.scope import Period
from dashboards.tables import Column, Row, Table
from housing.models import HousingUnit, Placement, UnitStatus, UnitType
from registry.models import MetropolitanCity, Municipality, Zone, ZoneKind
from services.models import Service, ServiceCategory
from services.selectors import category_branch_q

MIN_AVERAGED = 5  # averages and rates on fewer items are not shown
OUTSIDE_KEY = "outside"
TOTAL_KEY = "total"


@dataclass(frozen=True)
class Area:
    city: MetropolitanCity
    zone: Zone | None = None  # an Ambito (ZoneKind.AMBITO) of the city
    municipality: Municipality | None = None
    category: ServiceCategory | None = None  # category pages: that category's branch

    @cached_property
    def layout(self) -> _Layout:
        """The rows of the area's tables, read once per page (every table shares them)."""
        return _layout(self)

    @cached_property
    def coverage_run(self):
        """The latest complete coverage run of the city, read once per page."""
        from dashboards.coverage import latest_run

        return latest_run(self.city)

    @cached_property
    def coverage_standards(self) -> tuple:
        """The standards the coverage picture offers, read once per page."""
        from dashboards.coverage import standards_for

        return tuple(standards_for(self))


# --- Where: the area's municipalities and the rows they fall in --------------------------


def _municipality_ids(area: Area):
    """The area's municipalities, as a subquery (or a one-item list): no query of its own."""
    if area.municipality is not None:
        return [area.municipality.pk]
    if area.zone is not None:
        return Zone.municipalities.through.objects.filter(zone_id=area.zone.pk).values(
            "municipality_id"
        )
    return Municipality.objects.filter(metropolitan_city_id=area.city.pk).values("pk")


@dataclass(frozen=True)
class _Layout:
    rows: tuple[tuple[str, str, str | None], ...]  # (key, label, link)
    row_of: dict[int, str]  # municipality id → row key


def _layout(area: Area) -> _Layout:
    """The sub-areas of the area, each a row, and which row each municipality adds to."""
    city = area.city
    if area.municipality is not None:
        municipality = area.municipality
        return _Layout(
            ((municipality.istat_code, municipality.name, None),),
            {municipality.pk: municipality.istat_code},
        )
    if area.zone is not None:
        members = area.zone.municipalities.order_by("name").values_list("pk", "istat_code", "name")
        rows, row_of = [], {}
        for pk, istat_code, name in members:
            link = reverse("admin:dashboard-municipality", args=[city.slug, istat_code])
            rows.append((istat_code, name, link))
            row_of[pk] = istat_code
        return _Layout(tuple(rows), row_of)
    zones = list(
        Zone.objects.filter(
            metropolitan_city_id=city.pk, kind=ZoneKind.AMBITO, parent_municipality__isnull=True
        )
        .order_by("code")
        .values_list("pk", "code", "name")
    )
    code_of = {pk: code for pk, code, _name in zones}
    row_of: dict[int, str] = {}
    memberships = (
        Zone.municipalities.through.objects.filter(
            zone_id__in=list(code_of), municipality__metropolitan_city_id=city.pk
        )
        .order_by("zone__code")
        .values_list("municipality_id", "zone_id")
    )
    for municipality_id, zone_id in memberships:
        row_of.setdefault(municipality_id, code_of[zone_id])  # in two Ambiti: the first
    rows = [
        (code, name, reverse("admin:dashboard-zone", args=[city.slug, code]))
        for _pk, code, name in zones
    ]
    outside = Municipality.objects.filter(metropolitan_city_id=city.pk).exclude(pk__in=list(row_of))
    outside_ids = list(outside.order_by().values_list("pk", flat=True))
    if outside_ids:
        rows.append((OUTSIDE_KEY, gettext("Outside any Ambito"), None))
        row_of.update(dict.fromkeys(outside_ids, OUTSIDE_KEY))
    return _Layout(tuple(rows), row_of)


def _by_row(layout: _Layout, grouped, municipality_key: str, fields) -> dict[str, dict]:
    """Add up per-municipality aggregate rows (a few hundred at most) into table rows."""
    sums: dict[str, dict] = {key: dict.fromkeys(fields, 0) for key, _label, _link in layout.rows}
    for values in grouped:
        key = layout.row_of.get(values[municipality_key])
        if key is None:
            continue
        for field in fields:
            sums[key][field] += values[field] or 0
    return sums


def _build(
    key: str,
    title: str,
    columns: tuple[Column, ...],
    layout: _Layout,
    sums: dict[str, dict],
    derive=None,
    note: str = "",
) -> Table:
    """Rows from the sums (``derive`` adds the averages and rates), and their total."""
    derive = derive or (lambda values: {})
    keys = [column.key for column in columns]
    rows = []
    for row_key, label, link in layout.rows:
        values = sums[row_key]
        cells = {**values, **derive(values)}
        rows.append(Row(row_key, label, {k: cells.get(k, 0) for k in keys}, link))
    total_values = {field: sum(sums[row.key][field] for row in rows) for field in _fields(sums)}
    total_cells = {**total_values, **derive(total_values)}
    total = Row(TOTAL_KEY, gettext("Total"), {k: total_cells.get(k, 0) for k in keys})
    return Table(key, title, columns, tuple(rows), total, note)


def _fields(sums: dict[str, dict]) -> list[str]:
    first = next(iter(sums.values()), {})
    return list(first)


def _in_category(area: Area, service_ref: str = "service_id"):
    """Referrals to a service in the area's category branch (None: no category)."""
    if area.category is None:
        return None
    return in_category(area.category, service_ref)


def in_category(category: ServiceCategory, service_ref: str = "service_id") -> Exists:
    """Referrals to a service in the category's branch."""
    return Exists(
        Service.categories.through.objects.filter(
            Q(service_id=OuterRef(service_ref))
            & category_branch_q(category.code, prefix="servicecategory__")
        )
    )


def _referrals(area: Area, *, category: bool):
    """The referrals of the area's cases (``ReferralFact``: each with its municipality as
    ``m``), to services of the area's category when ``category``."""
    referrals = ReferralFact.objects.filter(municipality_id__in=_municipality_ids(area)).annotate(
        m=F("municipality_id")
    )
    condition = _in_category(area) if category else None
    if condition is not None:
        referrals = referrals.filter(condition)
    return referrals


def _ratio(part: int, whole: int, scale: float = 1.0, digits: int = 1) -> float | None:
    if whole < MIN_AVERAGED:
        return None
    return round(scale * part / whole, digits)


def _number(value) -> int | float:
    if value is None:
        return 0
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


class _AddMonths(Func):
    """``date + n months`` in SQL. PostgreSQL clamps to the month's last day (31 August +
    6 months is 28 February); SQLite, the embedded default, rolls over (3 March)."""

    output_field = DateField()

    def __init__(self, expression, months: int):
        self.months = int(months)
        super().__init__(expression)

    def as_postgresql(self, compiler, connection, **extra_context):
        template = f"(%(expressions)s + interval '{self.months} months')::date"
        return self.as_sql(compiler, connection, template=template, **extra_context)

    def as_sqlite(self, compiler, connection, **extra_context):
        template = f"date(%(expressions)s, '+{self.months} months')"
        return self.as_sql(compiler, connection, template=template, **extra_context)


# --- The tables --------------------------------------------------------------------------


def casework_table(area: Area, period: Period) -> Table:
    """People taken in charge, cases, referrals and waiting, per sub-area."""
    start, end = period.start, period.end
    layout = area.layout
    in_period = Q(day__gte=start, day__lte=end)
    counts = (
        DayFact.objects.filter(municipality_id__in=_municipality_ids(area))
        .order_by()
        .values(m=F("municipality_id"))
        .annotate(
            active=Sum(F("opened") - F("closed"), filter=Q(day__lte=end)),
            opened=Sum("opened", filter=in_period),
            closed=Sum("closed", filter=in_period),
            referrals=Sum("referred", filter=in_period),
            answered=Sum("answered", filter=in_period),
            waited_days=Sum("waited_days", filter=in_period),
            waiting_now=Sum("pending"),
        )
    )
    # People are not additive over days: counted from the cases opened in the period.
    people = (
        CaseFact.objects.filter(
            municipality_id__in=_municipality_ids(area), opened_on__gte=start, opened_on__lte=end
        )
        .order_by()
        .values(m=F("municipality_id"))
        .annotate(people=Count("beneficiary", distinct=True))
    )
    sums = _by_row(layout, people, "m", ("people",))
    for key, values in _by_row(layout, counts, "m", CASEWORK_FIELDS).items():
        sums[key].update(values)
    return casework_from_sums(layout, sums)


CASEWORK_FIELDS = (
    "active",
    "opened",
    "closed",
    "referrals",
    "answered",
    "waited_days",
    "waiting_now",
)


def casework_from_sums(layout: _Layout, sums: dict[str, dict]) -> Table:
    """The casework table of these sums per row (``people`` and :data:`CASEWORK_FIELDS`)."""

    def derive(values):
        return {"waiting_days": _ratio(values["waited_days"], values["answered"])}

    columns = (
        Column("people", gettext("People taken in charge"), people=True),
        Column("active", gettext("Open cases at the end"), people=True),
        Column("opened", gettext("Cases opened"), people=True),
        Column("closed", gettext("Cases closed"), people=True),
        Column("referrals", gettext("Referrals made"), people=True),
        Column("waiting_days", gettext("Average wait for an answer"), unit=gettext("days")),
        Column("waiting_now", gettext("Referrals waiting now"), people=True),
    )
    note = gettext(
        "A person with cases in two areas counts in each. The average wait is in days from "
        "referral to answer, for the referrals answered in the period; it is not shown for "
        "fewer than %(min)s answers."
    ) % {"min": MIN_AVERAGED}
    return _build(
        "casework",
        gettext("People taken in charge and cases"),
        columns,
        layout,
        sums,
        derive,
        note,
    )


def referrals_table(area: Area, period: Period) -> Table:
    """Referrals made in the period by their status now, per sub-area."""
    layout = area.layout
    statuses = list(ReferralStatus)
    if area.category is None:  # added up by day
        grouped = (
            DayFact.objects.filter(
                municipality_id__in=_municipality_ids(area),
                day__gte=period.start,
                day__lte=period.end,
            )
            .order_by()
            .values(m=F("municipality_id"))
            .annotate(
                total=Sum("referred"),
                **{status.value: Sum(f"referred_{status.value}") for status in statuses},
            )
        )
    else:  # counted among the referrals to the category's services
        grouped = (
            _referrals(area, category=True)
            .filter(referred_on__gte=period.start, referred_on__lte=period.end)
            .order_by()
            .values("m")
            .annotate(
                total=Count("pk"),
                **{status.value: Count("pk", filter=Q(status=status.value)) for status in statuses},
            )
        )
    fields = [status.value for status in statuses] + ["total"]
    return referrals_from_sums(area, layout, _by_row(layout, grouped, "m", fields))


def referrals_from_sums(area: Area, layout: _Layout, sums: dict[str, dict]) -> Table:
    """The referrals table of these sums per row (each status, and ``total``)."""
    statuses = list(ReferralStatus)
    columns = tuple(Column(status.value, str(status.label), people=True) for status in statuses)
    columns += (Column("total", gettext("Total"), people=True),)
    note = gettext("Referrals made in the period, by their status today.")
    if area.category is not None:
        note += " " + gettext("Only referrals to services in this category.")
    return _build("referrals", gettext("Referrals by status"), columns, layout, sums, note=note)


def housing_table(area: Area, *, today: datetime.date | None = None) -> Table:
    """The housing stock today by status, recovered and confiscated homes apart, places."""
    today = today or timezone.localdate()
    layout = area.layout
    statuses = list(UnitStatus)
    units = (
        HousingUnit.objects.filter(municipality_id__in=_municipality_ids(area))
        .order_by()
        .values("municipality_id")
        .annotate(
            **{status.value: Count("pk", filter=Q(status=status.value)) for status in statuses},
            recovered=Count("pk", filter=Q(unit_type=UnitType.RECOVERED)),
            confiscated=Count("pk", filter=Q(unit_type=UnitType.CONFISCATED)),
            places=Sum("places"),
        )
    )
    occupied = (
        Placement.objects.filter(
            unit__municipality_id__in=_municipality_ids(area), starts_on__lte=today
        )
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gt=today))
        .order_by()
        .values("unit__municipality_id")
        .annotate(occupied_places=Count("pk"))
    )
    fields = [status.value for status in statuses] + ["recovered", "confiscated", "places"]
    sums = _by_row(layout, units, "municipality_id", fields)
    for key, values in _by_row(
        layout, occupied, "unit__municipality_id", ("occupied_places",)
    ).items():
        sums[key].update(values)
    columns = tuple(Column(status.value, str(status.label)) for status in statuses)
    columns += (
        Column("recovered", gettext("Recovered unused homes")),
        Column("confiscated", gettext("Confiscated properties")),
        Column("places", gettext("Places")),
        Column("occupied_places", gettext("Places occupied today"), people=True),
    )
    note = gettext(
        "Housing units by status today; recovered homes and confiscated properties are "
        "counted apart, whatever their status."
    )
    return _build("housing", gettext("Housing stock"), columns, layout, sums, note=note)


def housing_first_table(area: Area, period: Period) -> Table:
    """Housing First placements started, and people still housed after 6 and 12 months."""
    layout = area.layout
    end = period.end
    annotations = {
        "started": Count("pk", filter=Q(starts_on__gte=period.start, starts_on__lte=end)),
    }
    for months in (6, 12):
        due = Q(**{f"after_{months}__lte": end})
        annotations[f"due_{months}"] = Count("pk", filter=due)
        annotations[f"housed_{months}"] = Count(
            "pk",
            filter=due & (Q(ends_on__isnull=True) | Q(ends_on__gt=F(f"after_{months}"))),
        )
    grouped = (
        Placement.objects.filter(
            unit__unit_type=UnitType.HOUSING_FIRST,
            unit__municipality_id__in=_municipality_ids(area),
            starts_on__lte=end,
        )
        .annotate(after_6=_AddMonths(F("starts_on"), 6), after_12=_AddMonths(F("starts_on"), 12))
        .order_by()
        .values("unit__municipality_id")
        .annotate(**annotations)
    )
    sums = _by_row(layout, grouped, "unit__municipality_id", HOUSING_FIRST_FIELDS)
    return housing_first_from_sums(layout, sums)


HOUSING_FIRST_FIELDS = ("started", "due_6", "housed_6", "due_12", "housed_12")


def housing_first_from_sums(layout: _Layout, sums: dict[str, dict]) -> Table:
    """The Housing First table of these sums per row (:data:`HOUSING_FIRST_FIELDS`)."""

    def derive(values):
        return {
            "rate_6": _ratio(values["housed_6"], values["due_6"], 100),
            "rate_12": _ratio(values["housed_12"], values["due_12"], 100),
        }

    columns = (Column("started", gettext("Placements started"), people=True),)
    for months in (6, 12):
        columns += (
            Column(
                f"due_{months}",
                gettext("Started %(months)s months before the end or earlier") % {"months": months},
                people=True,
            ),
            Column(
                f"housed_{months}",
                gettext("Still housed after %(months)s months") % {"months": months},
                people=True,
            ),
            Column(
                f"rate_{months}",
                gettext("Still housed after %(months)s months (share)") % {"months": months},
                unit="%",
            ),
        )
    note = gettext(
        "Placements in Housing First flats, where the flat is. Still housed: the placement had "
        "not ended on the day the months were up. Shares are not shown on fewer than "
        "%(min)s placements."
    ) % {"min": MIN_AVERAGED}
    return _build("housing-first", gettext("Housing First"), columns, layout, sums, derive, note)


def trends_table(area: Area, period: Period) -> Table:
    """Month by month: people taken in charge, cases opened, referrals, placements."""
    months = period.months()
    ids = _municipality_ids(area)
    start, end = period.start, period.end
    # People per municipality and month, added up over the area's municipalities.
    people = (
        MonthPeople.objects.filter(municipality_id__in=ids, month__gte=start, month__lte=end)
        .order_by()
        .values("month")
        .annotate(people=Sum("people"))
    )
    days = DayFact.objects.filter(municipality_id__in=ids, day__gte=start, day__lte=end)
    by_month = days.annotate(month=TruncMonth("day")).order_by().values("month")
    if area.category is None:
        cases = by_month.annotate(opened=Sum("opened"), referrals=Sum("referred"))
        referrals = ()
    else:
        cases = by_month.annotate(opened=Sum("opened"))
        referrals = (
            _referrals(area, category=True)
            .filter(referred_on__gte=start, referred_on__lte=end)
            .annotate(month=TruncMonth("referred_on"))
            .order_by()
            .values("month")
            .annotate(referrals=Count("pk"))
        )
    placements = (
        Placement.objects.filter(
            unit__municipality_id__in=_municipality_ids(area),
            starts_on__gte=start,
            starts_on__lte=end,
        )
        .annotate(month=TruncMonth("starts_on"))
        .order_by()
        .values("month")
        .annotate(placements=Count("pk"))
    )
    sums = {month: dict.fromkeys(TRENDS_FIELDS, 0) for month in months}
    for grouped in (people, cases, referrals, placements):
        for values in grouped:
            month = values["month"]
            if isinstance(month, datetime.datetime):
                month = month.date()
            if month in sums:
                sums[month].update({k: v for k, v in values.items() if k in TRENDS_FIELDS})
    return trends_from_sums(area, months, sums)


TRENDS_FIELDS = ("people", "opened", "referrals", "placements")


def trends_from_sums(area: Area, months: list[datetime.date], sums: dict) -> Table:
    """The trends table of these sums per month (first day → :data:`TRENDS_FIELDS`)."""
    layout = _Layout(
        tuple((month.strftime("%Y-%m"), month.strftime("%Y-%m"), None) for month in months),
        {},
    )
    by_key = {month.strftime("%Y-%m"): sums[month] for month in months}
    columns = (
        Column("people", gettext("People taken in charge"), people=True),
        Column("opened", gettext("Cases opened"), people=True),
        Column("referrals", gettext("Referrals made"), people=True),
        Column("placements", gettext("Placements started"), people=True),
    )
    note = gettext(
        "A person taken in charge in two months, or in two municipalities, counts in each."
    )
    if area.category is not None:
        note += " " + gettext("Referrals: only to services in this category.")
    return _build("trends", gettext("Month by month"), columns, layout, by_key, note=note)


def _category_name(name_it: str, name_en: str) -> str:
    return name_it if (get_language() or "").startswith("it") else name_en


def _category_heads(area: Area) -> tuple[list[tuple], dict[str, list[int]], list[int]]:
    """The categories the table lists (the area's category's children, or the top level),
    each with the ids of its whole branch, and every id of every branch."""
    categories = list(
        ServiceCategory.objects.order_by("code").values_list(
            "pk", "code", "parent_id", "name_it", "name_en"
        )
    )
    if area.category is not None:
        heads = [c for c in categories if c[2] == area.category.pk] or [
            c for c in categories if c[0] == area.category.pk
        ]
    else:
        heads = [c for c in categories if c[2] is None]
    branches = {
        code: [
            pk for pk, other, *_rest in categories if other == code or other.startswith(f"{code}.")
        ]
        for _pk, code, *_rest in heads
    }
    everything = sorted({pk for ids in branches.values() for pk in ids})
    return heads, branches, everything


def _services_by_branch(
    area: Area, branches: dict[str, list[int]], everything: list[int]
) -> dict[str, list]:
    """Services, sites, free places and places per branch code, and under "_all" for all
    branches together.

    Each listed offering of the area (OfferingFact) once per category of its service,
    named by its branch; then, in one statement, services, sites and places per branch
    (an offering once per branch, even when its service is in two categories of it) and
    for all branches (each offering once).
    """
    pairs = (
        OfferingFact.objects.filter(
            municipality_id__in=_municipality_ids(area), service__categories__in=everything
        )
        .annotate(
            branch=Case(
                *[
                    When(service__categories__in=ids, then=Value(code))
                    for code, ids in branches.items()
                ],
                output_field=CharField(),
            )
        )
        .order_by()
        .values("offering_id", "branch", "site_id", "service_id", "free_places", "total_places")
        .distinct()
    )
    sql, params = pairs.query.sql_with_params()
    figures = (
        "COUNT(DISTINCT {t}.service_id), COUNT(DISTINCT {t}.site_id), "
        "SUM({t}.free_places), SUM({t}.total_places)"
    )
    with connection.cursor() as cursor:
        # The inner SQL is Django's own, with its parameters apart.
        cursor.execute(
            f"WITH pairs AS ({sql}) "  # noqa: S608
            f"SELECT pairs.branch, {figures.format(t='pairs')} FROM pairs "
            "GROUP BY pairs.branch UNION ALL "
            f"SELECT '_all', {figures.format(t='once')} FROM (SELECT DISTINCT pairs.offering_id, "
            "pairs.site_id, pairs.service_id, pairs.free_places, pairs.total_places "
            "FROM pairs) once",
            params,
        )
        return {code: figures for code, *figures in cursor.fetchall()}


def _services_cells(by_branch: dict[str, list], code: str) -> dict[str, object]:
    services, sites, free, total = by_branch.get(code) or (0, 0, 0, 0)
    return {
        "services": services or 0,
        "sites": sites or 0,
        "free_places": _number(free),
        "total_places": _number(total),
    }


def services_table(area: Area) -> Table:
    """Services, sites and places by category in the area (confidential sites count too)."""
    heads, branches, everything = _category_heads(area)
    by_branch = _services_by_branch(area, branches, everything)
    rows = tuple(
        Row(
            code,
            _category_name(name_it, name_en),
            _services_cells(by_branch, code),
            reverse("admin:dashboard-category", args=[area.city.slug, code]),
        )
        for _pk, code, _parent, name_it, name_en in heads
    )
    columns = (
        Column("services", gettext("Services")),
        Column("sites", gettext("Sites")),
        Column("free_places", gettext("Free places")),
        Column("total_places", gettext("Places")),
    )
    note = gettext(
        "Active services with a site in the area; a service in several categories counts in "
        "each, and once in the total. Places: capacities in beds or places only."
    )
    return Table(
        "services",
        gettext("Services and places by category"),
        columns,
        rows,
        Row(TOTAL_KEY, gettext("Total"), _services_cells(by_branch, "_all")),
        note,
    )
