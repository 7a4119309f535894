"""The home page: a caseload for case workers, incoming referrals for providers."""

from __future__ import annotations

import datetime

from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef, Prefetch, Q
from django.shortcuts import redirect, render
from django.utils import timezone

from beneficiaries.models import CaseStatus, Need, Referral, ReferralStatus
from beneficiaries.selectors import referral_views_for, shown_cases
from beneficiaries.visibility import scope_of
from core.access_log import log_access
from registry.models import Municipality
from services.models import Organisation
from workspace.access import team_cases, workspace_view
from workspace.forms.caseload import SORTS, CaseloadFilter

PAGE_SIZE = 25
FOLLOW_UP_HORIZON = datetime.timedelta(days=7)
WAITING = (ReferralStatus.REFERRED, ReferralStatus.WAITING)


def home(request):
    """Officials and administrators work in the admin; everyone else on their caseload."""
    if request.user.is_authenticated and scope_of(request.user).empty:
        return redirect("admin:index")
    return _workspace_home(request)


@workspace_view()
def _workspace_home(request):
    scope = request.scope
    context = {}
    if scope.casework:
        context.update(_caseload(request))
    if scope.provider:
        incoming = incoming_referrals(request.user, scope)[:10]
        context["incoming"] = referral_views_for(request.user, incoming, needs=False)
        log_access(request, shown_cases(context["incoming"]), via="workspace-list")
    if request.htmx and request.htmx.target == "caseload":
        return render(request, "workspace/partials/caseload.html", context)
    return render(request, "workspace/home.html", context)


def my_cases(user, cases):
    """The cases the user leads or is on the team of.

    The team's case ids are read first (one small query) and passed as a list: with a
    subquery there, PostgreSQL cannot combine the two conditions on indexes and walks
    every case of the organisation instead of the user's own (docs/performance.md)."""
    on_team = list(
        cases.model.team.through.objects.filter(user_id=user.pk).values_list("case_id", flat=True)
    )
    return cases.filter(Q(lead_worker_id=user.pk) | Q(pk__in=on_team))


def _caseload(request) -> dict:
    scope, user = request.scope, request.user
    cases = team_cases(user)
    coordinator = bool(scope.coordinated)
    # The municipalities of the metropolitan cities the user's organisations work in: a
    # short list that costs the same whatever the caseload (the municipalities of the
    # cases themselves would be a scan of every person of an organisation).
    municipalities = (
        Municipality.objects.filter(
            metropolitan_city__in=Organisation.objects.filter(pk__in=scope.casework).values(
                "municipality__metropolitan_city"
            )
        )
        .order_by("name")
        .defer("boundary")
    )
    # Open cases until the worker picks another status; the page links carry the filters.
    data = request.GET.copy()
    data.setdefault("status", CaseStatus.OPEN)
    filters = CaseloadFilter(data, municipalities=municipalities, coordinator=coordinator)
    if filters.value("scope", "mine") == "mine":
        cases = my_cases(user, cases)
    today = timezone.localdate()
    follow_ups = (
        cases.filter(status=CaseStatus.OPEN, follow_up_on__lte=today + FOLLOW_UP_HORIZON)
        .select_related("beneficiary")
        .order_by("follow_up_on", "pk")[:10]
    )
    status = filters.value("status")
    if status:
        cases = cases.filter(status=status)
    if need := filters.value("need"):
        # Per listed case (an index look-up each), not every open need of that domain.
        cases = cases.filter(
            Exists(Need.objects.filter(case=OuterRef("pk"), domain=need, resolved_on__isnull=True))
        )
    if municipality := filters.value("municipality"):
        cases = cases.filter(beneficiary__residence_municipality=municipality)
    cases = (
        cases.select_related("beneficiary", "beneficiary__residence_municipality")
        # Not the municipality's boundary: a large GeoJSON decoded for every row.
        .defer("beneficiary__residence_municipality__boundary")
        .prefetch_related(
            Prefetch(
                "needs",
                queryset=Need.objects.filter(resolved_on__isnull=True).order_by("-severity"),
                to_attr="open_needs",
            )
        )
        .order_by(*SORTS[filters.value("sort", "activity")])
    )
    page = Paginator(cases, PAGE_SIZE).get_page(request.GET.get("page"))
    follow_ups = list(follow_ups)
    # The team's side only: a referral the user made to a case they no longer work on is
    # read, if at all, through the provider's view.
    sent = list(
        Referral.objects.sent_by_team(user)
        .filter(referred_by=user, status__in=WAITING)
        .select_related("service", "case__beneficiary")
        .order_by("-referred_on")[:10]
    )
    # The sent referrals name their person too.
    shown = [*page.object_list, *follow_ups, *(referral.case for referral in sent)]
    log_access(request, shown, via="workspace-list")
    query = data.copy()
    query.pop("page", None)
    return {
        "filters": filters,
        "page": page,
        "query": query.urlencode(),
        "follow_ups": follow_ups,
        "today": today,
        "sent": sent,
    }


def incoming_referrals(user, scope):
    """Referrals to the user's provider organisations still waiting for an answer; what
    is shown of the person is the referral's view (``referral_views_for``)."""
    return (
        Referral.objects.visible_to(user)
        .filter(service__organisation__in=scope.provider, status__in=WAITING)
        .select_related("service")
        .order_by("referred_on", "pk")
    )
