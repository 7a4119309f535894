"""Referrals: the case team finds a service and refers; the provider answers.

Searching reuses the directory's rules (``services.selectors``): the same listed services and
sites, the same category branch, the same distance maths, and the same confidentiality
rule — a confidential site's address is never shown, and neither is its distance, which
would give it away.

Referring and answering go through the domain actions (``referral_create``,
``referral_move``), which check every rule and write the audit row; these views only turn
the form into a call and a refusal into the form's errors. What a page shows of the person
is the referral's view (``beneficiaries.selectors``): full, sealed (a protected case) or
an anonymous stub (no consent to sharing in force), with the reason.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import NON_FIELD_ERRORS
from django.core.paginator import Paginator
from django.db.models import (
    BooleanField,
    Case,
    Exists,
    ExpressionWrapper,
    F,
    FloatField,
    OuterRef,
    Prefetch,
    Value,
    When,
)
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from beneficiaries.actions.referrals import (
    NEEDS_REASON,
    TRANSITIONS,
    referral_create,
    referral_move,
)
from beneficiaries.consent import why_not
from beneficiaries.models import ConsentPurpose, Referral, ReferralStatus
from beneficiaries.selectors import referral_view_for, referral_views_for, shown_cases
from core.access_log import log_access
from core.errors import FORBIDDEN, STALE, ActionError, kind_of
from core.forms import add_errors, page_status
from registry.models import Municipality
from services.confidentiality import (
    confidential_site_q,
    location_visible_q,
    member_organisation_ids,
)
from services.distance import Circle, rounded_km
from services.models import Capacity, Service, ServiceAtSite, ServiceStatus, Site
from services.selectors import category_branch_q
from workspace.access import team_case_or_404, workspace_view
from workspace.forms.referrals import IncomingFilter, ReferForm, ReferralMoveForm, ServiceSearchForm

PAGE_SIZE = 25
RESULTS_TARGET = "referral-results"
# The label of the button that makes each move, in the order the buttons are shown.
MOVE_LABELS = {
    ReferralStatus.ACCEPTED: gettext_lazy("Accept"),
    ReferralStatus.WAITING: gettext_lazy("Put on the waiting list"),
    ReferralStatus.ACTIVE: gettext_lazy("Start"),
    ReferralStatus.DECLINED: gettext_lazy("Decline"),
    ReferralStatus.CLOSED: gettext_lazy("Close"),
}
# The move form's hidden fields: a refusal naming them stands above the form's buttons.
HIDDEN_FIELDS = {"status": NON_FIELD_ERRORS, "version": NON_FIELD_ERRORS}


# --- Finding a service and referring ------------------------------------------------------


def origin_of(case) -> Municipality:
    """Where distances are measured from: the person's residence, or for a homeless person
    (or one without a residence) the municipality of the case's organisation."""
    person = case.beneficiary
    if person.residence_municipality_id and not person.homeless:
        return person.residence_municipality
    return case.organisation.municipality


def offerings_for_referral(case, search: ServiceSearchForm, member_organisations):
    """Service offerings a case can be referred to, nearest first (distance from
    ``origin_of(case)``; offerings whose location the user may not see come last, with no
    distance)."""
    origin = origin_of(case)
    metropolitan_city_id = case.organisation.municipality.metropolitan_city_id
    offerings = ServiceAtSite.objects.filter(
        service__status=ServiceStatus.ACTIVE,
        service__organisation__active=True,
        site__active=True,
        site__organisation__active=True,
    )
    if category := search.value("category"):
        in_branch = Service.categories.through.objects.filter(
            category_branch_q(category.code, prefix="servicecategory__"),
            service=OuterRef("service"),
        )
        offerings = offerings.filter(Exists(in_branch))
    if municipality := search.value("municipality"):
        offerings = offerings.filter(site__municipality=municipality)
    else:
        offerings = offerings.filter(site__municipality__metropolitan_city=metropolitan_city_id)
    if search.value("free_only"):
        offerings = offerings.filter(
            Exists(Capacity.objects.filter(offering=OuterRef("pk"), available__gt=0))
        )
    circle = Circle(origin.centroid_lat, origin.centroid_lon, radius_km=0)
    visible = location_visible_q(member_organisations, "site__")
    return (
        offerings.annotate(
            location_visible=ExpressionWrapper(visible, output_field=BooleanField()),
            confidential_address=ExpressionWrapper(
                confidential_site_q("site__"), output_field=BooleanField()
            ),
            distance_sq=Case(
                When(visible, then=circle.squared_km_expression("site__")),
                default=Value(None),
                output_field=FloatField(),
            ),
        )
        .select_related("service__organisation", "site__municipality")
        .defer("site__municipality__boundary")
        .prefetch_related(Prefetch("capacities", queryset=Capacity.objects.order_by("unit")))
        .order_by(F("distance_sq").asc(nulls_last=True), "service__name", "pk")
    )


