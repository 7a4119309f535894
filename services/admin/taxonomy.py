"""The service taxonomy and the languages."""

from __future__ import annotations

from django.contrib import admin
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from registry.admin import (
    AtlanteModelAdmin,
    count_of,
)
from services.admin.filters import CategoryBranchFilter
from services.models import (
    Language,
    Service,
    ServiceCategory,
)

# --- Taxonomy and languages -------------------------------------------------------------


@admin.register(ServiceCategory)
class ServiceCategoryAdmin(AtlanteModelAdmin):
    list_display = ["tree_name", "code", "name_en", "parent", "service_count"]
    list_display_links = ["tree_name", "code"]
    list_filter = [CategoryBranchFilter]
    list_select_related = ("parent",)
    search_fields = ["code", "name_it", "name_en"]
    ordering = ["code"]
    fields = ["code", "parent", "name_it", "name_en", "description"]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(service_total=count_of(Service.categories.through, "servicecategory"))
        )

    @admin.display(description=_("name (Italian)"), ordering="code")
    def tree_name(self, obj):
        depth = obj.code.count(".")
        indent = "\u2003" * depth + ("└ " if depth else "")
        return format_html("{}{}", indent, obj.name_it)

    @admin.display(description=_("services"), ordering="service_total")
    def service_count(self, obj) -> int:
        return obj.service_total


@admin.register(Language)
class LanguageAdmin(AtlanteModelAdmin):
    list_display = ["code", "name_it", "name_en"]
    search_fields = ["code", "name_it", "name_en"]
    ordering = ["code"]
