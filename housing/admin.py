"""Back office for housing: the stock of units and the placements of cases in them.

Every write is an action: a unit is added and changed through ``housing/actions/units.py``
(the owner's staff and administrators; places never below the occupancy; a confidential
unit's address for its owner's staff only), a placement is made and ended through
``housing/actions/placements.py`` (the case team, with the person's consent to housing).
The forms only parse the input; a refusal comes back on the form by the field it names.
On a placement's page only its end can change (the end date and why): where and whom it
places, and from when, are fixed once it exists.
"""

from __future__ import annotations

import datetime

from django.contrib import admin
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from beneficiaries.admin import PersonalDataAdmin
from housing.actions.placements import (
    PLACEABLE_STATUSES,
    placement_create,
    placement_end,
    placement_has_ended,
)
from housing.actions.units import UNIT_FIELDS, unit_create, unit_update
from housing.models import HousingUnit, Placement
from registry.admin import (
    AtlanteModelAdmin,
    RelatedOnlyLightFilter,
    autocomplete_source,
    count_of,
    without_fields,
)
from services.actions.records import adopt
from services.admin.access import ConfidentialAddressMixin, DirectoryOwnedMixin, NoDeleteMixin
from services.admin.writes import ActionAdminMixin, ActionForm, changes_of, values_of

# --- Housing units ----------------------------------------------------------------------


@admin.register(HousingUnit)
class HousingUnitAdmin(
    ConfidentialAddressMixin,
    NoDeleteMixin,
    DirectoryOwnedMixin,
    ActionAdminMixin,
    AtlanteModelAdmin,
):
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

    def create_record(self, request, form):
        return unit_create(acting_user=request.user, **values_of(form, UNIT_FIELDS))

    def update_record(self, request, obj, changes, version):
        return unit_update(acting_user=request.user, unit=obj, version=version, **changes)


# --- Placements -------------------------------------------------------------------------


@admin.register(Placement)
class PlacementAdmin(PersonalDataAdmin):
    # Input only: the placement rules, the consent and who may place or end are the
    # actions'; the version the user opened goes to ``placement_end``.
    form = ActionForm
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
    readonly_on_change = ("unit", "case", "beneficiary", "starts_on")
    fieldsets = [
        (None, {"fields": ["unit", "case", "beneficiary"]}),
        (
            _("Period"),
            {
                "fields": ["starts_on", "ends_on", "end_reason"],
                "description": _(
                    "To end the placement, give the day the person leaves and why. An "
                    "ended placement stays as it is."
                ),
            },
        ),
        (_("Record"), {"fields": ["created_at", "updated_at", "version"], "classes": ["collapse"]}),
    ]

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None:
            # The person comes from the case; a new placement has no end reason yet.
            fieldsets = without_fields(fieldsets, ["beneficiary", "end_reason"])
        return fieldsets

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        initial.setdefault("starts_on", datetime.date.today())
        return initial

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if obj is not None and placement_has_ended(obj):
            # An ended placement stays as it is (placement_end's own rule).
            readonly += ["ends_on", "end_reason"]
        return readonly

    def save_model(self, request, obj, form, change):
        # A refusal shows on the main form (an unmarked ActionError: AtlanteModelAdmin).
        if not change:
            saved = placement_create(
                acting_user=request.user,
                **values_of(form, ("unit", "case", "starts_on", "ends_on")),
            )
        elif changes_of(form):
            # The only change a placement takes: its end, with the reason.
            saved = placement_end(
                acting_user=request.user,
                placement=obj,
                ends_on=form.cleaned_data.get("ends_on"),
                reason=form.cleaned_data.get("end_reason", ""),
                version=form.seen_version,
            )
        else:
            return
        adopt(obj, saved)

    @admin.display(description=_("beneficiary"))
    def beneficiary_name(self, obj) -> str:
        return str(obj.beneficiary)

    @admin.display(description=_("case"), ordering="case_id")
    def case_short_id(self, obj) -> str:
        return str(obj.case_id)[:8]
