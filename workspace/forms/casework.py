"""The forms of the case work: the case and its plan, closing, needs, goals and notes.

They parse the input only (required fields, dates, choices); the rules (a closed case,
who may be on the team, dates against the opening) are the actions' in
``beneficiaries/actions/cases.py``, whose refusals come back through
``core.forms.add_errors``.
"""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from beneficiaries.actions.cases import case_workers
from beneficiaries.models import Case, CaseOutcome, Goal, Need, Note, Severity
from workspace.forms.base import InputModelForm, WorkerChoiceField, WorkersChoiceField
from workspace.forms.widgets import DateInput


def worker_choices(case: Case):
    """Who is offered as lead worker or team member: whom the actions accept."""
    return case_workers(case.organisation_id, case).order_by("last_name", "first_name", "username")


class VersionField(forms.IntegerField):
    """The version of the record the user read (optimistic concurrency)."""

    widget = forms.HiddenInput

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault(
            "error_messages",
            {
                "required": _("The form lacks the version of the case: reload the page."),
                "invalid": _("The form lacks the version of the case: reload the page."),
            },
        )
        super().__init__(min_value=1, **kwargs)


class CaseEditForm(InputModelForm):
    """The case and its personalised plan; ``version`` is the one the user read."""

    version = VersionField()

    class Meta:
        model = Case
        fields = ["lead_worker", "team", "protected", "follow_up_on", "plan_summary"]
        field_classes = {"lead_worker": WorkerChoiceField, "team": WorkersChoiceField}
        widgets = {
            "team": forms.CheckboxSelectMultiple,
            "follow_up_on": DateInput,
            "plan_summary": forms.Textarea(attrs={"rows": 8}),
        }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        workers = worker_choices(self.instance)
        self.fields["lead_worker"].queryset = workers
        self.fields["lead_worker"].empty_label = None
        self.fields["team"].queryset = workers
        self.fields["team"].help_text = _(
            "Workers besides the lead worker who follow the case; only they (and the "
            "coordinators) see a protected case."
        )
        self.fields["protected"].help_text = _(
            "Visible only to the lead worker, the team and the coordinators "
            "(e.g. a survivor of violence)."
        )
        if not self.is_bound:
            self.initial.setdefault("version", self.instance.version)


class CaseCloseForm(forms.Form):
    """Closing with an outcome; ``close_anyway`` confirms closing over open referrals."""

    outcome = forms.ChoiceField(
        label=_("Outcome"),
        choices=[("", _("choose an outcome")), *CaseOutcome.choices],
        error_messages={"required": _("Choose the outcome of the case.")},
    )
    closed_on = forms.DateField(
        label=_("Closed on"),
        widget=DateInput,
        error_messages={"required": _("Give the closing date.")},
    )
    close_anyway = forms.BooleanField(
        label=_("Close anyway: open referrals and ongoing placements stay as they are"),
        required=False,
    )
    version = VersionField()

    def __init__(self, *args, case: Case, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.case = case
        self.fields["closed_on"].initial = timezone.localdate
        if not self.is_bound:
            self.initial.setdefault("version", case.version)


class NeedForm(InputModelForm):
    class Meta:
        model = Need
        fields = ["domain", "severity", "description", "identified_on"]
        widgets = {
            "severity": forms.RadioSelect,
            "description": forms.Textarea(attrs={"rows": 4}),
            "identified_on": DateInput,
        }
        error_messages = {
            "domain": {"required": _("Choose the domain of the need.")},
            "severity": {"required": _("Choose how severe the need is.")},
            "identified_on": {"required": _("Give the date the need was identified.")},
        }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        severity = self.fields["severity"]
        severity.choices = list(Severity.choices)
        severity.help_text = _("Low: can wait; critical: needs action today.")
        self.fields["domain"].choices = [
            ("", _("choose a domain")),
            *self.fields["domain"].choices[1:],
        ]
        self.fields["identified_on"].initial = timezone.localdate


class GoalForm(InputModelForm):
    """A goal to add (no instance) or to change (``instance``, against its version)."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)

    class Meta:
        model = Goal
        fields = ["description", "domain", "target_on", "status"]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 3}),
            "target_on": DateInput,
        }
        error_messages = {"description": {"required": _("Describe the goal.")}}

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["domain"].choices = [("", _("no domain")), *self.fields["domain"].choices[1:]]
        if self.instance._state.adding:
            del self.fields["version"]
        elif not self.is_bound:
            self.initial.setdefault("version", self.instance.version)


class NoteForm(InputModelForm):
    class Meta:
        model = Note
        fields = ["body"]
        labels = {"body": _("New note")}
        widgets = {"body": forms.Textarea(attrs={"rows": 5})}
        error_messages = {"body": {"required": _("Write the note before adding it.")}}
