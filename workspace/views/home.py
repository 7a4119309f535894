"""The home page: a caseload for case workers, incoming referrals for providers."""

from __future__ import annotations

import datetime

from django.core.paginator import Paginator
from django.db.models import Prefetch, Q
from django.shortcuts import redirect, render
from django.utils import timezone

from beneficiaries.models import CaseStatus, Need, Referral, ReferralStatus
from beneficiaries.visibility import scope_of
from config.access_log import log_access
from registry.models import Municipality
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
        context["incoming"] = list(incoming_referrals(request.user, scope)[:10])
        log_access(request, [r.case for r in context["incoming"]], via="workspace-list")
    if request.htmx and request.htmx.target == "caseload":
        return render(request, "workspace/partials/caseload.html", context)
    return render(request, "workspace/home.html", context)


def my_cases(user, cases):
    """The cases the user leads or is on the team of."""
    on_team = cases.model.team.through.objects.filter(user_id=user.pk).values("case_id")
    return cases.filter(Q(lead_worker_id=user.pk) | Q(pk__in=on_team))


def _caseload(request) -> dict:
    scope, user = request.scope, request.user
    cases = team_cases(user)
    coordinator = bool(scope.coordinated)
    municipalities = Municipality.objects.filter(
        pk__in=cases.values("beneficiary__residence_municipality")
    ).order_by("name")
    filters = CaseloadFilter(
        request.GET or None, municipalities=municipalities, coordinator=coordinator
    )
    if filters.value("scope", "mine") == "mine":
        cases = my_cases(user, cases)
    today = timezone.localdate()
    follow_ups = (
        cases.filter(status=CaseStatus.OPEN, follow_up_on__lte=today + FOLLOW_UP_HORIZON)
        .select_related("beneficiary")
        .order_by("follow_up_on", "pk")[:10]
    )
    status = filters.value("status", CaseStatus.OPEN if not request.GET else "")
    if status:
        cases = cases.filter(status=status)
    if need := filters.value("need"):
        cases = cases.filter(
            pk__in=Need.objects.filter(domain=need, resolved_on__isnull=True).values("case_id")
        )
    if municipality := filters.value("municipality"):
        cases = cases.filter(beneficiary__residence_municipality=municipality)
    cases = (
        cases.select_related("beneficiary", "beneficiary__residence_municipality")
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
    log_access(request, [*page.object_list, *follow_ups], via="workspace-list")
    sent = (
        Referral.objects.visible_to(user)
        .filter(referred_by=user, status__in=WAITING)
        .select_related("service", "case__beneficiary")
        .order_by("-referred_on")[:10]
    )
    query = request.GET.copy()
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
    """Referrals to the user's provider organisations still waiting for an answer."""
    return (
        Referral.objects.visible_to(user)
        .filter(service__organisation__in=scope.provider, status__in=WAITING)
        .select_related("service", "offering__site", "case__beneficiary")
        .order_by("referred_on", "pk")
    )
