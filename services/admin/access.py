"""Who may see and edit which directory record, and a confidential place's address."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import BooleanField, Case, Q, Value, When
from django.db.models.constants import LOOKUP_SEP
from django.utils.translation import gettext_lazy as _

from services.actions.scope import is_directory_administrator
from services.actions.scope import may_edit as may_write
from services.confidentiality import ADDRESS_FIELDS, member_organisation_ids
from services.memberships import scope_of

# --- Who may see and edit what --------------------------------------------------------


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
    """Edit (and choose as owner) only the records the actions let one write
    (``services.actions.scope.may_edit``): one's own organisations' as provider staff, all
    of them as an administrator."""

    organisation_path = "organisation"
    # Form fields that choose the owning record, with the path from that record to its
    # organisation: non-administrators get a plain select of their own records instead.
    owner_choice_fields: dict[str, str] = {}

    def may_edit(self, request, obj) -> bool:
        if obj is None:
            return True
        return may_write(request.user, organisation_id_of(obj, self.organisation_path))

    def editable(self, request, queryset):
        if is_directory_administrator(request.user):
            return queryset
        return queryset.filter(**{f"{self.organisation_path}__in": scope_of(request.user).provider})

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and self.may_edit(request, obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and self.may_edit(request, obj)

    def get_autocomplete_fields(self, request):
        fields = list(super().get_autocomplete_fields(request))
        if is_directory_administrator(request.user):
            return fields
        return [name for name in fields if name not in self.owner_choice_fields]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        path = self.owner_choice_fields.get(db_field.name)
        if (
            path is not None
            and "queryset" not in kwargs
            and not is_directory_administrator(request.user)
        ):
            kwargs["queryset"] = db_field.related_model._default_manager.filter(
                **{f"{path}__in": scope_of(request.user).provider}
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class OwnedInlineMixin:
    """An inline editable only where its parent record is (the actions' rule, as above)."""

    parent_organisation_path = "organisation"

    def _may_edit(self, request, obj) -> bool:
        if obj is None:
            return True
        return may_write(request.user, organisation_id_of(obj, self.parent_organisation_path))

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

    address_fields = ADDRESS_FIELDS
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
