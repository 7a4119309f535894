"""The forms of the case work: the case and its plan, closing, needs, goals and notes."""

from __future__ import annotations

import datetime

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from beneficiaries.models import Case, CaseOutcome, Goal, Need, Note, Severity
from beneficiaries.visibility import CASEWORK_ROLES
from workspace.forms.widgets import DateInput


class WorkerChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, user) -> str:
        return user.get_full_name() or user.username


class WorkersChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, user) -> str:
        return user.get_full_name() or user.username


def case_workers(case: Case):
    """Who may lead or join a case: the social workers and coordinators of its organisation
    (and whoever is on it already, so that an unrelated edit is never refused because a
    colleague has since left)."""
    on_case = Case.team.through.objects.filter(case_id=case.pk).values("user_id")
    return (
        get_user_model()
        .objects.filter(
            Q(
                is_active=True,
                memberships__organisation_id=case.organisation_id,
                memberships__role__in=CASEWORK_ROLES,
                memberships__active=True,
            )
            | Q(pk=case.lead_worker_id)
            | Q(pk__in=on_case)
        )
        .distinct()
        .order_by("last_name", "first_name", "username")
    )


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


class CaseEditForm(forms.ModelForm):
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
        workers = case_workers(self.instance)
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

    def clean_follow_up_on(self):
        follow_up_on = self.cleaned_data.get("follow_up_on")
        if follow_up_on and follow_up_on < self.instance.opened_on:
            raise forms.ValidationError(
                _("The next follow-up cannot be before the case was opened (%(date)s).")
                % {"date": self.instance.opened_on.isoformat()}
            )
        return follow_up_on

    def clean(self):
        cleaned = super().clean()
        lead, team = cleaned.get("lead_worker"), cleaned.get("team")
        if lead is not None and team is not None and lead in team:
            self.add_error(
                "team", _("The lead worker is on the case already: leave them out of the team.")
            )
        return cleaned


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

    def clean_closed_on(self) -> datetime.date:
        closed_on = self.cleaned_data["closed_on"]
        if closed_on > timezone.localdate():
            raise forms.ValidationError(_("The closing date cannot be in the future."))
        return closed_on


def not_in_future(value: datetime.date | None, message) -> datetime.date | None:
    if value and value > timezone.localdate():
        raise forms.ValidationError(message)
    return value


class NeedForm(forms.ModelForm):
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

    def clean_identified_on(self):
        return not_in_future(
            self.cleaned_data.get("identified_on"),
            _("The date the need was identified cannot be in the future."),
        )


class GoalForm(forms.ModelForm):
    class Meta:
        model = Goal
        fields = ["description", "domain", "target_on", "status"]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 3}),
            "target_on": DateInput,
        }
        error_messages = {"description": {"required": _("Describe the goal.")}}

    def __init__(self, *args, case: Case, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.case = case
        self.fields["domain"].choices = [("", _("no domain")), *self.fields["domain"].choices[1:]]

    def clean_target_on(self):
        target_on = self.cleaned_data.get("target_on")
        if target_on and target_on < self.case.opened_on:
            raise forms.ValidationError(
                _("The target date cannot be before the case was opened (%(date)s).")
                % {"date": self.case.opened_on.isoformat()}
            )
        return target_on


class NoteForm(forms.ModelForm):
    class Meta:
        model = Note
        fields = ["body"]
        labels = {"body": _("New note")}
        widgets = {"body": forms.Textarea(attrs={"rows": 5})}
        error_messages = {"body": {"required": _("Write the note before adding it.")}}

    def clean_body(self) -> str:
        body = self.cleaned_data.get("body", "")
        if not body.strip():
            raise forms.ValidationError(_("Write the note before adding it."))
        return body
