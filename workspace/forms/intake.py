"""Intake forms: search first, register a person, record consent, open a case.

They parse the input only; the rules (the codice fiscale against the birth date and
gender, one record per code, residence or homeless, the duplicate check, consent to open
a case, one open case per person and organisation) are the actions' in
``beneficiaries/actions/``, whose refusals come back through ``core.forms.add_errors``.
"""

from __future__ import annotations

import datetime

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from beneficiaries.actions.cases import case_workers
from beneficiaries.codice_fiscale import decode, validate_codice_fiscale
from beneficiaries.models import Beneficiary, Case, Consent, ConsentPurpose
from services.models import Organisation
from workspace.forms.base import InputModelForm, WorkerChoiceField
from workspace.forms.widgets import DateInput


def clean_optional_code(value: str | None) -> str:
    """The normalised codice fiscale, "" when none was given; ValidationError says why not."""
    value = (value or "").strip()
    return validate_codice_fiscale(value) if value else ""


def facts_from_code(code: str) -> tuple[datetime.date, str] | None:
    """Birth date and gender a valid codice fiscale encodes (the century that puts the
    date in the past); None for an invalid code."""
    try:
        data = decode(code)
    except ValidationError:
        return None
    today = timezone.localdate()
    year = 2000 + data.birth_year_2digits
    if year > today.year:
        year -= 100
    try:
        born = datetime.date(year, data.birth_month, data.birth_day)
    except ValueError:
        return None
    if born > today:
        try:
            born = born.replace(year=year - 100)
        except ValueError:
            return None
    return born, data.gender


class OrganisationChoiceMixin:
    """An ``organisation`` choice limited to the user's casework organisations; dropped
    (and fixed) when the user has only one."""

    def setup_organisation(self, organisations) -> None:
        organisations = list(organisations)
        self.organisations = organisations
        if len(organisations) == 1:
            del self.fields["organisation"]
        else:
            self.fields["organisation"].queryset = Organisation.objects.filter(
                pk__in=[o.pk for o in organisations]
            ).order_by("name")

    def chosen_organisation(self):
        if "organisation" in self.fields:
            return self.cleaned_data.get("organisation")
        return self.organisations[0]


class IntakeSearchForm(forms.Form):
    codice_fiscale = forms.CharField(
        label=_("Codice fiscale"),
        required=False,
        max_length=32,
        help_text=_("If the person has one: the fastest, exact search."),
    )
    family_name = forms.CharField(label=_("Family name"), required=False, max_length=100)
    given_name = forms.CharField(label=_("Given name"), required=False, max_length=100)
    birth_year = forms.IntegerField(label=_("Birth year"), required=False)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["birth_year"] = forms.IntegerField(
            label=_("Birth year"),
            required=False,
            min_value=1900,
            max_value=timezone.localdate().year,
            help_text=_("People born a year before or after are shown too."),
        )

    def clean_codice_fiscale(self) -> str:
        return clean_optional_code(self.cleaned_data.get("codice_fiscale"))

    def clean(self):
        cleaned = super().clean()
        if not self.errors and not (cleaned.get("codice_fiscale") or cleaned.get("family_name")):
            raise ValidationError(
                _("Give the codice fiscale, or at least the family name, to search."),
                code="empty_search",
            )
        return cleaned


class PersonForm(OrganisationChoiceMixin, InputModelForm):
    organisation = forms.ModelChoiceField(
        label=_("Registering organisation"),
        queryset=Organisation.objects.none(),
        help_text=_("The organisation of yours that registers the person."),
    )
    consents = forms.MultipleChoiceField(
        label=_("Consents given by the person"),
        choices=ConsentPurpose.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_(
            "Tick each purpose the person has agreed to today. "
            "Consent to case management is needed to take the person in charge."
        ),
    )
    confirm_different = forms.BooleanField(
        label=_("I checked: this is a different person from the possible matches above."),
        required=False,
    )

    class Meta:
        model = Beneficiary
        fields = [
            "given_name",
            "family_name",
            "codice_fiscale",
            "birth_date",
            "gender",
            "citizenship",
            "residence_municipality",
            "homeless",
        ]
        widgets = {
            "given_name": forms.TextInput(attrs={"autocomplete": "off"}),
            "family_name": forms.TextInput(attrs={"autocomplete": "off"}),
            "codice_fiscale": forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
            "citizenship": forms.TextInput(attrs={"size": 3}),
            "birth_date": DateInput(),
        }

    def __init__(self, *args, organisations, municipalities, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.setup_organisation(organisations)
        municipality = self.fields["residence_municipality"]
        municipality.queryset = municipalities
        municipality.empty_label = _("— none (homeless) —")
        municipality.help_text = _("Required unless the person is homeless.")
        self.fields["homeless"].help_text = _(
            "A homeless person may be registered without a municipality of residence."
        )
        self.fields["codice_fiscale"].help_text = Beneficiary._meta.get_field(
            "codice_fiscale"
        ).help_text
        self.fields["birth_date"].widget.attrs["max"] = timezone.localdate().isoformat()


class ConsentForm(OrganisationChoiceMixin, InputModelForm):
    organisation = forms.ModelChoiceField(
        label=_("Recorded for"),
        queryset=Organisation.objects.none(),
    )

    class Meta:
        model = Consent
        fields = ["purpose", "given_on", "expires_on"]
        widgets = {"given_on": DateInput(), "expires_on": DateInput()}

    def __init__(self, *args, organisations, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.setup_organisation(organisations)
        self.fields["given_on"].initial = timezone.localdate
        self.fields["given_on"].widget.attrs["max"] = timezone.localdate().isoformat()


class CaseOpenForm(OrganisationChoiceMixin, InputModelForm):
    organisation = forms.ModelChoiceField(
        label=_("Organisation"),
        queryset=Organisation.objects.none(),
        help_text=_("The organisation that takes the person in charge."),
    )
    lead_worker = WorkerChoiceField(label=_("Lead worker"), queryset=None)

    class Meta:
        model = Case
        fields = ["organisation", "lead_worker", "opened_on", "protected", "follow_up_on"]
        widgets = {"opened_on": DateInput(), "follow_up_on": DateInput()}

    def __init__(self, *args, organisations, user, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.setup_organisation(organisations)
        # Whom the action accepts as lead worker, in any of the user's organisations
        # (the action checks the one chosen).
        workers = case_workers([o.pk for o in self.organisations])
        self.fields["lead_worker"].queryset = workers.order_by(
            "last_name", "first_name", "username"
        )
        self.fields["lead_worker"].initial = user.pk
        self.fields["opened_on"].initial = timezone.localdate
        self.fields["opened_on"].widget.attrs["max"] = timezone.localdate().isoformat()
        self.fields["follow_up_on"].required = False
