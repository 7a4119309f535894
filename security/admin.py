"""The security events, read-only in the back office: administrators and the
data-protection officer hold ``security.view_securityevent`` (services/roles.py). No one
adds, changes or deletes a row here; the database refuses it anyway."""

from __future__ import annotations

from django.contrib import admin

from core.admin import ReadOnlyAdminMixin
from security.models import SecurityEvent


@admin.register(SecurityEvent)
class SecurityEventAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("at", "kind", "username", "user", "address")
    list_filter = ("kind", ("at", admin.DateFieldListFilter))
    search_fields = ("username",)
    date_hierarchy = "at"
    list_select_related = ("user",)
    readonly_fields = ("at", "kind", "user", "username", "address", "user_agent", "details")
    fields = readonly_fields
    ordering = ("-at", "-pk")
