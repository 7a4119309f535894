"""The provider screen's forms: free places and opening hours of every site, in one go.

Input only (numbers, times, which rows): the rules are the actions' (``services/actions``),
whose refusals the view puts by field on the row they are about (``core.forms.add_errors``).
"""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.forms import BaseModelFormSet, modelformset_factory
from django.utils.translation import gettext_lazy as _

from services.models import Capacity, OpeningHours
from workspace.forms.base import InputModelForm

ONE = Decimal(1)


def mark_invalid(form) -> None:
    """Link each field in error to its message (``aria-describedby``)."""
    for name in form.errors:
        if name in form.fields:
            attrs = form.fields[name].widget.attrs
            attrs["aria-invalid"] = "true"
            attrs["aria-describedby"] = f"{form[name].auto_id}-error"


class CapacityForm(InputModelForm):
    version = forms.IntegerField(min_value=1, widget=forms.HiddenInput)

    class Meta:
        model = Capacity
        fields = ("available", "total")
        widgets = {
            "available": forms.NumberInput(attrs={"step": "any", "min": "0", "class": "short"}),
            "total": forms.NumberInput(attrs={"step": "any", "min": "0", "class": "short"}),
        }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # The unit and the labels say enough; no dangling aria-describedby.
        self.fields["available"].help_text = ""
        if self.instance.pk:
            self.fields["version"].initial = self.instance.version
            for name in ("available", "total"):
                value = getattr(self.instance, name)
                if value is not None:
                    # 12 beds, not 12.00.
                    self.initial[name] = (
                        value.quantize(ONE) if value == value.to_integral() else value
                    )


class OpeningHoursForm(InputModelForm):
    """A row of opening hours; a new row names its service at a site (hidden, set by the
    page), an existing row keeps its own."""

    class Meta:
        model = OpeningHours
        fields = ("offering", "weekday", "opens_at", "closes_at")
        widgets = {
            "offering": forms.HiddenInput,
            "opens_at": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "closes_at": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        }

    def __init__(self, *args, offerings, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            del self.fields["offering"]
        else:
            self.fields["offering"].queryset = offerings
            for name in ("weekday", "opens_at", "closes_at"):
                self.fields[name].required = False

    def clean(self):
        cleaned = super().clean()
        if not self.instance.pk:
            # An added row is saved only when filled in: then every field is needed.
            for name in ("weekday", "opens_at", "closes_at"):
                if cleaned.get(name) in (None, "") and name not in self.errors:
                    self.add_error(name, _("This field is required."))
        return cleaned

    def has_changed(self) -> bool:
        # An added row with only its (hidden) service filled in is an empty row.
        if self.instance.pk:
            return super().has_changed()
        return any(
            self[name].value() not in (None, "") for name in ("weekday", "opens_at", "closes_at")
        )


class ScopedModelFormSet(BaseModelFormSet):
    """A row's id must be one of the formset's own rows (Django checks it against every
    row of the table): another organisation's id is refused, not silently skipped."""

    def add_fields(self, form, index):
        super().add_fields(form, index)
        form.fields[self._pk_field.name].queryset = self.queryset
        form.fields[self._pk_field.name].error_messages["invalid_choice"] = _(
            "This row is not one of your organisation's: reload the page."
        )

    def clean(self):
        super().clean()
        # Rows to delete skip validation, their id included: check it here.
        for form in self.initial_forms:
            if self.can_delete and self._should_delete_form(form) and form.instance.pk is None:
                raise ValidationError(
                    _("A row to delete is not one of your organisation's: reload the page.")
                )


CapacityFormSet = modelformset_factory(
    Capacity,
    form=CapacityForm,
    formset=ScopedModelFormSet,
    extra=0,
    edit_only=True,
    can_delete=False,
)


def opening_hours_formset(extra: int):
    return modelformset_factory(
        OpeningHours,
        form=OpeningHoursForm,
        formset=ScopedModelFormSet,
        extra=extra,
        can_delete=True,
        can_delete_extra=False,
    )
