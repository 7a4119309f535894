"""The case work: the case and its plan, closing, needs, goals and notes.

Every change is one transaction under the case's row lock, refused on a closed case, and
touches the case's last activity. The case itself is edited against the version the user
read: a stale save is never written; the user gets both versions side by side instead.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from auditlog.models import LogEntry
from django.contrib import messages
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import models, transaction
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from beneficiaries.activity import touch
from beneficiaries.models import Case, CaseStatus, Goal, Need, Note, Referral, ReferralStatus
from config.access_log import client_address, log_access
from config.writes import constraint_field
from housing.models import Placement
from workspace.access import team_case_or_404, team_cases, workspace_view
from workspace.forms.casework import CaseCloseForm, CaseEditForm, GoalForm, NeedForm, NoteForm

OPEN_REFERRAL_STATUSES = (
    ReferralStatus.REFERRED,
    ReferralStatus.WAITING,
    ReferralStatus.ACCEPTED,
    ReferralStatus.ACTIVE,
)
EDITABLE = ["lead_worker", "team", "protected", "follow_up_on", "plan_summary"]


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
    return _refused(
        request,
        case,
        _("This case is closed (on %(date)s): it can no longer be changed.")
        % {"date": formats.date_format(case.closed_on, "SHORT_DATE_FORMAT")},
        title=_("The case is closed"),
        log=log,
    )


def _log_update(request, case: Case, fields: list[str]) -> None:
    """Who saved which version of the case: field names only, never their values."""
    user = request.user
    LogEntry.objects.create(
        content_type=ContentType.objects.get_for_model(Case),
        object_pk=str(case.pk),
        object_id=None,
        object_repr=f"{Case._meta.label_lower} {case.pk}",
        action=LogEntry.Action.UPDATE,
        actor=user,
        actor_email=user.email or None,
        remote_addr=client_address(request),
        additional_data={"via": "workspace", "version": case.version, "fields": fields},
        changes_text="",
    )


def _saved_by(case: Case):
    """The user who saved the current version, when the workspace recorded it."""
    entry = (
        LogEntry.objects.filter(
            content_type=ContentType.objects.get_for_model(Case),
            object_pk=str(case.pk),
            action=LogEntry.Action.UPDATE,
            additional_data__version=case.version,
        )
        .select_related("actor")
        .order_by("-timestamp")
        .first()
    )
    return entry.actor if entry else None


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


def _stale(request, case: Case) -> bool:
    """Whether the posted version is an older one than the stored (a missing or malformed
    version is the form's error, not a conflict)."""
    raw = request.POST.get("version", "")
    return raw.isdigit() and int(raw) != case.version


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
        saved_by=_saved_by(case),
        saved_at=case.updated_at,
        **extra,
    )


def _with_version(data, case: Case):
    data = data.copy()
    data["version"] = str(case.version)
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
    with transaction.atomic():
        case = team_case_or_404(request, pk, lock=True)
        if case.status == CaseStatus.CLOSED:
            return _closed(request, case)
        if _stale(request, case):
            saved = {name: getattr(case, name) for name in EDITABLE if name != "team"}
            saved["team"] = list(case.team.all())
            form = CaseEditForm(_with_version(request.POST, case), instance=case)
            rows = [
                ConflictRow(
                    label=form.fields[name].label,
                    mine=_display(mine := _posted(form, name)),
                    saved=_display(saved[name]),
                    differs=_key(mine) != _key(saved[name]),
                )
                for name in EDITABLE
            ]
            return _conflict(
                request,
                case,
                rows=rows,
                form=form,
                form_template="workspace/casework/_case_form.html",
                title=_("Edit the case and its plan"),
            )
        form = CaseEditForm(request.POST, instance=case)
        if not form.is_valid():
            log_access(request, [case], via="workspace")
            return _page(request, "case_edit.html", case, status=400, form=form)
        case = form.save()
        _log_update(request, case, form.changed_data)
        touch(case.pk)
    messages.success(request, _("The case and its plan were saved."))
    if not team_cases(request.user).filter(pk=case.pk).exists():
        messages.info(request, _("You are no longer on this protected case."))
        return redirect("workspace:home")
    return redirect("workspace:case", pk=case.pk)


# --- Closing ----------------------------------------------------------------------------


