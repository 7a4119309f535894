"""The case pages' shared parts: the page, a refusal, the closed case, and both versions
side by side when a save is stale."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import models
from django.http import Http404
from django.shortcuts import render
from django.utils.translation import gettext as _

from beneficiaries.models import Case
from core.access_log import log_access
from core.audit import last_saved_by
from core.errors import FORBIDDEN, ActionError
from core.formats import short_date
from core.forms import add_errors, page_status

# --- Shared helpers ---------------------------------------------------------------------


def page(request, template: str, case: Case, status: int = 200, **context):
    context.update(case=case, person=case.beneficiary)
    return render(request, f"workspace/casework/{template}", context, status=status)


def refused(
    request, case: Case, message: str, *, status: int = 409, title: str = "", log: bool = True
):
    """A change the case's state does not allow (409), or a refused value (400); ``log``
    is False where the page's access-log row is written already."""
    if log:
        log_access(request, [case], via="workspace")
    return page(
        request,
        "refused.html",
        case,
        status=status,
        message=message,
        title=title or _("This change was not made"),
    )


def closed(request, case: Case, *, log: bool = True):
    """The page a closed case shows instead of a form (the actions refuse the change
    whatever is posted; this says so before the user types anything)."""
    return refused(
        request,
        case,
        _("This case is closed (on %(date)s): it can no longer be changed.")
        % {"date": short_date(case.closed_on)},
        title=_("The case is closed"),
        log=log,
    )


def about_the_case(request, case: Case, error: ActionError):
    """The answer to a refusal about the case itself rather than the input: a case the
    user no longer works on is a 404; a case closed meanwhile shows the closed page
    (``case`` as the caller read it, the action's words saying what changed)."""
    if "case" not in getattr(error, "error_dict", {}):
        return None
    if error.kind == FORBIDDEN:
        raise Http404
    # The action's own words, as the admin and the API give them.
    return refused(
        request,
        case,
        " ".join(error.message_dict["case"]),
        title=_("The case is closed"),
    )


def form_refused(form, error: ActionError, model=None) -> int:
    """Put a refusal on the form; the page's status (400, or 409 for a conflict)."""
    add_errors(form, error, model=model)
    return page_status(error)


def display(value) -> str:
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
        return ", ".join(display(item) for item in value)
    if isinstance(value, datetime.date):
        return short_date(value)
    return str(value)


def compared(value):
    """What two values are compared by: records by id, lists as sets, text trimmed."""
    if isinstance(value, models.QuerySet):
        value = list(value)
    if isinstance(value, list | tuple | set):
        return frozenset(compared(item) for item in value)
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


def posted(form, name: str):
    """The value the user posted for a field, cleaned when it is valid, raw otherwise."""
    field = form.fields[name]
    raw = field.widget.value_from_datadict(form.data, form.files, form.add_prefix(name))
    try:
        return field.clean(raw)
    except ValidationError:
        return raw


def conflict(request, case: Case, *, rows, form, form_template: str, title: str, **extra):
    """409: both versions side by side, and the user's values on a form that carries the
    stored version, so that saving again is a deliberate choice."""
    log_access(request, [case], via="workspace")
    return page(
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


def with_version(data, record):
    data = data.copy()
    data["version"] = str(record.version)
    return data
