"""Housing: find a unit that fits the person, place them (Housing First too), end a placement.

Units are not personal data (every worker may look for a place), but the address of a
confidential unit reaches only the members of the organisation that owns it. Placements are
personal data: they start from ``Placement.objects.visible_to`` and, to be changed here,
must belong to a case of the user's team. Placing and ending are the actions'
(``housing/actions/placements.py``: rules, consent, audit, last activity); these views
only parse the form and show a refusal by field, with its status (400 bad input, 409 a
clash with the stock's or the case's state).
"""

from __future__ import annotations

from django.contrib import messages
from django.db.models import Case as SqlCase
from django.db.models import IntegerField, Value, When
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from core.access_log import log_access
from core.errors import ActionError
from core.formats import short_date
from core.forms import add_errors, page_status
from housing.actions.placements import PLACEABLE_STATUSES, placement_create, placement_end
from housing.api import with_availability
from housing.models import HousingUnit, Placement
from registry.models import Municipality
from services.confidentiality import member_organisation_ids
from workspace.access import team_case_or_404, team_cases, workspace_view
from workspace.forms.housing import HousingSearchForm, PlaceForm, PlacementEndForm

RESULTS_CAP = 50


def _units():
    return HousingUnit.objects.select_related("municipality", "owner").defer(
        "municipality__boundary", "owner__municipality"
    )


def _show_addresses(request, units) -> None:
    """Mark which units' address the user may see: only their own organisation's, as in
    the API (a flat's address is where someone lives; the owner gives it on placement)."""
    members = member_organisation_ids(request)
    for unit in units:
        unit.address_visible = unit.owner_id in members


# --- Find -------------------------------------------------------------------------------


@require_http_methods(["GET", "HEAD"])
@workspace_view(casework=True)
def find_housing(request, pk):
    case = team_case_or_404(request, pk, log=True)
    person = case.beneficiary
    # The metropolitan city of the case's organisation: where its people are placed.
    metro_city = Municipality.objects.filter(pk=case.organisation.municipality_id).values(
        "metropolitan_city"
    )
    municipalities = (
        Municipality.objects.filter(metropolitan_city__in=metro_city)
        .only("pk", "name")
        .order_by("name")
    )
    form = HousingSearchForm(request.GET, municipalities=municipalities)
    context = {"case": case, "person": person, "form": form, "cap": RESULTS_CAP}
    if not form.is_valid():
        return render(request, "workspace/housing/find.html", context, status=400)
    wanted = form.cleaned_data
    units = with_availability(
        _units().filter(
            municipality__metropolitan_city__in=metro_city, status__in=PLACEABLE_STATUSES
        ),
        wanted["starts_on"],
    ).filter(free_places__gte=wanted["places"])
    if wanted["barrier_free"]:
        units = units.filter(barrier_free=True)
    if wanted["municipality"]:
        units = units.filter(municipality=wanted["municipality"])
    if wanted["unit_type"]:
        units = units.filter(unit_type=wanted["unit_type"])
    units = units.annotate(
        away_from_home=SqlCase(
            When(municipality_id=person.residence_municipality_id, then=Value(0)),
            default=Value(1),
            output_field=IntegerField(),
        )
    ).order_by("away_from_home", "municipality__name", "code")
    results = list(units[:RESULTS_CAP])
    _show_addresses(request, results)
    context.update(
        units=results,
        total=len(results) if len(results) < RESULTS_CAP else units.count(),
        starts_on=wanted["starts_on"],
    )
    return render(request, "workspace/housing/find.html", context)


# --- Place ------------------------------------------------------------------------------


def _unit_or_404(unit_id: int, day) -> HousingUnit:
    return get_object_or_404(with_availability(_units(), day), pk=unit_id)


def _place_page(request, case, unit, form, *, status: int = 200):
    _show_addresses(request, [unit])
    log_access(request, [case], via="workspace")
    context = {
        "case": case,
        "person": case.beneficiary,
        "unit": unit,
        "form": form,
        "placeable": unit.status in PLACEABLE_STATUSES,
        "conflict": status == 409,
        "today": timezone.localdate(),
    }
    return render(request, "workspace/housing/place.html", context, status=status)


@require_http_methods(["GET", "HEAD", "POST"])
@workspace_view(casework=True)
def place(request, pk, unit):
    if request.method == "POST":
        return _place_post(request, pk, unit)
    case = team_case_or_404(request, pk)
    initial = {}
    if starts_on := request.GET.get("starts_on"):
        initial["starts_on"] = starts_on
    return _place_page(
        request, case, _unit_or_404(unit, timezone.localdate()), PlaceForm(initial=initial)
    )


def _place_post(request, pk, unit_id):
    case = team_case_or_404(request, pk)
    unit = _unit_or_404(unit_id, timezone.localdate())
    form = PlaceForm(request.POST)
    if not form.is_valid():
        return _place_page(request, case, unit, form, status=400)
    starts_on, ends_on = form.cleaned_data["starts_on"], form.cleaned_data["ends_on"]
    try:
        placement_create(
            acting_user=request.user, unit=unit, case=case, starts_on=starts_on, ends_on=ends_on
        )
    except ActionError as error:
        add_errors(form, error, model=Placement)
        return _place_page(request, case, unit, form, status=page_status(error))
    messages.success(
        request,
        _("Placed in %(code)s from %(date)s.") % {"code": unit.code, "date": short_date(starts_on)},
    )
    return redirect("workspace:case", case.pk)


# --- End a placement ---------------------------------------------------------------------


def _placement_or_404(request, pk) -> Placement:
    """A placement the user sees, of a case of the user's team (read without a lock: the
    action that writes takes it)."""
    queryset = (
        Placement.objects.visible_to(request.user)
        .filter(case__in=team_cases(request.user).values("pk"))
        .select_related("unit__municipality", "unit__owner", "case__beneficiary")
        .defer("unit__municipality__boundary", "unit__owner__municipality")
    )
    return get_object_or_404(queryset, pk=pk)


def _end_page(request, placement, form, *, status: int = 200):
    _show_addresses(request, [placement.unit])
    log_access(request, [placement.case], via="workspace")
    context = {
        "placement": placement,
        "case": placement.case,
        "person": placement.case.beneficiary,
        "unit": placement.unit,
        "form": form,
        "ended": bool(placement.end_reason),
        "conflict": status == 409,
    }
    return render(request, "workspace/housing/placement_end.html", context, status=status)


@require_http_methods(["GET", "HEAD", "POST"])
@workspace_view(casework=True)
def placement_end_view(request, pk):
    if request.method == "POST":
        return _placement_end_post(request, pk)
    return _end_page(request, _placement_or_404(request, pk), PlacementEndForm())


def _placement_end_post(request, pk):
    placement = _placement_or_404(request, pk)
    form = PlacementEndForm(request.POST)
    if not form.is_valid():
        return _end_page(request, placement, form, status=400)
    ends_on = form.cleaned_data["ends_on"]
    try:
        placement_end(
            acting_user=request.user,
            placement=placement,
            ends_on=ends_on,
            reason=form.cleaned_data["reason"],
        )
    except ActionError as error:
        add_errors(form, error, model=Placement, aliases={"end_reason": "reason"})
        return _end_page(request, placement, form, status=page_status(error))
    messages.success(
        request,
        _("The placement in %(code)s ends on %(date)s.")
        % {"code": placement.unit.code, "date": short_date(ends_on)},
    )
    return redirect("workspace:case", placement.case_id)
