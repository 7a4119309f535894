"""The case work: the case and its plan, closing, needs, goals and notes.

Each page parses its form and calls the action (``beneficiaries/actions/cases.py``), which
enforces the rules under the case's row lock, writes the audit row and touches the case's
last activity; a refusal comes back on the form, by field. The case itself is edited
against the version the user read: a stale save is never written; the user gets both
versions side by side instead.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from beneficiaries.actions import cases as actions
from beneficiaries.models import Case, CaseStatus, Goal, Need, Note, Referral
from core.access_log import log_access
from core.audit import last_saved_by
from core.errors import CONFLICT, FORBIDDEN, STALE, ActionError
from core.forms import add_errors
from housing.models import Placement
from workspace.access import team_case_or_404, team_cases, workspace_view
from workspace.forms.casework import CaseCloseForm, CaseEditForm, GoalForm, NeedForm, NoteForm

STATUS_OF = {CONFLICT: 409, STALE: 409, FORBIDDEN: 403}


# --- Shared helpers ---------------------------------------------------------------------


def _page(request, template: str, case: Case, status: int = 200, **context):
    context.update(case=case, person=case.beneficiary)
    return render(request, f"workspace/casework/{template}", context, status=status)


def _refused(
    request, case: Case, message: str, *, status: int = 409, title: str = "", log: bool = True
):
    """A change the case's state does not allow (409), or a refused value (400); ``log``
    is False where the page's access-log row is written already."""
    if log:
        log_access(request, [case], via="workspace")
    return _page(
        request,
        "refused.html",
        case,
        status=status,
        message=message,
        title=title or _("This change was not made"),
    )


def _closed(request, case: Case, *, log: bool = True):
    """The page a closed case shows instead of a form (the actions refuse the change
    whatever is posted; this says so before the user types anything)."""
    return _refused(
        request,
        case,
        _("This case is closed (on %(date)s): it can no longer be changed.")
        % {"date": formats.date_format(case.closed_on, "SHORT_DATE_FORMAT")},
        title=_("The case is closed"),
        log=log,
    )


def _about_the_case(request, pk, error: ActionError):
    """The answer to a refusal about the case itself rather than the input: a case the
    user no longer works on is a 404; a case closed meanwhile shows the closed page."""
    if "case" not in getattr(error, "error_dict", {}):
        return None
    if error.kind == FORBIDDEN:
        raise Http404
    # The action's own words, as the admin and the API give them.
    return _refused(
        request,
        team_case_or_404(request, pk),
        " ".join(error.message_dict["case"]),
        title=_("The case is closed"),
    )


def _form_refused(form, error: ActionError, model=None) -> int:
    """Put a refusal on the form; the page's status (400, or 409 for a conflict)."""
    add_errors(form, error, model=model)
    return STATUS_OF.get(error.kind, 400)


def _display(value) -> str:
    if isinstance(value, models.QuerySet):
        value = list(value)
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, models.Model):
        name = getattr(value, "get_full_name", None)
        return (name() if name else "") or getattr(value, "username", "") or str(value)
    if isinstance(value, list | tuple):
        return ", ".join(_display(item) for item in value)
    if isinstance(value, datetime.date):
        return formats.date_format(value, "SHORT_DATE_FORMAT")
    return str(value)


def _key(value):
    """What two values are compared by: records by id, lists as sets, text trimmed."""
    if isinstance(value, models.QuerySet):
        value = list(value)
    if isinstance(value, list | tuple | set):
        return frozenset(_key(item) for item in value)
    if isinstance(value, models.Model):
        return value.pk
    if value is None or value == "":
        return None
    if isinstance(value, str):
        return value.replace("\r\n", "\n").strip()
    return value


@dataclass
class ConflictRow:
    label: str
    mine: str
    saved: str
    differs: bool


def _posted(form, name: str):
    """The value the user posted for a field, cleaned when it is valid, raw otherwise."""
    field = form.fields[name]
    raw = field.widget.value_from_datadict(form.data, form.files, form.add_prefix(name))
    try:
        return field.clean(raw)
    except ValidationError:
        return raw


def _conflict(request, case: Case, *, rows, form, form_template: str, title: str, **extra):
    """409: both versions side by side, and the user's values on a form that carries the
    stored version, so that saving again is a deliberate choice."""
    log_access(request, [case], via="workspace")
    return _page(
        request,
        "conflict.html",
        case,
        status=409,
        rows=rows,
        form=form,
        form_template=form_template,
        title=title,
        saved_by=last_saved_by(case),
        saved_at=case.updated_at,
        **extra,
    )


def _with_version(data, record):
    data = data.copy()
    data["version"] = str(record.version)
    return data


# --- The case and its plan --------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@workspace_view(casework=True)
def case_edit(request, pk):
    if request.method == "POST":
        return _case_edit_post(request, pk)
    case = team_case_or_404(request, pk, log=True)
    if case.status == CaseStatus.CLOSED:
        return _closed(request, case, log=False)
    return _page(request, "case_edit.html", case, form=CaseEditForm(instance=case))


def _case_edit_post(request, pk):
    case = team_case_or_404(request, pk)
    form = CaseEditForm(request.POST, instance=case)
    status = 400
    if form.is_valid():
        data = form.cleaned_data
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
            if (answer := _about_the_case(request, pk, error)) is not None:
                return answer
            status = _form_refused(form, error, Case)
        else:
            messages.success(request, _("The case and its plan were saved."))
            if not team_cases(request.user).filter(pk=case.pk).exists():
                messages.info(request, _("You are no longer on this protected case."))
                return redirect("workspace:home")
            return redirect("workspace:case", pk=case.pk)
    if case.status == CaseStatus.CLOSED:
        return _closed(request, case)
    log_access(request, [case], via="workspace")
    return _page(request, "case_edit.html", case, status=status, form=form)


