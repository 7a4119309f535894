"""The officials' dashboard pages in the admin: a metropolitan city, an Ambito, a
municipality and a category of services, each with its indicators and coverage.

Every figure on a page comes from a table of ``dashboards.indicators`` or
``dashboards.coverage``, published (``Table.publish()``: small-cell suppression; the
tables of cases, referrals, trends and Housing First together with every other period the
selector offers and every other page of the city, ``dashboards.periods``, so that no two
can be subtracted) before it reaches a template, and rendered by the one shared partial
``admin/dashboards/partials/table.html``. The exports (``dashboards.views.exports``)
rebuild the same tables from the same query string with :func:`resolve`.

Nothing personal is read here: the pages only hold the tables' aggregates, the names of
places and categories, and the official's own account.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field, replace
from functools import cached_property
from urllib.parse import urlencode

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from dashboards.facts import last_refreshed
from dashboards.indicators import Area
from dashboards.periods import Family
from dashboards.scope import DEFAULT_MONTHS, MONTHS, Period, dashboard_scope
from dashboards.tables import Table
from registry.models import MetropolitanCity, Municipality, Zone, ZoneKind
from services.models import ServiceCategory

# The period parameters a page keeps when it links to another page or to an export.
PERIOD_PARAMS = ("months", "year")


def _lens_choices():
    from dashboards.coverage import LENSES, lens_label

    return [(lens, lens_label(lens)) for lens in LENSES]


def _level_choices():
    from dashboards.coverage import LEVELS, level_label

    return [(level, level_label(level)) for level in LEVELS]


class SelectorForm(forms.Form):
    """The selector of a dashboard page (GET): where, when, and which coverage view.

    The same form validates an export's query string, so that an export rebuilds the
    table of the page it was downloaded from.
    """

    city = forms.SlugField(label=_("Metropolitan city"), required=False)
    zone = forms.ChoiceField(label=_("Ambito"), required=False)
    municipality = forms.RegexField(
        label=_("Municipality"), regex=r"^[0-9]{6}$", required=False, max_length=6
    )
    category = forms.RegexField(
        label=_("Category"), regex=r"^[a-z0-9-]+(\.[a-z0-9-]+)*$", required=False, max_length=40
    )
    months = forms.TypedChoiceField(
        label=_("Last months"),
        choices=[("", "—")] + [(str(m), str(m)) for m in MONTHS],
        coerce=int,
        required=False,
        empty_value=None,
    )
    year = forms.TypedChoiceField(
        label=_("Calendar year"), coerce=int, required=False, empty_value=None
    )
    standard = forms.SlugField(label=_("Coverage standard"), required=False, max_length=60)
    lens = forms.ChoiceField(label=_("Lens"), required=False)
    level = forms.ChoiceField(label=_("Map of"), required=False)

    def __init__(self, data, *, cities=(), zones=(), years=(), **kwargs):
        super().__init__(data, **kwargs)
        self.fields["city"].widget = forms.Select(choices=[(c.slug, c.name) for c in cities])
        self.fields["zone"].choices = [("", _("The whole city"))] + [
            (code, f"{code} – {name}") for code, name in zones
        ]
        self.fields["year"].choices = [("", "—")] + [(str(y), str(y)) for y in years]
        self.fields["lens"].choices = _lens_choices()
        self.fields["level"].choices = _level_choices()

    def period(self, today: datetime.date | None = None) -> Period:
        """The period of the page: a calendar year if chosen, else the last months."""
        today = today or timezone.localdate()
        year = self.cleaned_data.get("year")
        if year:
            return Period.calendar_year(year, today)
        return Period.last_months(self.cleaned_data.get("months") or DEFAULT_MONTHS, today)


def trend_period(period: Period) -> Period:
    """The trends: the 24 months up to the end of the page's period."""
    return period.trend()


class BadRequest(Exception):
    def __init__(self, form):
        super().__init__("invalid dashboard parameters")
        self.form = form


# --- Who and where -----------------------------------------------------------------------


def scope_or_403(request):
    scope = dashboard_scope(request.user)
    if scope.empty:
        raise PermissionDenied
    return scope


