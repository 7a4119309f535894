"""Services, sites, the services at each site, their capacity and opening hours."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from core.errors import ActionError
from registry.admin import (
    AtlanteModelAdmin,
    RelatedOnlyLightFilter,
    count_of,
)
from services.actions.capacity import (
    CAPACITY_FIELDS,
    capacity_create,
    capacity_remove,
    capacity_update,
)
from services.actions.directory import (
    OFFERING_FIELDS,
    SERVICE_FIELDS,
    SERVICE_MANY,
    SITE_FIELDS,
    offering_create,
    offering_remove,
    offering_update,
    service_create,
    service_update,
    site_create,
    site_update,
)
from services.actions.hours import HOURS_FIELDS, hours_add, hours_remove, hours_update
from services.admin.access import (
    ConfidentialAddressMixin,
    DirectoryOwnedMixin,
    NoDeleteMixin,
    OwnedInlineMixin,
)
from services.admin.filters import CategoryBranchFilter, ServiceBranchFilter
from services.admin.writes import ActionAdminMixin, ActionInlineMixin, set_field, values_of
from services.confidentiality import confidential_site_q
from services.models import (
    Capacity,
    OpeningHours,
    Service,
    ServiceAtSite,
    ServiceStatus,
    Site,
)

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
        changed = set_field(self, request, queryset, "status", ServiceStatus.INACTIVE)
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
        changed = set_field(self, request, queryset, "active", False)
        self.message_user(
            request,
            ngettext("%(count)d site deactivated.", "%(count)d sites deactivated.", changed)
            % {"count": changed},
        )

    @admin.action(description=_("Reactivate the selected sites"), permissions=["change"])
    def activate(self, request, queryset):
        changed = set_field(self, request, queryset, "active", True)
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
