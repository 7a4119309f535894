"""Back office for the service directory: providers, services, sites, capacity, schedules,
and the memberships that give people their roles.

Two rules beyond the role permissions (services/roles.py):

* a directory record is edited by the members of its organisation; administrators edit
  them all, a superuser flag none (everyone with the permission may still view them);
* the address and coordinates of a confidential site never reach anyone outside the
  owning organisation, superusers included: not in lists, forms, search or look-ups.

Every write is a domain action (``services/actions``, ``housing/actions/units.py``): the
forms only parse the input, ``save_model``, ``save_formset``, the delete paths and the
list actions turn it into the action's arguments, and a refusal comes back on the form by
the field it names (``registry.admin.AtlanteModelAdmin``). The actions hold who may write
what: provider staff their own organisation's records, administrators all of them.
"""

from __future__ import annotations

from collections.abc import Callable

from django import forms
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import BooleanField, Case, Q, Value, When
from django.db.models.constants import LOOKUP_SEP
from django.forms.models import construct_instance
from django.http import HttpResponseRedirect
from django.utils import translation
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from core.admin import AuditedByActionsMixin
from core.errors import ActionError
from registry.admin import (
    AtlanteModelAdmin,
    RelatedOnlyLightFilter,
    VersionCheckedForm,
    autocomplete_source,
    count_of,
    refusal_for,
)
from services.actions.capacity import (
    CAPACITY_FIELDS,
    capacity_create,
    capacity_remove,
    capacity_update,
)
from services.actions.directory import (
    OFFERING_FIELDS,
    ORGANISATION_FIELDS,
    SERVICE_FIELDS,
    SERVICE_MANY,
    SITE_FIELDS,
    offering_create,
    offering_remove,
    offering_update,
    organisation_create,
    organisation_update,
    service_create,
    service_update,
    site_create,
    site_update,
)
from services.actions.hours import HOURS_FIELDS, hours_add, hours_remove, hours_update
from services.actions.records import adopt
from services.actions.scope import is_directory_administrator
from services.confidentiality import confidential_site_q, member_organisation_ids
from services.models import (
    Capacity,
    Language,
    Membership,
    OpeningHours,
    Organisation,
    Service,
    ServiceAtSite,
    ServiceCategory,
    ServiceStatus,
    Site,
)
from services.roles import grant_role_group

User = get_user_model()


# --- Who may see and edit what --------------------------------------------------------


def is_directory_manager(request) -> bool:
    """Administrators edit the whole directory, others only their own organisation's
    records: the actions' rule (``services.actions.scope``); a superuser flag grants
    nothing."""
    return is_directory_administrator(request.user)


def organisation_id_of(obj, path: str) -> int | None:
    """The id of the organisation a record belongs to, following ``path`` (e.g.
    ``"service__organisation"``); ``"pk"`` means the record is the organisation."""
    if path == "pk":
        return obj.pk
    *hops, last = path.split("__")
    for hop in hops:
        obj = getattr(obj, hop, None)
        if obj is None:
            return None
    return getattr(obj, f"{last}_id", None)