def city_or_404(request, slug: str) -> MetropolitanCity:
    scope = scope_or_403(request)
    city = MetropolitanCity.objects.filter(slug=slug, pk__in=scope.city_ids).first()
    if city is None:
        raise Http404
    return city


def ambito_of(city, code):
    """The city's Ambito with this code, or None."""
    return (
        Zone.objects.defer("boundary")
        .filter(metropolitan_city=city, kind=ZoneKind.AMBITO, code=code)
        .first()
    )


def municipality_of(city, istat):
    """The city's municipality with this ISTAT code, or None."""
    return (
        Municipality.objects.defer("boundary")
        .filter(metropolitan_city=city, istat_code=istat)
        .first()
    )


def _ambiti(city) -> list[tuple[str, str]]:
    return list(
        Zone.objects.filter(metropolitan_city=city, kind=ZoneKind.AMBITO)
        .order_by("code")
        .values_list("code", "name")
    )


def _years(today: datetime.date) -> list[int]:
    """The calendar years with data: from the first case opened to this year."""
    from dashboards.periods import selectable_years

    return selectable_years(today)


@dataclass
class Selection:
    """A validated selector: the area, the period and the coverage view of a page."""

    city: MetropolitanCity
    form: SelectorForm
    area: Area
    period: Period
    cities: list = field(default_factory=list)
    standards: list = field(default_factory=list)
    standard: object = None
    query: object = None  # the query string, as the coverage section reads it
    lens: str = "normative"
    level: str = "municipality"
    # Every period the selector offers today (``dashboards.periods``): the tables of
    # counts are published for all of them at once, so none can be subtracted from another.
    family: Family | None = None
    placements: object = None  # the placements' figures of the family, once per request

    def params(self, *names: str) -> dict[str, str]:
        data = self.form.cleaned_data
        values = {}
        for name in names:
            value = data.get(name)
            if value not in (None, ""):
                values[name] = str(value)
        return values

    @cached_property
    def facts_as_of(self):
        """When the facts the page reads were refreshed (None on SQLite: live views)."""
        return last_refreshed()

    @property
    def place_params(self) -> dict[str, str]:
        area, values = self.area, {}
        if area.zone is not None:
            values["zone"] = area.zone.code
        if area.municipality is not None:
            values["municipality"] = area.municipality.istat_code
        if area.category is not None:
            values["category"] = area.category.code
        return values

    @property
    def link_query(self) -> str:
        """Kept by drill-down links: the period and the coverage lens."""
        return urlencode(self.params(*PERIOD_PARAMS, "lens", "level"))

    @property
    def export_query(self) -> str:
        """What an export needs to rebuild a table of this page."""
        values = {**self.params(*PERIOD_PARAMS), **self.place_params}
        if self.standard is not None:
            values["standard"] = self.standard.code
        values["lens"], values["level"] = self.lens, self.level
        return urlencode(values)


def resolve(
    request,
    city: MetropolitanCity,
    *,
    zone: Zone | None = None,
    municipality: Municipality | None = None,
    category: ServiceCategory | None = None,
    from_query: bool = False,
    with_cities: bool = False,
) -> Selection:
    """Validate the query string into a selection, or raise :class:`BadRequest`.

    ``from_query``: the zone, municipality and category come from the query string (the
    category page and the exports) instead of the page's URL.
    """
    today = timezone.localdate()
    cities = list(dashboard_scope(request.user).cities()) if with_cities else []
    years = _years(today)
    form = SelectorForm(request.GET, cities=cities, zones=_ambiti(city), years=years)
    if not form.is_valid():
        raise BadRequest(form)
    data = form.cleaned_data
    if from_query:
        if data.get("zone"):
            zone = ambito_of(city, data["zone"])
        if data.get("municipality"):
            municipality = municipality_of(city, data["municipality"])
            if municipality is None:
                form.add_error("municipality", gettext("No such municipality in this city."))
                raise BadRequest(form)
        if data.get("category"):
            category = ServiceCategory.objects.filter(code=data["category"]).first()
            if category is None:
                form.add_error("category", gettext("No such category."))
                raise BadRequest(form)
    area = Area(city, zone=zone, municipality=municipality, category=category)
    selection = Selection(city, form, area, form.period(today), cities=cities, query=request.GET)
    selection.family = Family.on(today, years)
    selection.lens = data.get("lens") or "normative"
    selection.level = data.get("level") or "municipality"
    return selection


