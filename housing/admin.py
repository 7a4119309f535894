"""Back office for housing: the stock of units and the placements of cases in them.

Placements are written through ``housing/placements.py`` (the same rules as the
database trigger and exclusion constraint), checked in the form first so that people
get a precise message; the database stays the last word under concurrency.
"""

from __future__ import annotations

import datetime

from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from beneficiaries.admin import PersonalDataAdmin
from housing.actions.placements import (
    PLACEABLE_STATUSES,
    peak_occupancy,
    placement_create,
    placement_end,
    validate_placement,
)
from housing.models import HousingUnit, Placement
from registry.admin import (
    AtlanteModelAdmin,
    RelatedOnlyLightFilter,
    VersionCheckedForm,
    add_errors,
    autocomplete_source,
    count_of,
)
from services.admin import ConfidentialAddressMixin, DirectoryOwnedMixin, NoDeleteMixin


def _lock_unit(unit: HousingUnit) -> HousingUnit:
    """The unit row, locked until the form's transaction ends where there is one: the
    database trigger takes the same lock, so concurrent placements queue up."""
    if transaction.get_connection().in_atomic_block:
        return HousingUnit.objects.select_for_update().get(pk=unit.pk)
    return unit


# --- Housing units ----------------------------------------------------------------------


class HousingUnitForm(VersionCheckedForm):
    def clean(self):
        cleaned = super().clean()
        places = cleaned.get("places")
        # Still the stored row here: the form's values are copied onto it after clean().
        unit = self.instance
        if unit.pk and places is not None and places < unit.places:
            # The rule of the database trigger unit_places_cover_placements.
            peak = peak_occupancy(_lock_unit(unit), datetime.date.today(), None)
            if peak > places:
                self.add_error(
                    "places",
                    _(
                        "The unit has %(peak)d current or planned placements at once: "
                        "places cannot be fewer."
                    )
                    % {"peak": peak},
                )
        return cleaned


@admin.register(HousingUnit)
class HousingUnitAdmin(
    ConfidentialAddressMixin, NoDeleteMixin, DirectoryOwnedMixin, AtlanteModelAdmin
):
    form = HousingUnitForm
    organisation_path = "owner"
    owner_field = "owner"
    owner_choice_fields = {"owner": "pk"}
    list_display = [
        "code",
        "municipality",
        "unit_type",
        "status",
        "status_since",
        "places",
        "taken_today",
        "shown_address",
        "owner",
        "confidential",
        "barrier_free",
    ]
    list_filter = [
        "status",
        "unit_type",
        "confidential",
        "barrier_free",
        "municipality__metropolitan_city",
        ("municipality", RelatedOnlyLightFilter),
        ("owner", RelatedOnlyLightFilter),
    ]
    list_select_related = ("municipality", "owner")
    search_fields = ["code", "municipality__name", "owner__name"]
    search_help_text = _("Code, municipality or owner; addresses only where not confidential.")
    autocomplete_fields = ["municipality", "owner"]
    date_hierarchy = "status_since"
    fieldsets = [
        (None, {"fields": ["code", "unit_type", "owner"]}),
        (_("State"), {"fields": ["status", "status_since"]}),
        (
            _("Where"),
            {"fields": ["municipality", "address", "postal_code", "latitude", "longitude"]},
        ),
        (_("Dwelling"), {"fields": ["rooms", "places", "barrier_free", "confidential"]}),
        (_("Record"), {"fields": ["created_at", "updated_at", "version"], "classes": ["collapse"]}),
    ]

    def get_queryset(self, request):
        today = datetime.date.today()
        queryset = (
            super()
            .get_queryset(request)
            .annotate(
                taken_total=count_of(
                    Placement,
                    "unit",
                    Q(ends_on__isnull=True) | Q(ends_on__gt=today),
                    starts_on__lte=today,
                )
            )
        )
        if autocomplete_source(request) == ("housing", "placement", "unit"):
            # Placing someone: offer only the units that take placements.
            queryset = queryset.filter(status__in=PLACEABLE_STATUSES)
        return queryset

    @admin.display(description=_("taken today"), ordering="taken_total")
    def taken_today(self, obj) -> int:
        return obj.taken_total


# --- Placements -------------------------------------------------------------------------