class DirectoryOwnedMixin:
    """Edit (and choose as owner) only the organisations one is a member of, unless one
    manages the whole directory."""

    organisation_path = "organisation"
    # Form fields that choose the owning record, with the path from that record to its
    # organisation: non-managers get a plain select of their own records instead.
    owner_choice_fields: dict[str, str] = {}

    def may_edit(self, request, obj) -> bool:
        if obj is None or is_directory_manager(request):
            return True
        return organisation_id_of(obj, self.organisation_path) in member_organisation_ids(request)

    def editable(self, request, queryset):
        if is_directory_manager(request):
            return queryset
        return queryset.filter(
            **{f"{self.organisation_path}__in": member_organisation_ids(request)}
        )

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and self.may_edit(request, obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and self.may_edit(request, obj)

    def get_autocomplete_fields(self, request):
        fields = list(super().get_autocomplete_fields(request))
        if is_directory_manager(request):
            return fields
        return [name for name in fields if name not in self.owner_choice_fields]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        path = self.owner_choice_fields.get(db_field.name)
        if path is not None and "queryset" not in kwargs and not is_directory_manager(request):
            kwargs["queryset"] = db_field.related_model._default_manager.filter(
                **{f"{path}__in": member_organisation_ids(request)}
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class OwnedInlineMixin:
    """An inline editable only where its parent record is."""

    parent_organisation_path = "organisation"

    def _may_edit(self, request, obj) -> bool:
        if obj is None or is_directory_manager(request):
            return True
        owner = organisation_id_of(obj, self.parent_organisation_path)
        return owner in member_organisation_ids(request)

    def has_add_permission(self, request, obj=None):
        return super().has_add_permission(request, obj) and self._may_edit(request, obj)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and self._may_edit(request, obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and self._may_edit(request, obj)


class NoDeleteMixin:
    """Records others refer to are deactivated, never deleted (conventions.md, rule 7)."""

    def has_delete_permission(self, request, obj=None):
        return False


class ConfidentialAddressMixin:
    """Withholds the address and coordinates of confidential places from everyone who is
    not a member of the owning organisation (superusers are no exception)."""

    address_fields = ("address", "postal_code", "latitude", "longitude")
    owner_field = "organisation"
    address_search_fields = ("address", "postal_code")

    def lookup_allowed(self, lookup, value, request=None) -> bool:
        # A URL filter such as ?latitude__gte=41.9 would answer "one row" or "none" and so
        # let anyone narrow down a shelter's position: no URL look-ups on address fields.
        if lookup.split(LOOKUP_SEP)[0] in self.address_fields:
            return False
        return super().lookup_allowed(lookup, value, request)

    def confidential_q(self) -> Q:
        """Rows whose address is confidential."""
        return Q(confidential=True)

    def is_confidential(self, obj) -> bool:
        return obj.confidential

    def address_visible_q(self, request) -> Q:
        members = member_organisation_ids(request)
        visible = ~self.confidential_q()
        if members:
            visible |= Q(**{f"{self.owner_field}__in": members})
        return visible

    def address_withheld(self, request, obj) -> bool:
        if obj is None or obj.pk is None:
            return False
        owner = getattr(obj, f"{self.owner_field}_id")
        if owner in member_organisation_ids(request):
            return False
        # Asked several times per page: remember the answer for this request.
        cache = request.__dict__.setdefault("_atlante_withheld", {})
        key = (obj._meta.label, obj.pk)
        if key not in cache:
            cache[key] = self.is_confidential(obj)
        return cache[key]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                address_visible=Case(
                    When(self.address_visible_q(request), then=Value(True)),
                    default=Value(False),
                    output_field=BooleanField(),
                )
            )
        )

    def get_search_results(self, request, queryset, search_term):
        results, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        term = search_term.strip()
        if term:
            # Search by address only among the addresses the user may see: a match on a
            # withheld address would tell where a shelter is.
            by_address = Q()
            for field in self.address_search_fields:
                by_address |= Q(**{f"{field}__icontains": term})
            results = results | queryset.filter(by_address & self.address_visible_q(request))
        return results, may_have_duplicates

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if not self.address_withheld(request, obj):
            return fieldsets
        result, notice_placed = [], False
        for name, options in fieldsets:
            fields = [f for f in options["fields"] if f not in self.address_fields]
            if len(fields) != len(options["fields"]) and not notice_placed:
                fields.insert(0, "withheld_address")
                notice_placed = True
            result.append((name, {**options, "fields": fields}))
        return result

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if self.address_withheld(request, obj):
            # Neither lifting the flag nor moving the record to one's own organisation
            # may reveal the address.
            readonly += ["withheld_address", "confidential", self.owner_field]
        return readonly

    @admin.display(description=_("address"))
    def withheld_address(self, obj) -> str:
        return _("Confidential: visible only to the members of the owning organisation.")

    @admin.display(description=_("address"))
    def shown_address(self, obj) -> str:
        if not getattr(obj, "address_visible", False):
            return _("(confidential)")
        return f"{obj.address}, {obj.postal_code}"


# --- Writes through the domain actions -------------------------------------------------


class InputOnlyFormMixin:
    """The form parses what was typed and hands it on; the model's rules are the action's,
    checked once, with the action's messages (not twice, with the model's here)."""

    def _post_clean(self):
        # As ModelForm's, without ``full_clean``: the record takes the typed values.
        opts = self._meta
        try:
            self.instance = construct_instance(self, self.instance, opts.fields, opts.exclude)
        except ValidationError as error:
            self._update_errors(error)


class ActionForm(InputOnlyFormMixin, VersionCheckedForm):
    """A directory record's form: the version the user opened goes to the action, which
    checks it under its own row lock."""

    version_checked_by_action = True


class ActionInlineForm(InputOnlyFormMixin, forms.ModelForm):
    """An inline row's form (capacity, opening hours, a service at a site)."""


def changes_of(form: forms.ModelForm) -> dict:
    """The fields the user changed on the form, with their values."""
    return {
        name: form.cleaned_data[name] for name in form.changed_data if name in form.cleaned_data
    }


def values_of(form: forms.ModelForm, names) -> dict:
    return {name: form.cleaned_data[name] for name in names if name in form.cleaned_data}


class ActionAdminMixin(AuditedByActionsMixin):
    """An admin that writes through domain actions: ``create_record``, ``update_record``
    and (where records may go) ``remove_record``; its inlines' rows through their own
    ``create_row``, ``update_row`` and ``remove_row`` (``ActionInlineMixin``)."""

    form = ActionForm

    def create_record(self, request, form):
        raise PermissionDenied

    def update_record(self, request, obj, changes: dict, version: int | None):
        raise PermissionDenied

    def remove_record(self, request, obj) -> None:
        raise PermissionDenied

    def save_model(self, request, obj, form, change):
        try:
            if change:
                saved = self.update_record(request, obj, changes_of(form), form.seen_version)
            else:
                saved = self.create_record(request, form)
        except ActionError as error:
            raise refusal_for(error, None) from None
        adopt(obj, saved)

    def save_related(self, request, form, formsets, change):
        # No ``form.save_m2m()``: many-to-many fields (a service's categories) are the
        # action's to write.
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)

    def get_formsets_with_inlines(self, request, obj=None):
        for formset, inline in super().get_formsets_with_inlines(request, obj):
            formset.writer = inline  # a class made for this request
            yield formset, inline

    def save_formset(self, request, form, formset, change):
        """Each added, changed or deleted inline row through its inline's action."""
        writer = formset.writer
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        deleted = set(formset.deleted_forms) if formset.can_delete else set()
        for row_form in formset.forms:
            row = row_form.instance
            try:
                if row_form in deleted:
                    if row.pk is not None:
                        writer.remove_row(request, row)
                        formset.deleted_objects.append(row)
                elif row.pk is None:
                    if row_form.has_changed():
                        added = writer.create_row(request, form.instance, row_form)
                        formset.new_objects.append(added)
                elif changes := changes_of(row_form):
                    adopt(row, writer.update_row(request, row, changes))
                    formset.changed_objects.append((row, list(changes)))
            except ActionError as error:
                raise refusal_for(error, row_form) from None

    def delete_model(self, request, obj):
        self.remove_record(request, obj)

    def delete_queryset(self, request, queryset):
        """The list's "delete" action: each record through the action, a refused one
        named (and kept)."""
        for obj in queryset:
            try:
                self.remove_record(request, obj)
            except ActionError as error:
                self.message_user(request, f"{obj}: {' '.join(error.messages)}", messages.ERROR)

    def delete_view(self, request, object_id, extra_context=None):
        try:
            return super().delete_view(request, object_id, extra_context)
        except ActionError as error:
            self.message_user(
                request,
                _("Not deleted: %(reason)s") % {"reason": " ".join(error.messages)},
                messages.ERROR,
            )
            return HttpResponseRedirect(request.get_full_path())


