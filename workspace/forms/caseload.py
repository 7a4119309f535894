"""The caseload filters of the home page."""

from django import forms
from django.utils.translation import gettext_lazy as _

from beneficiaries.models import CaseStatus, NeedDomain
from registry.models import Municipality

SORTS = {
    "activity": ("-last_activity_at", "-pk"),
    "follow_up": ("follow_up_on", "-last_activity_at", "-pk"),
    "opened": ("-opened_on", "-pk"),
}


class CaseloadFilter(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("all")), *CaseStatus.choices],
        initial=CaseStatus.OPEN,
    )
    need = forms.ChoiceField(
        label=_("Open need"), required=False, choices=[("", _("any")), *NeedDomain.choices]
    )
    municipality = forms.ModelChoiceField(
        label=_("Municipality"),
        required=False,
        queryset=Municipality.objects.none(),
        empty_label=_("any"),
    )
    scope = forms.ChoiceField(
        label=_("Cases"),
        required=False,
        choices=[("mine", _("mine")), ("organisation", _("all of my organisation"))],
    )
    sort = forms.ChoiceField(
        label=_("Sort by"),
        required=False,
        choices=[
            ("activity", _("last activity")),
            ("follow_up", _("next follow-up")),
            ("opened", _("opening date")),
        ],
    )

    def __init__(self, *args, municipalities, coordinator: bool, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["municipality"].queryset = municipalities
        if not coordinator:
            del self.fields["scope"]

    def value(self, name: str, default: str = ""):
        """The filter's cleaned value; a filter with a bad value is left out (its error
        shows next to it), without dropping the others."""
        self.is_valid()
        return self.cleaned_data.get(name) or default