class PlacementForm(VersionCheckedForm):
    """Checks a placement with the domain rules before the database does.

    Adding: the full check (overlap for the person, places in the unit, open case,
    placeable unit). Changing: a longer period is checked again; an earlier end needs a
    reason, as ``placement_end`` asks.
    """

    action = "save"

    def clean(self):
        cleaned = super().clean()
        placement = self.instance
        adding = placement._state.adding
        unit = cleaned.get("unit") if adding else placement.unit
        case = cleaned.get("case") if adding else placement.case
        starts_on = cleaned.get("starts_on") if "starts_on" in self.fields else placement.starts_on
        ends_on = cleaned.get("ends_on") if "ends_on" in self.fields else placement.ends_on
        if unit is None or case is None or starts_on is None or self.has_error("ends_on"):
            return cleaned
        if adding:
            self.action = "create"
            self._validate(unit, case, starts_on, ends_on, exclude_id=None)
            return cleaned
        # Still the stored values here: the form's are copied onto the instance later.
        old_start, old_end = placement.starts_on, placement.ends_on
        longer = starts_on < old_start or (
            old_end is not None and (ends_on is None or ends_on > old_end)
        )
        if longer:
            self._validate(unit, case, starts_on, ends_on, exclude_id=placement.pk)
        elif ends_on is not None and ends_on != old_end and starts_on == old_start:
            if ends_on <= starts_on:
                self.add_error("ends_on", _("The end date must be after the start date."))
            elif not (cleaned.get("end_reason") or "").strip():
                self.add_error("end_reason", _("Say why the placement ends."))
            else:
                self.action = "end"
        return cleaned

    def _validate(self, unit, case, starts_on, ends_on, *, exclude_id) -> None:
        try:
            validate_placement(
                unit=_lock_unit(unit),
                case=case,
                starts_on=starts_on,
                ends_on=ends_on,
                exclude_id=exclude_id,
            )
        except ValidationError as error:
            add_errors(self, error)


@admin.register(Placement)
class PlacementAdmin(PersonalDataAdmin):
    form = PlacementForm
    list_display = [
        "unit",
        "beneficiary_name",
        "case_short_id",
        "starts_on",
        "ends_on",
        "end_reason",
    ]
    list_filter = [
        ("ends_on", admin.EmptyFieldListFilter),
        "unit__unit_type",
        "unit__municipality__metropolitan_city",
        ("unit__owner", RelatedOnlyLightFilter),
    ]
    list_select_related = ("unit__municipality", "beneficiary")
    defer_fields = ("beneficiary__codice_fiscale",)
    search_fields = ["unit__code", "unit__municipality__name"]
    codice_fiscale_hash_path = "beneficiary__codice_fiscale_hash"
    search_help_text = _(
        "Codice fiscale of the person, unit code, municipality, or the first 8 characters "
        "of the placement id."
    )
    date_hierarchy = "starts_on"
    autocomplete_fields = ["unit", "case"]
    readonly_on_change = ("unit", "case", "beneficiary")
    fieldsets = [
        (None, {"fields": ["unit", "case", "beneficiary"]}),
        (_("Period"), {"fields": ["starts_on", "ends_on", "end_reason"]}),
        (_("Record"), {"fields": ["created_at", "updated_at", "version"], "classes": ["collapse"]}),
    ]

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None:
            # The person comes from the case; a new placement has no end reason yet.
            hidden = {"beneficiary", "end_reason"}
            fieldsets = [
                (name, {**opts, "fields": [f for f in opts["fields"] if f not in hidden]})
                for name, opts in fieldsets
            ]
        return fieldsets

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        initial.setdefault("starts_on", datetime.date.today())
        return initial

    def save_model(self, request, obj, form, change):
        action = getattr(form, "action", "save")
        if action == "create":
            placed = placement_create(
                actor=request.user,
                unit=obj.unit,
                case=obj.case,
                starts_on=obj.starts_on,
                ends_on=obj.ends_on,
            )
            # The admin goes on with the object it built: make it the saved one.
            for name in ("id", "beneficiary_id", "created_at", "updated_at", "version"):
                setattr(obj, name, getattr(placed, name))
            obj._state.adding, obj._state.db = False, placed._state.db
        elif action == "end":
            placement_end(
                actor=request.user, placement=obj, ends_on=obj.ends_on, reason=obj.end_reason
            )
        else:
            super().save_model(request, obj, form, change)

    @admin.display(description=_("beneficiary"))
    def beneficiary_name(self, obj) -> str:
        return str(obj.beneficiary)

    @admin.display(description=_("case"), ordering="case_id")
    def case_short_id(self, obj) -> str:
        return str(obj.case_id)[:8]