class ActionInlineMixin:
    """An inline whose rows are written by actions (see ``ActionAdminMixin``)."""

    form = ActionInlineForm

    def create_row(self, request, parent, form):
        raise PermissionDenied

    def update_row(self, request, row, changes: dict):
        raise PermissionDenied

    def remove_row(self, request, row) -> None:
        raise PermissionDenied


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


# --- Organisations and memberships ------------------------------------------------------


def _set_field(modeladmin, request, queryset, field: str, value) -> int:
    """Set one field on the records the user may edit, each through the admin's update
    action (its own transaction and audit row); a refused record is named, and kept."""
    changed = 0
    with translation.override(None):  # the admin log keeps field names untranslated
        label = str(modeladmin.model._meta.get_field(field).verbose_name)
    for obj in modeladmin.editable(request, queryset):
        if getattr(obj, field) == value:
            continue
        try:
            adopt(obj, modeladmin.update_record(request, obj, {field: value}, None))
        except ActionError as error:
            modeladmin.message_user(request, f"{obj}: {' '.join(error.messages)}", messages.ERROR)
            continue
        modeladmin.log_change(request, obj, [{"changed": {"fields": [label]}}])
        changed += 1
    return changed


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
        changed = _set_field(self, request, queryset, "active", False)
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
        changed = _set_field(self, request, queryset, "active", True)
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

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if obj.active:
            # The role's permission group opens the back office pages of the role.
            grant_role_group(obj.user, obj.role)

    @admin.action(description=_("Deactivate the selected memberships"), permissions=["change"])
    def deactivate(self, request, queryset):
        changed = _set_field(self, request, queryset, "active", False)
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


