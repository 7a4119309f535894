"""Editing and closing a case.

Each page parses its form and calls the action (``beneficiaries/actions/cases.py``), which
enforces the rules under the case's row lock, writes the audit row and touches the case's
last activity; a refusal comes back on the form, by field. The case itself is edited
against the version the user read: a stale save is never written; the user gets both
versions side by side instead."""

from __future__ import annotations

from django.contrib import messages
from django.db.models import Q
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from beneficiaries.actions import cases as actions
from beneficiaries.models import Case, CaseStatus, Referral
from core.access_log import log_access
from core.errors import STALE, ActionError
from housing.models import Placement
from security.reauth import require_recent_auth
from workspace.access import team_case_or_404, team_cases, workspace_view
from workspace.forms.casework import CaseCloseForm, CaseEditForm
from workspace.views.case_pages import (
    ConflictRow,
    about_the_case,
    closed,
    compared,
    conflict,
    display,
    form_refused,
    page,
    posted,
    with_version,
)

# --- The case and its plan --------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@workspace_view(casework=True)
def case_edit(request, pk):
    if request.method == "POST":
        return _case_edit_post(request, pk)
    case = team_case_or_404(request, pk, log=True)
    if case.status == CaseStatus.CLOSED:
        return closed(request, case, log=False)
    return page(request, "case_edit.html", case, form=CaseEditForm(instance=case))


def _case_edit_post(request, pk):
    case = team_case_or_404(request, pk)
    was_protected = case.protected  # the form writes the posted values onto ``case``
    form = CaseEditForm(request.POST, instance=case)
    status = 400
    if form.is_valid():
        data = form.cleaned_data
        # Lifting a case's protection opens it to the whole organisation: only after the
        # user has proved their password (and code) again (security/reauth.py).
        unprotects = was_protected and not data["protected"]
        if unprotects and (refusal := require_recent_auth(request)) is not None:
            return refusal
        try:
            case = actions.case_update(
                acting_user=request.user,
                case=case,
                version=data["version"],
                **{name: data[name] for name in actions.CASE_EDITABLE},
            )
        except ActionError as error:
            if error.kind == STALE:
                return _case_edit_conflict(request, pk)
            if (answer := about_the_case(request, case, error)) is not None:
                return answer
            status = form_refused(form, error, Case)
        else:
            messages.success(request, _("The case and its plan were saved."))
            if not team_cases(request.user).filter(pk=case.pk).exists():
                messages.info(request, _("You are no longer on this protected case."))
                return redirect("workspace:home")
            return redirect("workspace:case", pk=case.pk)
    if case.status == CaseStatus.CLOSED:
        return closed(request, case)
    log_access(request, [case], via="workspace")
    return page(request, "case_edit.html", case, status=status, form=form)


def _case_edit_conflict(request, pk):
    """Someone saved the case since the user read it: what is stored now beside what the
    user sent."""
    case = team_case_or_404(request, pk)
    saved = {name: getattr(case, name) for name in actions.CASE_EDITABLE if name != "team"}
    saved["team"] = list(case.team.all())
    form = CaseEditForm(with_version(request.POST, case), instance=case)
    rows = [
        ConflictRow(
            label=form.fields[name].label,
            mine=display(mine := posted(form, name)),
            saved=display(saved[name]),
            differs=compared(mine) != compared(saved[name]),
        )
        for name in actions.CASE_EDITABLE
    ]
    return conflict(
        request,
        case,
        rows=rows,
        form=form,
        form_template="workspace/casework/_case_form.html",
        title=_("Edit the case and its plan"),
    )


# --- Closing ----------------------------------------------------------------------------


def _open_parts(request, case: Case) -> tuple[list[Referral], list[Placement]]:
    """What the closing page lists: the case's running referrals and ongoing placements
    the user may see."""
    today = timezone.localdate()
    referrals = list(
        Referral.objects.visible_to(request.user)
        .filter(case=case, status__in=actions.OPEN_REFERRAL_STATUSES)
        .select_related("service__organisation")
        .order_by("referred_on", "pk")
    )
    placements = list(
        Placement.objects.visible_to(request.user)
        .filter(case=case)
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gt=today))
        .select_related("unit", "unit__municipality")
        .order_by("starts_on", "pk")
    )
    return referrals, placements


def _close_page(request, case, form, *, status=200):
    referrals, placements = _open_parts(request, case)
    return page(
        request,
        "case_close.html",
        case,
        status=status,
        form=form,
        open_referrals=referrals,
        ongoing_placements=placements,
    )


@require_http_methods(["GET", "POST"])
@workspace_view(casework=True)
def case_close(request, pk):
    if request.method == "POST":
        return _case_close_post(request, pk)
    case = team_case_or_404(request, pk, log=True)
    if case.status == CaseStatus.CLOSED:
        return closed(request, case, log=False)
    return _close_page(request, case, CaseCloseForm(case=case))


def _case_close_post(request, pk):
    case = team_case_or_404(request, pk)
    form = CaseCloseForm(request.POST, case=case)
    status = 400
    if form.is_valid():
        data = form.cleaned_data
        try:
            # A placement may rightly outlive the case (a Housing First tenancy goes on
            # when the goals are met): the action asks for a confirmation and never ends
            # it behind the worker's back.
            case = actions.case_close(
                acting_user=request.user,
                case=case,
                version=data["version"],
                outcome=data["outcome"],
                closed_on=data["closed_on"],
                close_anyway=data["close_anyway"],
            )
        except ActionError as error:
            if error.kind == STALE:
                return _case_close_conflict(request, pk)
            if (answer := about_the_case(request, case, error)) is not None:
                return answer
            status = form_refused(form, error, Case)
        else:
            messages.success(
                request,
                _("The case was closed: %(outcome)s.") % {"outcome": case.get_outcome_display()},
            )
            return redirect("workspace:case", pk=case.pk)
    if case.status == CaseStatus.CLOSED:
        return closed(request, case)
    log_access(request, [case], via="workspace")
    return _close_page(request, case, form, status=status)


def _case_close_conflict(request, pk):
    case = team_case_or_404(request, pk)
    form = CaseCloseForm(with_version(request.POST, case), case=case)
    outcome = dict(form.fields["outcome"].choices).get(posted(form, "outcome"), "")
    rows = [
        ConflictRow(
            _("Status"),
            display(str(CaseStatus.CLOSED.label)),
            display(case.get_status_display()),
            differs=case.status != CaseStatus.CLOSED,
        ),
        ConflictRow(
            _("Outcome"),
            display(str(outcome)),
            display(case.get_outcome_display()),
            differs=posted(form, "outcome") != case.outcome,
        ),
        ConflictRow(
            _("Closed on"),
            display(mine := posted(form, "closed_on")),
            display(case.closed_on),
            differs=compared(mine) != compared(case.closed_on),
        ),
        ConflictRow(_("Lead worker"), "—", display(case.lead_worker), differs=False),
        ConflictRow(_("Next follow-up"), "—", display(case.follow_up_on), differs=False),
    ]
    referrals, placements = _open_parts(request, case)
    return conflict(
        request,
        case,
        rows=rows,
        form=form,
        form_template="workspace/casework/_close_form.html",
        title=_("Close the case"),
        open_referrals=referrals,
        ongoing_placements=placements,
    )
