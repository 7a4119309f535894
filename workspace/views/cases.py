"""The case page (presa in carico): everything the team needs on one screen."""

from __future__ import annotations

from django.shortcuts import render

from beneficiaries.models import Goal, Need, Note, Referral
from housing.models import Placement
from workspace.access import team_case_or_404, workspace_view


@workspace_view(casework=True)
def case_detail(request, pk):
    case = team_case_or_404(request, pk, log=True)
    user = request.user
    context = {
        "case": case,
        "person": case.beneficiary,
        "team": list(case.team.all()),
        "needs": list(
            Need.objects.visible_to(user).filter(case=case).order_by("resolved_on", "-severity")
        ),
        "goals": list(Goal.objects.visible_to(user).filter(case=case)),
        "notes": list(Note.objects.visible_to(user).filter(case=case).select_related("author")),
        "referrals": list(
            Referral.objects.visible_to(user)
            .filter(case=case)
            .select_related("service__organisation", "offering__site")
        ),
        "placements": list(
            Placement.objects.visible_to(user)
            .filter(case=case)
            .select_related("unit", "unit__municipality")
        ),
    }
    return render(request, "workspace/case_detail.html", context)