def choose_standard(selection: Selection) -> None:
    """The coverage standard, lens and level of the query string, as the coverage section
    reads them (``dashboards.coverage.choice_from``); an unknown one is a bad request."""
    from dashboards.coverage import BadParameter, choice_from

    try:
        choice = choice_from(selection.query, selection.area)
    except BadParameter as bad:
        selection.form.add_error(bad.name, bad.message())
        raise BadRequest(selection.form) from None
    selection.standards = list(choice.standards)
    selection.standard = choice.standard
    selection.lens, selection.level = choice.lens, choice.level


# --- Tables --------------------------------------------------------------------------------


def with_query(table: Table, query: str) -> Table:
    """The table with its drill-down links keeping the page's query string."""
    if not query:
        return table
    rows = tuple(
        replace(row, link=f"{row.link}?{query}") if row.link else row for row in table.rows
    )
    return replace(table, rows=rows)


def build_table(key: str, selection: Selection) -> Table | None:
    """The raw table of this key for the selection (None: not on this page)."""
    from dashboards import indicators
    from dashboards.memo import FACT_TABLES

    area, period = selection.area, selection.period
    if key in FACT_TABLES:
        return FACT_TABLES[key](area, period)
    if key == "housing":
        return indicators.housing_table(area)
    if key == "housing-first":
        return indicators.housing_first_table(area, period)
    if key == "trends":
        return indicators.trends_table(area, trend_period(period))
    if key in ("gaps", "social-workers"):
        from dashboards import coverage

        if key == "social-workers":
            return coverage.social_workers_table(area)
        if selection.standard is None:
            return None
        return coverage.gaps_table(area, selection.standard, selection.lens)
    return None


TABLE_KEYS = (
    "casework",
    "referrals",
    "housing",
    "services",
    "housing-first",
    "trends",
    "gaps",
    "social-workers",
)


def published(key: str, selection: Selection) -> Table | None:
    from dashboards.memo import FACT_TABLES, fact_table

    area, period, family = selection.area, selection.period, selection.family
    if key in FACT_TABLES:  # once per refresh of the facts (dashboards/memo.py)
        return fact_table(key, area, period, selection.facts_as_of, family)
    if key in ("trends", "housing-first") and family is not None and family.has(period):
        return _over_periods(key, selection)
    table = build_table(key, selection)
    return None if table is None else table.publish()


def _over_periods(key: str, selection: Selection) -> Table:
    try:
        return _over_periods_of(key, selection)
    except KeyError:
        # The city's Ambiti changed since the figures were kept: make them afresh.
        selection.placements = None
        return _over_periods_of(key, selection, fresh=True)


def _over_periods_of(key: str, selection: Selection, fresh: bool = False) -> Table:
    """Trends and Housing First, published with every period and page of the city
    (``dashboards.periods``): the facts' figures until the next refresh, the placements'
    until a placement or a housing unit changes (``dashboards.memo``)."""
    from dashboards import periods
    from dashboards.memo import figures, placement_figures

    area, period, family = selection.area, selection.period, selection.family
    if selection.placements is None:
        if fresh:
            selection.placements = periods.placement_figures(area.city, family)
        else:
            selection.placements = placement_figures(area.city, family)
    if key == "housing-first":
        return periods.housing_first_table(selection.placements, area, period)
    stamp, page = (None, None) if fresh else (selection.facts_as_of, area)
    facts = figures(area.city, family, None, stamp, page=page)
    referrals = (
        facts
        if area.category is None
        else figures(area.city, family, area.category, stamp, page=page)
    )
    return periods.trends_table(facts, referrals, selection.placements, area, period)


# --- Pages ---------------------------------------------------------------------------------