def _open_parts(request, case: Case) -> tuple[list[Referral], list[Placement]]:
    today = timezone.localdate()
    referrals = list(
        Referral.objects.visible_to(request.user)
        .filter(case=case, status__in=OPEN_REFERRAL_STATUSES)
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
    with transaction.atomic():
        case = team_case_or_404(request, pk, lock=True)
        if case.status == CaseStatus.CLOSED:
            return _closed(request, case)
        if _stale(request, case):
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
        form = CaseCloseForm(request.POST, case=case)
        status = 400
        if form.is_valid():
            referrals, placements = _open_parts(request, case)
            # A placement may rightly outlive the case (a Housing First tenancy goes on
            # when the goals are met): it is confirmed, never ended here behind the
            # worker's back, and never blocks closing.
            if (referrals or placements) and not form.cleaned_data["close_anyway"]:
                form.add_error(
                    "close_anyway",
                    _(
                        "This case has open referrals or an ongoing placement: tick “close "
                        "anyway” to close it all the same, or close them first."
                    ),
                )
            else:
                _check_closing(case, form)
        if form.errors:
            log_access(request, [case], via="workspace")
            return _close_page(request, case, form, status=status)
        case.save(update_fields=["status", "outcome", "closed_on"])
        _log_update(request, case, ["status", "outcome", "closed_on"])
        touch(case.pk)
    messages.success(
        request,
        _("The case was closed: %(outcome)s.") % {"outcome": case.get_outcome_display()},
    )
    return redirect("workspace:case", pk=case.pk)


def _check_closing(case: Case, form: CaseCloseForm) -> None:
    """The model's own rules on the closed case; their messages go to the form's fields
    (a check constraint's to the field it is about)."""
    before = case.status, case.outcome, case.closed_on
    case.status = CaseStatus.CLOSED
    case.outcome = form.cleaned_data["outcome"]
    case.closed_on = form.cleaned_data["closed_on"]
    try:
        case.full_clean()
    except ValidationError as error:
        case.status, case.outcome, case.closed_on = before
        for name, items in error.error_dict.items():
            for item in items:
                field = name
                if name == NON_FIELD_ERRORS:
                    field = constraint_field(Case, item.code)
                for message in ValidationError(item).messages:
                    form.add_error(field if field in form.fields else None, message)


# --- Needs ------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@workspace_view(casework=True)
def need_new(request, pk):
    if request.method == "GET":
        case = team_case_or_404(request, pk, log=True)
        if case.status == CaseStatus.CLOSED:
            return _closed(request, case, log=False)
        return _page(request, "need_form.html", case, form=NeedForm())
    with transaction.atomic():
        case = team_case_or_404(request, pk, lock=True)
        if case.status == CaseStatus.CLOSED:
            return _closed(request, case)
        form = NeedForm(request.POST, instance=Need(case=case))
        if not form.is_valid():
            log_access(request, [case], via="workspace")
            return _page(request, "need_form.html", case, status=400, form=form)
        need = form.save()
        touch(case.pk)
    messages.success(
        request,
        _("Need recorded: %(domain)s, %(severity)s.")
        % {"domain": need.get_domain_display(), "severity": need.get_severity_display()},
    )
    return redirect("workspace:case", pk=case.pk)


@require_POST
@workspace_view(casework=True)
def need_resolve(request, pk, need):
    with transaction.atomic():
        case = team_case_or_404(request, pk, lock=True)
        need = get_object_or_404(
            Need.objects.visible_to(request.user).select_for_update(of=("self",)),
            case=case,
            pk=need,
        )
        if case.status == CaseStatus.CLOSED:
            return _closed(request, case)
        if need.resolved_on is not None:
            return _refused(
                request,
                case,
                _("This need (%(domain)s) was already resolved on %(date)s.")
                % {
                    "domain": need.get_domain_display(),
                    "date": formats.date_format(need.resolved_on, "SHORT_DATE_FORMAT"),
                },
            )
        need.resolved_on = timezone.localdate()
        try:
            need.full_clean()
        except ValidationError as error:
            return _refused(request, case, " ".join(error.messages), status=400)
        need.save(update_fields=["resolved_on"])
        touch(case.pk)
    messages.success(
        request, _("Need marked resolved: %(domain)s.") % {"domain": need.get_domain_display()}
    )
    return redirect("workspace:case", pk=case.pk)


# --- Goals of the plan ------------------------------------------------------------------


def _goal_view(request, pk, goal_pk=None):
    lock = request.method == "POST"
    with transaction.atomic():
        case = team_case_or_404(request, pk, lock=lock, log=not lock)
        goal = Goal(case=case)
        if goal_pk is not None:
            goal = get_object_or_404(
                Goal.objects.visible_to(request.user).filter(case=case), pk=goal_pk
            )
        if case.status == CaseStatus.CLOSED:
            return _closed(request, case, log=lock)
        if not lock:
            return _page(
                request, "goal_form.html", case, form=GoalForm(instance=goal, case=case), goal=goal
            )
        form = GoalForm(request.POST, instance=goal, case=case)
        if not form.is_valid():
            log_access(request, [case], via="workspace")
            return _page(request, "goal_form.html", case, status=400, form=form, goal=goal)
        goal = form.save()
        touch(case.pk)
    if goal_pk is None:
        messages.success(request, _("Goal added to the plan."))
    else:
        messages.success(
            request, _("Goal saved: %(status)s.") % {"status": goal.get_status_display()}
        )
    return redirect("workspace:case", pk=case.pk)


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
    with transaction.atomic():
        case = team_case_or_404(request, pk, lock=True)
        if case.status == CaseStatus.CLOSED:
            return _closed(request, case)
        form = NoteForm(request.POST, instance=Note(case=case, author=request.user))
        if not form.is_valid():
            log_access(request, [case], via="workspace")
            return _page(request, "note_form.html", case, status=400, form=form)
        form.save()
        touch(case.pk)
    messages.success(request, _("Note added."))
    return redirect("workspace:case", pk=case.pk)
