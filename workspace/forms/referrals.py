"""Referral forms: finding a service, referring to it, and answering a referral."""

from __future__ import annotations

from django import forms
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from beneficiaries.models import ReferralStatus
from services.models import Service, ServiceAtSite, ServiceCategory

NBSP = "\u00a0"
ALL = "all"
OPEN = "open"


class CategoryChoiceField(forms.ModelChoiceField):
    """Categories indented under their parent (codes are dotted: ``housing.housing-first``)."""

    def label_from_instance(self, category) -> str:
        depth = category.code.count(".")
        name = category.name_it if (get_language() or "").startswith("it") else category.name_en
        return f"{NBSP * 3 * depth}{name}"


class ServiceSearchForm(forms.Form):
    """GET filters of the refer page: a category takes in its sub-categories."""

    category = CategoryChoiceField(
        label=_("Category"),
        required=False,
        queryset=ServiceCategory.objects.order_by("code"),
        empty_label=_("any"),
        help_text=_("Includes its sub-categories."),
    )
    municipality = forms.ModelChoiceField(
        label=_("Municipality"),
        required=False,
        queryset=None,
        empty_label=_("any in the metropolitan city"),
    )
    free_only = forms.BooleanField(label=_("Only with free places"), required=False)

    def __init__(self, *args, municipalities, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["municipality"].queryset = municipalities

    def value(self, name: str):
        if not self.is_bound or not self.is_valid():
            return None
        return self.cleaned_data.get(name) or None


class ReferForm(forms.Form):
    """The "Refer" button of one search result: the service at one of its sites."""

    service = forms.ModelChoiceField(
        queryset=Service.objects.select_related("organisation"), widget=forms.HiddenInput
    )
    offering = forms.ModelChoiceField(
        queryset=ServiceAtSite.objects.all(), widget=forms.HiddenInput
    )
    reason = forms.CharField(
        label=_("Reason for the referral"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class IncomingFilter(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[(OPEN, _("waiting for an answer")), *ReferralStatus.choices, (ALL, _("all"))],
    )

    def statuses(self) -> list[str] | None:
        """The statuses to list; ``None`` for all."""
        value = (self.cleaned_data.get("status") if self.is_valid() else "") or OPEN
        if value == ALL:
            return None
        if value == OPEN:
            return [ReferralStatus.REFERRED, ReferralStatus.WAITING]
        return [value]


class ReferralMoveForm(forms.Form):
    """One move of a referral's status; ``version`` is the referral's version as read."""

    status = forms.ChoiceField(choices=ReferralStatus.choices, widget=forms.HiddenInput)
    version = forms.IntegerField(min_value=1, widget=forms.HiddenInput)
    reason = forms.CharField(
        label=_("Reason"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    on = forms.DateField(
        label=_("Date"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("Today if left empty."),
    )
