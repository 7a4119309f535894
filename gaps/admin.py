from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from gaps.models import PopulationFigure, Standard
from registry.admin import AtlanteModelAdmin


@admin.register(Standard)
class StandardAdmin(AtlanteModelAdmin):
    list_display = (
        "code",
        "name_en",
        "kind",
        "category",
        "supply_measure",
        "units",
        "per_inhabitants",
        "population_group",
        "zone_kind",
        "active",
    )
    list_filter = ("kind", "population_group", "zone_kind", "active")
    list_select_related = ("category",)
    search_fields = ("code", "name_it", "name_en", "source")
    fieldsets = (
        (None, {"fields": ("code", "name_it", "name_en", "kind", "category", "active")}),
        (
            _("Ratio"),
            {"fields": ("supply_measure", "units", "per_inhabitants", "population_group")},
        ),
        (_("Where"), {"fields": ("zone_kind",)}),
        (_("Accessibility"), {"fields": ("catchment_km", "decay")}),
        (_("Source"), {"fields": ("source", "legal_reference", "notes")}),
    )


@admin.register(PopulationFigure)
class PopulationFigureAdmin(AtlanteModelAdmin):
    list_display = ("municipality", "group", "year", "population", "source")
    list_filter = ("group", "year")
    list_select_related = ("municipality",)
    search_fields = ("municipality__name", "municipality__istat_code")
    raw_id_fields = ("municipality",)
