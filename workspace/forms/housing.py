"""Housing: the filters to find a unit that fits, placing a person, ending a placement.

Input only (dates, choices, required fields): the rules are the placement actions', whose
refusals ``core.forms.add_errors`` puts on these forms."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from housing.models import UnitType
from registry.models import Municipality
from workspace.forms.widgets import DateInput

MAX_PLACES_NEEDED = 20


class HousingSearchForm(forms.Form):
    """What the person needs; every field has a default, so an empty form searches too."""

    places = forms.IntegerField(
        label=_("Places needed"),
        min_value=1,
        max_value=MAX_PLACES_NEEDED,
        initial=1,
        help_text=_("The person and whoever moves in with them."),
    )
    barrier_free = forms.BooleanField(label=_("Barrier-free only"), required=False)
    municipality = forms.ModelChoiceField(
        label=_("Municipality"),
        required=False,
        queryset=Municipality.objects.none(),
        empty_label=_("any"),
    )
    unit_type = forms.ChoiceField(
        label=_("Type"), required=False, choices=[("", _("any")), *UnitType.choices]
    )
    starts_on = forms.DateField(label=_("From"), widget=DateInput())

    def __init__(self, data=None, *, municipalities, **kwargs) -> None:
        super().__init__(data, **kwargs)
        self.fields["municipality"].queryset = municipalities
        self.fields["starts_on"].initial = timezone.localdate
        if data is not None:
            # A link or a bookmark may leave out some filters: those take their default.
            data = data.copy()
            for name in ("places", "starts_on"):
                if not data.get(name):
                    initial = self.fields[name].initial
                    data[name] = initial() if callable(initial) else initial
            self.data = data


class PlaceForm(forms.Form):
    starts_on = forms.DateField(label=_("From"), widget=DateInput())
    ends_on = forms.DateField(
        label=_("To (exclusive)"),
        required=False,
        widget=DateInput(),
        help_text=_("Leave empty for an open-ended placement (Housing First)."),
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["starts_on"].initial = timezone.localdate


class PlacementEndForm(forms.Form):
    ends_on = forms.DateField(
        label=_("End date"),
        widget=DateInput(),
        help_text=_("The day the person leaves: the placement no longer runs on that day."),
    )
    reason = forms.CharField(
        label=_("Reason for ending"),
        max_length=200,
        error_messages={"required": _("Say why the placement ends.")},
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["ends_on"].initial = timezone.localdate