# --- Services, sites, offerings ---------------------------------------------------------


class ServiceAtSiteInline(OwnedInlineMixin, ActionInlineMixin, admin.TabularInline):
    model = ServiceAtSite
    fields = ["site", "description"]
    autocomplete_fields = ["site"]
    show_change_link = True
    extra = 0

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("site")

    def create_row(self, request, parent, form):
        return offering_create(
            acting_user=request.user, service=parent, **values_of(form, ("site", "description"))
        )

    def update_row(self, request, row, changes):
        return offering_update(acting_user=request.user, offering=row, version=None, **changes)

    def remove_row(self, request, row):
        offering_remove(acting_user=request.user, offering=row)


@admin.register(Service)
class ServiceAdmin(NoDeleteMixin, DirectoryOwnedMixin, ActionAdminMixin, AtlanteModelAdmin):
    owner_choice_fields = {"organisation": "pk"}
    list_display = [
        "name",
        "organisation",
        "status",
        "confidential",
        "funding_programme",
        "category_codes",
        "site_count",
        "updated_at",
    ]
    list_filter = [
        "status",
        "confidential",
        "funding_programme",
        "free_of_charge",
        ServiceBranchFilter,
        ("categories", admin.RelatedOnlyFieldListFilter),
        "organisation__legal_form",
    ]
    list_select_related = ("organisation",)
    search_fields = ["name", "alternate_name", "organisation__name", "=organisation__tax_code"]
    autocomplete_fields = ["organisation"]
    filter_horizontal = ["categories", "languages"]
    inlines = [ServiceAtSiteInline]
    actions = ["mark_inactive"]
    fieldsets = [
        (
            None,
            {"fields": ["organisation", "name", "alternate_name", "description", "categories"]},
        ),
        (_("State"), {"fields": ["status"]}),
        (
            _("Who it is for"),
            {"fields": ["eligibility_description", "minimum_age", "maximum_age", "languages"]},
        ),
        (
            _("Costs and funding"),
            {
                "fields": [
                    "free_of_charge",
                    "fees_description",
                    "funding_programme",
                    "funding_description",
                ]
            },
        ),
        (_("Access"), {"fields": ["application_process", "email", "url"]}),
        (_("Confidentiality"), {"fields": ["confidential", "public_contact"]}),
        (_("Record"), {"fields": ["created_at", "updated_at", "version"], "classes": ["collapse"]}),
    ]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(site_total=count_of(ServiceAtSite, "service"))
            .prefetch_related("categories")
        )

    @admin.display(description=_("categories"))
    def category_codes(self, obj) -> str:
        return ", ".join(category.code for category in obj.categories.all())

    @admin.display(description=_("sites"), ordering="site_total")
    def site_count(self, obj) -> int:
        return obj.site_total

    def create_record(self, request, form):
        return service_create(
            acting_user=request.user, **values_of(form, (*SERVICE_FIELDS, *SERVICE_MANY))
        )

    def update_record(self, request, obj, changes, version):
        return service_update(acting_user=request.user, service=obj, version=version, **changes)

    @admin.action(description=_("Mark the selected services as inactive"), permissions=["change"])
    def mark_inactive(self, request, queryset):
        changed = _set_field(self, request, queryset, "status", ServiceStatus.INACTIVE)
        self.message_user(
            request,
            ngettext(
                "%(count)d service marked inactive.", "%(count)d services marked inactive.", changed
            )
            % {"count": changed},
        )