def _search_context(request, case) -> dict:
    municipalities = (
        Municipality.objects.filter(
            metropolitan_city=case.organisation.municipality.metropolitan_city_id
        )
        .defer("boundary")
        .order_by("name")
    )
    search = ServiceSearchForm(request.GET or None, municipalities=municipalities)
    offerings = offerings_for_referral(case, search, member_organisation_ids(request))
    page = Paginator(offerings, PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = list(page.object_list)
    for offering in page.object_list:
        offering.distance_km = (
            rounded_km(offering.distance_sq) if offering.distance_sq is not None else None
        )
    query = request.GET.copy()
    query.pop("page", None)
    return {
        "case": case,
        "person": case.beneficiary,
        "origin": origin_of(case),
        "search": search,
        "page": page,
        "query": query.urlencode(),
    }


@workspace_view(casework=True)
def refer(request, pk):
    if request.method == "POST":
        return _refer_post(request, pk)
    case = team_case_or_404(request, pk, log=True)
    context = _search_context(request, case)
    if request.htmx and request.htmx.target == RESULTS_TARGET:
        return render(request, "workspace/referrals/results.html", context)
    # The refusal the worker would meet on referring, said before they search.
    context["consent_refusal"] = why_not(
        beneficiary_id=case.beneficiary_id,
        organisation_id=case.organisation_id,
        purpose=ConsentPurpose.SHARING_WITH_PROVIDERS,
    )
    return render(request, "workspace/referrals/refer.html", context)


def _refer_post(request, pk):
    case = team_case_or_404(request, pk)
    form = ReferForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            referral_create(
                acting_user=request.user,
                case=case,
                service=data["service"],
                offering=data["offering"],
                reason=data["reason"].strip(),
            )
        except ActionError as error:
            add_errors(form, error)
        else:
            messages.success(
                request,
                _("Referred to %(service)s. The provider will answer on the case page.")
                % {"service": data["service"].name},
            )
            return redirect("workspace:case", pk=case.pk)
    log_access(request, [case], via="workspace")
    context = _search_context(request, case)
    context.update(
        refer_errors=[message for messages_ in form.errors.values() for message in messages_],
        refer_offering=request.POST.get("offering", ""),
        refer_reason=request.POST.get("reason", ""),
    )
    # 400 for every refusal, the consent's (a conflict) too: the page pins it
    # (tests/workspace/test_referrals.py, tests/beneficiaries/test_consent_matrix.py).
    return render(request, "workspace/referrals/refer.html", context, status=400)


# --- The provider's incoming referrals -----------------------------------------------------


@workspace_view(provider=True)
def incoming(request):
    user, scope = request.user, request.scope
    filters = IncomingFilter(request.GET or None)
    referrals = Referral.objects.visible_to(user).filter(service__organisation__in=scope.provider)
    if (statuses := filters.statuses()) is not None:
        referrals = referrals.filter(status__in=statuses)
    referrals = referrals.select_related("service", "offering__site").order_by(
        "referred_on", "created_at", "pk"
    )
    page = Paginator(referrals, PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = referral_views_for(user, page.object_list)
    log_access(request, shown_cases(page.object_list), via="workspace-list")
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "workspace/referrals/incoming.html",
        {"filters": filters, "page": page, "query": query.urlencode()},
    )


# --- One referral: its page and its moves --------------------------------------------------


def _referrals(user):
    """The referrals the user sees, with what their page shows of the referral itself; the
    person is read by ``referral_views_for`` (full, sealed or anonymous), never here."""
    return (
        Referral.objects.visible_to(user)
        .select_related("service__organisation", "offering__site__municipality")
        .defer("offering__site__municipality__boundary")
    )


def allowed_moves(referral, sides: set[str]) -> list[str]:
    """The statuses the user may move the referral to, in button order (the buttons the
    page offers; ``referral_move`` decides)."""
    allowed = {
        new
        for (old, new), owners in TRANSITIONS.items()
        if old == referral.status and owners & sides
    }
    return [status for status in MOVE_LABELS if status in allowed]


def _detail(
    request,
    referral,
    *,
    bound: ReferralMoveForm | None = None,
    status=200,
    conflict=None,
    log: bool = False,
):
    view = referral_view_for(request.user, referral)
    # The sides as ``sides_of`` tells them, from the view (no second query for the team).
    sides = {"team"} if view.team else set()
    if referral.service.organisation_id in request.scope.provider:
        sides.add("provider")
    moves = []
    for move in allowed_moves(referral, sides):
        if bound is not None and bound.data.get("status") == move:
            form = bound
        else:
            form = ReferralMoveForm(
                initial={"status": move, "version": referral.version}, auto_id=f"{move}-%s"
            )
        label = MOVE_LABELS[move]
        if move == ReferralStatus.CLOSED and sides == {"team"}:
            label = gettext_lazy("Close (withdraw)")
        moves.append(
            {"status": move, "label": label, "form": form, "needs_reason": move in NEEDS_REASON}
        )
    if log:
        log_access(request, shown_cases([view]), via="workspace")
    site = referral.offering.site if referral.offering_id else None
    context = {
        "referral": referral,
        "view": view,
        "site": site,
        "site_confidential": site is not None and not location_visible(request, site),
        "moves": moves,
        "sides": sides,
        "conflict": conflict,
        "unbound_errors": bound.non_field_errors() if bound is not None else [],
    }
    return render(request, "workspace/referrals/detail.html", context, status=status)


def location_visible(request, site) -> bool:
    """The directory's rule: a confidential site's address only for its organisation."""
    visible = location_visible_q(member_organisation_ids(request))
    return Site.objects.filter(visible, pk=site.pk).exists()


@workspace_view(casework=True, provider=True)
def referral_detail(request, pk):
    referral = get_object_or_404(_referrals(request.user), pk=pk)
    return _detail(request, referral, log=True)


@require_POST
@workspace_view(casework=True, provider=True)
def referral_move_view(request, pk):
    referral = get_object_or_404(_referrals(request.user), pk=pk)
    form = ReferralMoveForm(request.POST, auto_id=f"{request.POST.get('status', 'move')}-%s")
    if not form.is_valid():
        return _detail(request, referral, bound=form, status=400, log=True)
    data = form.cleaned_data
    try:
        referral = referral_move(
            acting_user=request.user,
            referral=referral,
            status=data["status"],
            on=data["on"],
            reason=data["reason"].strip() or None,
            version=data["version"],
        )
    except ActionError as error:
        current = get_object_or_404(_referrals(request.user), pk=pk)
        if kind_of(error) == STALE:
            return _detail(request, current, status=409, conflict=current, log=True)
        add_errors(form, error, aliases=HIDDEN_FIELDS)
        # A move the other side owns stays a 400, as the page has always answered it.
        status = 400 if kind_of(error) == FORBIDDEN else page_status(error)
        return _detail(request, current, bound=form, status=status, log=True)
    messages.success(
        request,
        _("The referral is now: %(status)s.") % {"status": referral.get_status_display()},
    )
    return redirect("workspace:referral", pk=referral.pk)