def _case_edit_conflict(request, pk):
    """Someone saved the case since the user read it: what is stored now beside what the
    user sent."""
    case = team_case_or_404(request, pk)
    saved = {name: getattr(case, name) for name in actions.CASE_EDITABLE if name != "team"}
    saved["team"] = list(case.team.all())
    form = CaseEditForm(_with_version(request.POST, case), instance=case)
    rows = [
        ConflictRow(
            label=form.fields[name].label,
            mine=_display(mine := _posted(form, name)),
            saved=_display(saved[name]),
            differs=_key(mine) != _key(saved[name]),
        )
        for name in actions.CASE_EDITABLE
    ]
    return _conflict(
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
    return _page(
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
        return _closed(request, case, log=False)
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
            if (answer := _about_the_case(request, pk, error)) is not None:
                return answer
            status = _form_refused(form, error, Case)
        else:
            messages.success(
                request,
                _("The case was closed: %(outcome)s.") % {"outcome": case.get_outcome_display()},
            )
            return redirect("workspace:case", pk=case.pk)
    if case.status == CaseStatus.CLOSED:
        return _closed(request, case)
    log_access(request, [case], via="workspace")
    return _close_page(request, case, form, status=status)


def _case_close_conflict(request, pk):
    case = team_case_or_404(request, pk)
    form = CaseCloseForm(_with_version(request.POST, case), case=case)
    outcome = dict(form.fields["outcome"].choices).get(_posted(form, "outcome"), "")
    rows = [
        ConflictRow(
            _("Status"),
            _display(str(CaseStatus.CLOSED.label)),
            _display(case.get_status_display()),
            differs=case.status != CaseStatus.CLOSED,
        ),
        ConflictRow(
            _("Outcome"),
            _display(str(outcome)),
            _display(case.get_outcome_display()),
            differs=_posted(form, "outcome") != case.outcome,
        ),
        ConflictRow(
            _("Closed on"),
            _display(mine := _posted(form, "closed_on")),
            _display(case.closed_on),
            differs=_key(mine) != _key(case.closed_on),
        ),
        ConflictRow(_("Lead worker"), "—", _display(case.lead_worker), differs=False),
        ConflictRow(_("Next follow-up"), "—", _display(case.follow_up_on), differs=False),
    ]
    referrals, placements = _open_parts(request, case)
    return _conflict(
        request,
        case,
        rows=rows,
        form=form,
        form_template="workspace/casework/_close_form.html",
        title=_("Close the case"),
        open_referrals=referrals,
        ongoing_placements=placements,
    )


# --- Needs ------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@workspace_view(casework=True)
def need_new(request, pk):
    if request.method == "GET":
        case = team_case_or_404(request, pk, log=True)
        if case.status == CaseStatus.CLOSED:
            return _closed(request, case, log=False)
        return _page(request, "need_form.html", case, form=NeedForm())
    case = team_case_or_404(request, pk)
    form = NeedForm(request.POST)
    status = 400
    if form.is_valid():
        try:
            need = actions.need_add(acting_user=request.user, case=case, **form.cleaned_data)
        except ActionError as error:
            if (answer := _about_the_case(request, pk, error)) is not None:
                return answer
            status = _form_refused(form, error, Need)
        else:
            messages.success(
                request,
                _("Need recorded: %(domain)s, %(severity)s.")
                % {"domain": need.get_domain_display(), "severity": need.get_severity_display()},
            )
            return redirect("workspace:case", pk=case.pk)
    if case.status == CaseStatus.CLOSED:
        return _closed(request, case)
    log_access(request, [case], via="workspace")
    return _page(request, "need_form.html", case, status=status, form=form)


@require_POST
@workspace_view(casework=True)
def need_resolve(request, pk, need):
    case = team_case_or_404(request, pk)
    need = get_object_or_404(Need.objects.visible_to(request.user), case=case, pk=need)
    try:
        need = actions.need_resolve(acting_user=request.user, need=need)
    except ActionError as error:
        if (answer := _about_the_case(request, pk, error)) is not None:
            return answer
        return _refused(
            request, case, " ".join(error.messages), status=STATUS_OF.get(error.kind, 400)
        )
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
            return _closed(request, case, log=False)
        form = GoalForm(instance=goal)
        return _page(request, "goal_form.html", case, form=form, goal=goal)
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
            if (answer := _about_the_case(request, pk, error)) is not None:
                return answer
            if error.kind == STALE:
                # Changed meanwhile: the user's values again, on the version now stored,
                # so that saving them over it is a deliberate second click.
                goal.refresh_from_db()
                form = GoalForm(_with_version(request.POST, goal), instance=goal)
                form.is_valid()
            status = _form_refused(form, error, Goal)
        else:
            if goal is None:
                messages.success(request, _("Goal added to the plan."))
            else:
                messages.success(
                    request, _("Goal saved: %(status)s.") % {"status": saved.get_status_display()}
                )
            return redirect("workspace:case", pk=case.pk)
    if case.status == CaseStatus.CLOSED:
        return _closed(request, case)
    log_access(request, [case], via="workspace")
    return _page(request, "goal_form.html", case, status=status, form=form, goal=goal)


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
            if (answer := _about_the_case(request, pk, error)) is not None:
                return answer
            status = _form_refused(form, error, Note)
        else:
            messages.success(request, _("Note added."))
            return redirect("workspace:case", pk=case.pk)
    if case.status == CaseStatus.CLOSED:
        return _closed(request, case)
    log_access(request, [case], via="workspace")
    return _page(request, "note_form.html", case, status=status, form=form)