@admin.register(Site)
class SiteAdmin(
    ConfidentialAddressMixin,
    NoDeleteMixin,
    DirectoryOwnedMixin,
    ActionAdminMixin,
    AtlanteModelAdmin,
):
    owner_choice_fields = {"organisation": "pk"}
    list_display = [
        "name",
        "organisation",
        "municipality",
        "shown_address",
        "confidential",
        "barrier_free",
        "active",
        "service_count",
    ]
    list_filter = [
        "active",
        "confidential",
        "barrier_free",
        "municipality__metropolitan_city",
        ("municipality", RelatedOnlyLightFilter),
        ("organisation", RelatedOnlyLightFilter),
    ]
    list_select_related = ("organisation", "municipality")
    search_fields = ["name", "organisation__name", "municipality__name"]
    search_help_text = _(
        "Name, organisation or municipality; addresses only where not confidential."
    )
    autocomplete_fields = ["organisation", "municipality"]
    actions = ["deactivate", "activate"]
    fieldsets = [
        (None, {"fields": ["organisation", "name", "municipality"]}),
        (_("Where"), {"fields": ["address", "postal_code", "latitude", "longitude"]}),
        (_("Access"), {"fields": ["barrier_free", "confidential", "public_contact"]}),
        (_("State"), {"fields": ["active"]}),
        (_("Record"), {"fields": ["created_at", "updated_at", "version"], "classes": ["collapse"]}),
    ]

    def confidential_q(self) -> Q:
        return confidential_site_q()

    def is_confidential(self, obj) -> bool:
        return obj.confidential or obj.offerings.filter(service__confidential=True).exists()

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(service_total=count_of(ServiceAtSite, "site"))

    @admin.display(description=_("services"), ordering="service_total")
    def service_count(self, obj) -> int:
        return obj.service_total

    def create_record(self, request, form):
        return site_create(acting_user=request.user, **values_of(form, SITE_FIELDS))

    def update_record(self, request, obj, changes, version):
        return site_update(acting_user=request.user, site=obj, version=version, **changes)

    @admin.action(description=_("Deactivate the selected sites"), permissions=["change"])
    def deactivate(self, request, queryset):
        changed = _set_field(self, request, queryset, "active", False)
        self.message_user(
            request,
            ngettext("%(count)d site deactivated.", "%(count)d sites deactivated.", changed)
            % {"count": changed},
        )

    @admin.action(description=_("Reactivate the selected sites"), permissions=["change"])
    def activate(self, request, queryset):
        changed = _set_field(self, request, queryset, "active", True)
        self.message_user(
            request,
            ngettext("%(count)d site reactivated.", "%(count)d sites reactivated.", changed)
            % {"count": changed},
        )


class CapacityInline(OwnedInlineMixin, ActionInlineMixin, admin.TabularInline):
    model = Capacity
    parent_organisation_path = "service__organisation"
    fields = ["unit", "total", "available", "description", "updated_at"]
    readonly_fields = ["updated_at"]
    extra = 0

    def create_row(self, request, parent, form):
        return capacity_create(
            acting_user=request.user, offering=parent, **values_of(form, CAPACITY_FIELDS[1:])
        )

    def update_row(self, request, row, changes):
        return capacity_update(acting_user=request.user, capacity=row, version=None, **changes)

    def remove_row(self, request, row):
        capacity_remove(acting_user=request.user, capacity=row)


class OpeningHoursInline(OwnedInlineMixin, ActionInlineMixin, admin.TabularInline):
    model = OpeningHours
    parent_organisation_path = "service__organisation"
    fields = ["weekday", "opens_at", "closes_at", "valid_from", "valid_to"]
    extra = 0

    def create_row(self, request, parent, form):
        return hours_add(acting_user=request.user, offering=parent, **values_of(form, HOURS_FIELDS))

    def update_row(self, request, row, changes):
        return hours_update(acting_user=request.user, hours=row, **changes)

    def remove_row(self, request, row):
        hours_remove(acting_user=request.user, hours=row)


class OfferingBranchFilter(CategoryBranchFilter):
    def queryset(self, request, queryset):
        if not self.value():
            return queryset
        services = Service.categories.through.objects.filter(servicecategory__in=self.subtree())
        return queryset.filter(service__in=services.values("service_id"))


