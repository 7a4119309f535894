"""List filters by category branch."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from services.models import (
    Service,
    ServiceCategory,
)

# --- Filters ----------------------------------------------------------------------------


class CategoryBranchFilter(admin.SimpleListFilter):
    """A top-level branch of the taxonomy and everything under it."""

    title = _("branch")
    parameter_name = "branch"
    category_path = ""

    def lookups(self, request, model_admin):
        roots = ServiceCategory.objects.filter(parent__isnull=True).order_by("code")
        return [(root.code, root.name_it) for root in roots]

    def subtree(self):
        code = self.value()
        return ServiceCategory.objects.filter(Q(code=code) | Q(code__startswith=f"{code}."))

    def queryset(self, request, queryset):
        if not self.value():
            return queryset
        return queryset.filter(pk__in=self.subtree().values("pk"))


class ServiceBranchFilter(CategoryBranchFilter):
    def queryset(self, request, queryset):
        if not self.value():
            return queryset
        services = Service.categories.through.objects.filter(servicecategory__in=self.subtree())
        return queryset.filter(pk__in=services.values("service_id"))
