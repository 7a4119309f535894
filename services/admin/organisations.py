"""Organisations, memberships and users (with the colleague look-ups of the case forms)."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from registry.admin import (
    AtlanteModelAdmin,
    autocomplete_source,
    count_of,
)
from services.actions.directory import (
    ORGANISATION_FIELDS,
    organisation_create,
    organisation_update,
)
from services.admin.access import DirectoryOwnedMixin, NoDeleteMixin
from services.admin.writes import ActionAdminMixin, set_field, values_of
from services.models import (
    Membership,
    Organisation,
    Service,
    Site,
)
from services.roles import grant_role_group

User = get_user_model()

# --- Organisations and memberships ------------------------------------------------------


@admin.register(Organisation)
class OrganisationAdmin(NoDeleteMixin, DirectoryOwnedMixin, ActionAdminMixin, AtlanteModelAdmin):
    organisation_path = "pk"
    list_display = [
        "name",
        "legal_form",
        "tax_code",
        "municipality",
        "active",
        "service_count",
        "site_count",
    ]
    list_filter = ["active", "legal_form", "municipality__metropolitan_city"]
    list_select_related = ("municipality",)
    search_fields = ["name", "=tax_code", "=runts_number"]
    search_help_text = _("Name, tax code (11 digits) or RUNTS number.")
    autocomplete_fields = ["municipality"]
    actions = ["deactivate", "activate"]
    fieldsets = [
        (None, {"fields": ["name", "legal_form", "tax_code", "runts_number", "municipality"]}),
        (_("Contacts"), {"fields": ["email", "website", "phone", "description"]}),
        (_("State"), {"fields": ["active"]}),
        (_("Record"), {"fields": ["created_at", "updated_at", "version"], "classes": ["collapse"]}),
    ]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                service_total=count_of(Service, "organisation"),
                site_total=count_of(Site, "organisation"),
            )
        )

    @admin.display(description=_("services"), ordering="service_total")
    def service_count(self, obj) -> int:
        return obj.service_total

    @admin.display(description=_("sites"), ordering="site_total")
    def site_count(self, obj) -> int:
        return obj.site_total

    def create_record(self, request, form):
        return organisation_create(acting_user=request.user, **values_of(form, ORGANISATION_FIELDS))

    def update_record(self, request, obj, changes, version):
        return organisation_update(
            acting_user=request.user, organisation=obj, version=version, **changes
        )

    @admin.action(description=_("Deactivate the selected organisations"), permissions=["change"])
    def deactivate(self, request, queryset):
        changed = set_field(self, request, queryset, "active", False)
        self.message_user(
            request,
            ngettext(
                "%(count)d organisation deactivated.",
                "%(count)d organisations deactivated.",
                changed,
            )
            % {"count": changed},
        )

    @admin.action(description=_("Reactivate the selected organisations"), permissions=["change"])
    def activate(self, request, queryset):
        changed = set_field(self, request, queryset, "active", True)
        self.message_user(
            request,
            ngettext(
                "%(count)d organisation reactivated.",
                "%(count)d organisations reactivated.",
                changed,
            )
            % {"count": changed},
        )


@admin.register(Membership)
class MembershipAdmin(AtlanteModelAdmin):
    list_display = ["user", "organisation", "role", "active", "created_at"]
    list_filter = ["role", "active", "organisation__legal_form"]
    list_select_related = ("user", "organisation")
    search_fields = [
        "user__username",
        "user__first_name",
        "user__last_name",
        "user__email",
        "organisation__name",
        "=organisation__tax_code",
    ]
    autocomplete_fields = ["user", "organisation"]
    date_hierarchy = "created_at"
    actions = ["deactivate", "grant_role_groups"]
    fieldsets = [
        (None, {"fields": ["user", "organisation", "role", "active"]}),
        (_("Record"), {"fields": ["created_at"], "classes": ["collapse"]}),
    ]

    def editable(self, request, queryset):
        return queryset

    def update_record(self, request, obj, changes, version):
        """Memberships are configuration, not domain actions: saved here, and kept in the
        admin's own log (for the list actions, ``set_field``)."""
        for name, value in changes.items():
            setattr(obj, name, value)
        obj.save(update_fields=list(changes))
        with translation.override(None):  # the admin log keeps field names untranslated
            labels = [str(self.model._meta.get_field(name).verbose_name) for name in changes]
        self.log_change(request, obj, [{"changed": {"fields": labels}}])
        return obj

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if obj.active:
            # The role's permission group opens the back office pages of the role.
            grant_role_group(obj.user, obj.role)

    @admin.action(description=_("Deactivate the selected memberships"), permissions=["change"])
    def deactivate(self, request, queryset):
        changed = set_field(self, request, queryset, "active", False)
        self.message_user(
            request,
            ngettext(
                "%(count)d membership deactivated.", "%(count)d memberships deactivated.", changed
            )
            % {"count": changed},
        )

    @admin.action(
        description=_("Give the selected users the permissions of their role"),
        permissions=["change"],
    )
    def grant_role_groups(self, request, queryset):
        memberships = list(queryset.filter(active=True).select_related("user"))
        for membership in memberships:
            grant_role_group(membership.user, membership.role)
        self.message_user(
            request,
            ngettext(
                "%(count)d membership applied.", "%(count)d memberships applied.", len(memberships)
            )
            % {"count": len(memberships)},
        )


# --- Users: memberships inline, and colleague look-ups for the case forms ---------------

# Autocomplete look-ups of users from another app's form field, by
# (app_label, model_name, field_name): the users offered, given the request. Filled by
# the apps that need them (e.g. the case team in beneficiaries/admin.py).
USER_LOOKUPS: dict[tuple[str, str, str], Callable] = {}


class MembershipInline(admin.TabularInline):
    model = Membership
    fk_name = "user"
    fields = ["organisation", "role", "active", "created_at"]
    readonly_fields = ["created_at"]
    autocomplete_fields = ["organisation"]
    extra = 0

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("organisation")


class AtlanteUserAdmin(DjangoUserAdmin):
    """Django's user admin, with the user's memberships, and the scoped look-ups that let
    a social worker pick colleagues without seeing the whole user list."""

    inlines = [MembershipInline]
    list_filter = [*DjangoUserAdmin.list_filter, "memberships__role"]

    def _lookup(self, request) -> tuple[tuple[str, str, str] | None, Callable | None]:
        source = autocomplete_source(request)
        return source, USER_LOOKUPS.get(source) if source else None

    def has_view_permission(self, request, obj=None):
        source, lookup = self._lookup(request)
        if lookup is not None:
            app_label, model_name, _field = source
            return request.user.has_perm(f"{app_label}.view_{model_name}")
        return super().has_view_permission(request, obj)

    def get_queryset(self, request):
        _source, lookup = self._lookup(request)
        if lookup is not None:
            return lookup(request).order_by("username")
        return super().get_queryset(request)


if admin.site.is_registered(User):
    admin.site.unregister(User)
admin.site.register(User, AtlanteUserAdmin)