@admin.register(ServiceAtSite)
class ServiceAtSiteAdmin(DirectoryOwnedMixin, ActionAdminMixin, AtlanteModelAdmin):
    organisation_path = "service__organisation"
    owner_choice_fields = {"service": "organisation"}
    list_display = [
        "service",
        "site",
        "organisation",
        "municipality",
        "capacity_summary",
        "updated_at",
    ]
    list_filter = [
        "service__status",
        "site__municipality__metropolitan_city",
        OfferingBranchFilter,
    ]
    list_select_related = ("service__organisation", "site__municipality")
    search_fields = ["service__name", "site__name", "service__organisation__name"]
    autocomplete_fields = ["service", "site"]
    inlines = [CapacityInline, OpeningHoursInline]
    fieldsets = [
        (None, {"fields": ["service", "site", "description"]}),
        (_("Record"), {"fields": ["created_at", "updated_at", "version"], "classes": ["collapse"]}),
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("capacities")

    def create_record(self, request, form):
        return offering_create(acting_user=request.user, **values_of(form, OFFERING_FIELDS))

    def update_record(self, request, obj, changes, version):
        return offering_update(acting_user=request.user, offering=obj, version=version, **changes)

    def remove_record(self, request, obj):
        offering_remove(acting_user=request.user, offering=obj)

    @admin.display(description=_("organisation"), ordering="service__organisation__name")
    def organisation(self, obj):
        return obj.service.organisation

    @admin.display(description=_("municipality"), ordering="site__municipality__name")
    def municipality(self, obj):
        return obj.site.municipality

    @admin.display(description=_("capacity (free / total)"))
    def capacity_summary(self, obj) -> str:
        return "; ".join(
            f"{capacity.available if capacity.available is not None else '–'} / "
            f"{capacity.total.normalize():f} {capacity.get_unit_display()}"
            for capacity in obj.capacities.all()
        )


class OfferingPartMixin(DirectoryOwnedMixin):
    """Capacity and opening hours: owned through their offering's service."""

    organisation_path = "offering__service__organisation"
    owner_choice_fields = {"offering": "service__organisation"}
    list_select_related = ("offering__service", "offering__site")
    search_fields = ["offering__service__name", "offering__site__name"]
    autocomplete_fields = ["offering"]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if db_field.name == "offering" and hasattr(field, "queryset"):
            field.queryset = field.queryset.select_related("service", "site")
        return field


@admin.register(Capacity)
class CapacityAdmin(OfferingPartMixin, ActionAdminMixin, AtlanteModelAdmin):
    list_display = ["offering", "unit", "total", "available", "updated_at"]
    list_filter = ["unit", "offering__service__status"]
    fieldsets = [
        (None, {"fields": ["offering", "unit", "total", "available", "description"]}),
        (_("Record"), {"fields": ["created_at", "updated_at", "version"], "classes": ["collapse"]}),
    ]

    def create_record(self, request, form):
        return capacity_create(acting_user=request.user, **values_of(form, CAPACITY_FIELDS))

    def update_record(self, request, obj, changes, version):
        return capacity_update(acting_user=request.user, capacity=obj, version=version, **changes)

    def remove_record(self, request, obj):
        capacity_remove(acting_user=request.user, capacity=obj)


@admin.register(OpeningHours)
class OpeningHoursAdmin(OfferingPartMixin, ActionAdminMixin, AtlanteModelAdmin):
    list_display = ["offering", "weekday", "opens_at", "closes_at", "valid_from", "valid_to"]
    list_filter = ["weekday"]
    ordering = ["offering__service__name", "weekday", "opens_at"]
    fields = ["offering", "weekday", "opens_at", "closes_at", "valid_from", "valid_to"]

    def create_record(self, request, form):
        return hours_add(acting_user=request.user, **values_of(form, ("offering", *HOURS_FIELDS)))

    def update_record(self, request, obj, changes, version):
        # Opening hours have no version of their own: the action locks their schedule.
        if "offering" in changes:
            raise ActionError.on(
                "offering",
                _("Opening hours stay with their service at a site: add them to the other."),
            )
        return hours_update(acting_user=request.user, hours=obj, **changes)

    def remove_record(self, request, obj):
        hours_remove(acting_user=request.user, hours=obj)
