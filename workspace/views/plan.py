"""The case's needs, the goals of its plan and its notes, each saved through its action."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from beneficiaries.actions import cases as actions
from beneficiaries.models import CaseStatus, Goal, Need, Note
from core.access_log import log_access
from core.errors import STALE, ActionError
from core.forms import page_status
from workspace.access import team_case_or_404, workspace_view
from workspace.forms.casework import GoalForm, NeedForm, NoteForm
from workspace.views.case_pages import (
    about_the_case,
    closed,
    form_refused,
    page,
    refused,
    with_version,
)

# --- Needs ------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@workspace_view(casework=True)
def need_new(request, pk):
    if request.method == "GET":
        case = team_case_or_404(request, pk, log=True)
        if case.status == CaseStatus.CLOSED:
            return closed(request, case, log=False)
        return page(request, "need_form.html", case, form=NeedForm())
    case = team_case_or_404(request, pk)
    form = NeedForm(request.POST)
    status = 400
    if form.is_valid():
        try:
            need = actions.need_add(acting_user=request.user, case=case, **form.cleaned_data)
        except ActionError as error:
            if (answer := about_the_case(request, case, error)) is not None:
                return answer
            status = form_refused(form, error, Need)
        else:
            messages.success(
                request,
                _("Need recorded: %(domain)s, %(severity)s.")
                % {"domain": need.get_domain_display(), "severity": need.get_severity_display()},
            )
            return redirect("workspace:case", pk=case.pk)
    if case.status == CaseStatus.CLOSED:
        return closed(request, case)
    log_access(request, [case], via="workspace")
    return page(request, "need_form.html", case, status=status, form=form)


@require_POST
@workspace_view(casework=True)
def need_resolve(request, pk, need):
    case = team_case_or_404(request, pk)
    need = get_object_or_404(Need.objects.visible_to(request.user), case=case, pk=need)
    try:
        need = actions.need_resolve(acting_user=request.user, need=need)
    except ActionError as error:
        if (answer := about_the_case(request, case, error)) is not None:
            return answer
        return refused(request, case, " ".join(error.messages), status=page_status(error))
    messages.success(
        request, _("Need marked resolved: %(domain)s.") % {"domain": need.get_domain_display()}
    )
    return redirect("workspace:case", pk=case.pk)


# --- Goals of the plan ------------------------------------------------------------------


def _goal_view(request, pk, goal_pk=None):
    """Add a goal (``goal_pk`` None) or change one. The page is told which by ``goal``
    being None: a new Goal has its random id before it is saved, so an id says nothing."""
    posted = request.method == "POST"
    case = team_case_or_404(request, pk, log=not posted)
    goal = None
    if goal_pk is not None:
        goal = get_object_or_404(
            Goal.objects.visible_to(request.user).filter(case=case), pk=goal_pk
        )
    if not posted:
        if case.status == CaseStatus.CLOSED:
            return closed(request, case, log=False)
        form = GoalForm(instance=goal)
        return page(request, "goal_form.html", case, form=form, goal=goal)
    form = GoalForm(request.POST, instance=goal)
    status = 400
    if form.is_valid():
        data = form.cleaned_data
        try:
            saved = actions.goal_save(
                acting_user=request.user,
                case=case,
                goal=goal,
                version=data.get("version"),
                description=data["description"],
                domain=data["domain"],
                target_on=data["target_on"],
                status=data["status"],
            )
        except ActionError as error:
            if (answer := about_the_case(request, case, error)) is not None:
                return answer
            if error.kind == STALE:
                # Changed meanwhile: the user's values again, on the version now stored,
                # so that saving them over it is a deliberate second click.
                goal.refresh_from_db()
                form = GoalForm(with_version(request.POST, goal), instance=goal)
                form.is_valid()
            status = form_refused(form, error, Goal)
        else:
            if goal is None:
                messages.success(request, _("Goal added to the plan."))
            else:
                messages.success(
                    request, _("Goal saved: %(status)s.") % {"status": saved.get_status_display()}
                )
            return redirect("workspace:case", pk=case.pk)
    if case.status == CaseStatus.CLOSED:
        return closed(request, case)
    log_access(request, [case], via="workspace")
    return page(request, "goal_form.html", case, status=status, form=form, goal=goal)


@require_http_methods(["GET", "POST"])
@workspace_view(casework=True)
def goal_new(request, pk):
    return _goal_view(request, pk)


@require_http_methods(["GET", "POST"])
@workspace_view(casework=True)
def goal_update(request, pk, goal):
    return _goal_view(request, pk, goal)


# --- Notes ------------------------------------------------------------------------------


@require_POST
@workspace_view(casework=True)
def note_new(request, pk):
    case = team_case_or_404(request, pk)
    form = NoteForm(request.POST)
    status = 400
    if form.is_valid():
        try:
            actions.note_add(acting_user=request.user, case=case, body=form.cleaned_data["body"])
        except ActionError as error:
            if (answer := about_the_case(request, case, error)) is not None:
                return answer
            status = form_refused(form, error, Note)
        else:
            messages.success(request, _("Note added."))
            return redirect("workspace:case", pk=case.pk)
    if case.status == CaseStatus.CLOSED:
        return closed(request, case)
    log_access(request, [case], via="workspace")
    return page(request, "note_form.html", case, status=status, form=form)