def _context(request, site, selection: Selection | None, **extra) -> dict:
    site = site or admin.site
    context = {**site.each_context(request), **extra}
    if selection is not None:
        context.update(
            city=selection.city,
            area=selection.area,
            form=selection.form,
            period=selection.period,
            link_query=selection.link_query,
            export_query=selection.export_query,
            facts_as_of=selection.facts_as_of,
        )
    return context


def bad_request(request, form, site=None):
    context = _context(
        request, site, None, title=gettext("The dashboard cannot show this"), form=form
    )
    return render(request, "admin/dashboards/bad_request.html", context, status=400)


def _breadcrumbs(selection: Selection, ambito: Zone | None = None) -> list[tuple[str, str]]:
    city, area, query = selection.city, selection.area, selection.link_query
    suffix = f"?{query}" if query else ""
    crumbs = [(city.name, reverse("admin:dashboard-city", args=[city.slug]) + suffix)]
    zone = area.zone or ambito
    if zone is not None:
        crumbs.append(
            (zone.name, reverse("admin:dashboard-zone", args=[city.slug, zone.code]) + suffix)
        )
    if area.municipality is not None:
        crumbs.append(
            (
                area.municipality.name,
                reverse(
                    "admin:dashboard-municipality", args=[city.slug, area.municipality.istat_code]
                )
                + suffix,
            )
        )
    if area.category is not None:
        crumbs.append((category_name(area.category), ""))
    return crumbs


def category_name(category: ServiceCategory) -> str:
    from django.utils.translation import get_language

    return category.name_it if (get_language() or "").startswith("it") else category.name_en


def _headline(casework: Table, housing: Table | None, services: Table | None) -> list[dict]:
    """The figures at the top of a page: the totals of the key tables."""
    # A table's column is read under its table's title; alone, some need a longer name.
    labels = {"available": gettext("Housing units available")}
    figures = []
    for table, keys in (
        (casework, ("people", "active", "referrals", "waiting_days", "waiting_now")),
        (housing, ("available", "occupied_places")),
        (services, ("services", "free_places")),
    ):
        if table is None or table.total is None:
            continue
        columns = {column.key: column for column in table.columns}
        for key in keys:
            if key in columns:
                column = columns[key]
                figures.append(
                    {
                        "key": key,
                        "label": labels.get(key, column.label),
                        "value": table.total.cells.get(key),
                        "unit": column.unit,
                    }
                )
    return figures


def _coverage_context(request, selection: Selection) -> dict:
    """The coverage section (``admin/dashboards/partials/coverage.html``): map, controls,
    the largest gaps and the social workers, as ``dashboards.coverage`` lays them out."""
    from dashboards.coverage import coverage_context

    choose_standard(selection)  # a bad standard, lens or level: 400
    return coverage_context(request, selection.area)


def _navigate(request, selection: Selection, current_zone: str) -> HttpResponseRedirect | None:
    """The selector moved to another city or Ambito: go to its page, period kept."""
    data, city = selection.form.cleaned_data, selection.city
    keep = selection.params(*PERIOD_PARAMS, "lens", "level")
    query = f"?{urlencode(keep)}" if keep else ""
    target_city = data.get("city")
    if target_city and target_city != city.slug:
        return HttpResponseRedirect(reverse("admin:dashboard-city", args=[target_city]) + query)
    if "zone" in request.GET and (data.get("zone") or "") != current_zone:
        if data.get("zone"):
            url = reverse("admin:dashboard-zone", args=[city.slug, data["zone"]])
        else:
            url = reverse("admin:dashboard-city", args=[city.slug])
        return HttpResponseRedirect(url + query)
    return None


def _show_defaults(selection: Selection, **values) -> None:
    """The selector shows what the page shows: its Ambito, its city, 12 months."""
    data = selection.form.data.copy()
    values.setdefault("city", selection.city.slug)
    if not data.get("months") and not data.get("year"):
        values["months"] = str(DEFAULT_MONTHS)
    for name, value in values.items():
        if name not in data:
            data[name] = value
    selection.form.data = data


