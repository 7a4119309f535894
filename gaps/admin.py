from django.contrib import admin
from django.contrib.admin.views.main import ChangeList
from django.utils.translation import gettext_lazy as _

from core.admin import ReadOnlyAdminMixin
from gaps.models import CoverageResult, CoverageRun, PopulationFigure, Standard, TravelTime
from gaps.publication import published_people_counts
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
        (
            _("Accessibility"),
            {"fields": ("catchment", "catchment_unit", "decay", "sigma")},
        ),
        (_("Source"), {"fields": ("source", "legal_reference", "notes")}),
    )


@admin.register(PopulationFigure)
class PopulationFigureAdmin(AtlanteModelAdmin):
    list_display = ("municipality", "group", "year", "population", "source")
    list_filter = ("group", "year")
    list_select_related = ("municipality",)
    search_fields = ("municipality__name", "municipality__istat_code")
    raw_id_fields = ("municipality",)


class ReadOnlyAdmin(ReadOnlyAdminMixin, AtlanteModelAdmin):
    """Computed records: looked at, never edited by hand."""


@admin.register(CoverageRun)
class CoverageRunAdmin(ReadOnlyAdmin):
    list_display = (
        "id",
        "scope",
        "status",
        "progress",
        "trigger",
        "started_at",
        "duration",
        "input_fingerprint",
    )
    list_filter = ("status", "trigger")
    search_fields = ("scope",)


class PublishedChangeList(ChangeList):
    """The page's results with their counts of people published, in two queries."""

    def get_results(self, request):
        super().get_results(request)
        self.result_list = list(self.result_list)
        published = published_people_counts(self.result_list)
        for result in self.result_list:
            result.published_people_counts = published[result.pk]


@admin.register(CoverageResult)
class CoverageResultAdmin(ReadOnlyAdmin):
    """Counts of people (waiting, unmet demand) are shown as in the exports and the API
    (``gaps.publication``): 1 to 4 as "<5", a cell hidden so that a small one cannot be
    recovered from its zone's total as "n.d."."""

    list_display = (
        "run",
        "standard",
        "area_kind",
        "municipality",
        "zone",
        "population_used",
        "supply",
        "requirement",
        "gap",
        "accessibility",
        "unmet_shown",
    )
    list_filter = ("area_kind", "present", "group_known")
    list_select_related = ("run", "standard", "municipality", "zone")
    search_fields = ("municipality__name", "zone__name", "standard__code")
    exclude = ("waiting", "unmet")
    readonly_fields = ("waiting_shown", "unmet_shown")

    def get_changelist(self, request, **kwargs):
        return PublishedChangeList

    @staticmethod
    def _published(result) -> dict[str, float | str]:
        published = getattr(result, "published_people_counts", None)
        if published is None:  # the change page: one result
            published = result.published_people_counts = published_people_counts([result])[
                result.pk
            ]
        return published

    @admin.display(description=_("people waiting"))
    def waiting_shown(self, result) -> float | str:
        return self._published(result)["waiting"]

    @admin.display(description=_("unmet demand"))
    def unmet_shown(self, result) -> float | str:
        return self._published(result)["unmet"]


@admin.register(TravelTime)
class TravelTimeAdmin(AtlanteModelAdmin):
    list_display = ("municipality", "site", "minutes", "source")
    list_select_related = ("municipality", "site")
    search_fields = ("municipality__name", "municipality__istat_code", "source")
    raw_id_fields = ("municipality", "site")