def _area_page(request, site, city, *, zone=None, municipality=None):
    try:
        selection = resolve(request, city, zone=zone, municipality=municipality, with_cities=True)
        ambito = None
        if municipality is not None:
            ambito = (
                Zone.objects.defer("boundary")
                .filter(municipalities=municipality, kind=ZoneKind.AMBITO)
                .order_by("code")
                .first()
            )
        current_zone = (zone or ambito).code if (zone or ambito) else ""
        redirect = _navigate(request, selection, current_zone)
        if redirect is not None:
            return redirect
        _show_defaults(selection, zone=current_zone)
        coverage = _coverage_context(request, selection)
    except BadRequest as error:
        return bad_request(request, error.form, site)
    query = selection.link_query
    tables = {
        key: with_query(published(key, selection), query)
        for key in ("casework", "referrals", "housing", "housing-first", "trends")
    }
    services_query = urlencode(
        {**selection.params(*PERIOD_PARAMS), **selection.place_params, "lens": selection.lens}
    )
    tables["services"] = with_query(published("services", selection), services_query)
    if municipality is not None:
        title = municipality.name
    elif zone is not None:
        title = zone.name
    else:
        title = city.name
    context = _context(
        request,
        site,
        selection,
        title=title,
        breadcrumbs=_breadcrumbs(selection, ambito),
        headline=_headline(tables["casework"], tables["housing"], tables["services"]),
        casework=tables["casework"],
        referrals=tables["referrals"],
        housing=tables["housing"],
        services=tables["services"],
        housing_first=tables["housing-first"],
        trends=tables["trends"],
        coverage=coverage,
    )
    return render(request, "admin/dashboards/area.html", context)


def dashboard(request, site=None):
    """The admin home of officials and administrators: their city, or a choice of cities."""
    scope = scope_or_403(request)
    cities = list(scope.cities())
    if len(cities) == 1 and not scope.national:
        return _area_page(request, site, cities[0])
    context = _context(
        request,
        site,
        None,
        title=gettext("Dashboards"),
        cities=[(city, reverse("admin:dashboard-city", args=[city.slug])) for city in cities],
        national=scope.national,
    )
    return render(request, "admin/dashboards/index.html", context)


def dashboard_view(request):
    return dashboard(request)


def city_view(request, city):
    return _area_page(request, None, city_or_404(request, city))


def zone_view(request, city, zone):
    metro = city_or_404(request, city)
    found = ambito_of(metro, zone)
    if found is None:
        raise Http404
    return _area_page(request, None, metro, zone=found)


def municipality_view(request, city, istat):
    metro = city_or_404(request, city)
    found = municipality_of(metro, istat)
    if found is None:
        raise Http404
    return _area_page(request, None, metro, municipality=found)


def category_view(request, city, category):
    """A category of services in the city (or in one of its Ambiti or municipalities):
    its services, the referrals to them, and the coverage standards of the category."""
    metro = city_or_404(request, city)
    found = ServiceCategory.objects.filter(code=category).first()
    if found is None:
        raise Http404
    try:
        selection = resolve(request, metro, category=found, from_query=True)
        coverage = _coverage_context(request, selection)
        _show_defaults(selection)
    except BadRequest as error:
        return bad_request(request, error.form)
    services_query = urlencode(
        {
            **selection.params(*PERIOD_PARAMS),
            **{k: v for k, v in selection.place_params.items() if k != "category"},
            "lens": selection.lens,
        }
    )
    tables = {
        "services": with_query(published("services", selection), services_query),
        "referrals": with_query(published("referrals", selection), selection.link_query),
    }
    context = _context(
        request,
        None,
        selection,
        title=category_name(found),
        category=found,
        breadcrumbs=_breadcrumbs(selection),
        headline=_headline(tables["referrals"], None, tables["services"])
        + _referral_total(tables["referrals"]),
        services=tables["services"],
        referrals=tables["referrals"],
        coverage=coverage,
    )
    return render(request, "admin/dashboards/category.html", context)


def _referral_total(referrals: Table) -> list[dict]:
    if referrals.total is None:
        return []
    return [
        {
            "key": "referrals",
            "label": gettext("Referrals to these services"),
            "value": referrals.total.cells.get("total"),
            "unit": "",
        }
    ]
