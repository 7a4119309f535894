"""The admin's side of the one write path: admins whose saves are domain actions keep no
log of their own (the action's ``AuditEntry`` is the audit), and their history page lists
the change audit of the record, whichever door each change came through."""

from __future__ import annotations

from django.contrib.admin.utils import unquote
from django.contrib.admin.views.main import PAGE_VAR
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.template.response import TemplateResponse
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from core.models import AuditEntry

HISTORY_PAGE_SIZE = 100


class AuditedByActionsMixin:
    """For a ModelAdmin whose every write is a domain action."""

    object_history_template = "admin/audit_history.html"

    # The actions write the one audit (AuditEntry, via "admin"): no admin log beside it.
    def log_addition(self, request, obj, message):
        return None

    def log_change(self, request, obj, message):
        return None

    def log_deletion(self, request, obj, object_repr):
        return None

    def save_related(self, request, form, formsets, change):
        # No ``form.save_m2m()``: many-to-many fields (a case's team, a service's
        # categories) are the action's to write.
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)

    def audit_q(self, obj) -> Q:
        """The audit rows that make the record's history (subclasses add its parts')."""
        return Q(target_type=ContentType.objects.get_for_model(self.model), target_id=str(obj.pk))

    def audit_rows(self, request, obj):
        """The audit rows the user is shown as the record's history, oldest first (a
        queryset, or a list of rows): subclasses narrow what a user may not read."""
        return (
            AuditEntry.objects.filter(self.audit_q(obj))
            .select_related("actor", "target_type")
            .order_by("at", "pk")
        )

    def history_view(self, request, object_id, extra_context=None):
        """The record's change audit, oldest first, in place of the admin log."""
        obj = self.get_object(request, unquote(object_id))
        if obj is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        if not self.has_view_or_change_permission(request, obj):
            raise PermissionDenied
        entries = self.audit_rows(request, obj)
        paginator = self.get_paginator(request, entries, HISTORY_PAGE_SIZE)
        page = paginator.get_page(request.GET.get(PAGE_VAR, 1))
        context = {
            **self.admin_site.each_context(request),
            "title": _("Change history: %s") % obj,
            "subtitle": None,
            "action_list": page,
            "page_range": paginator.get_elided_page_range(page.number),
            "page_var": PAGE_VAR,
            "pagination_required": paginator.count > HISTORY_PAGE_SIZE,
            "module_name": str(capfirst(self.opts.verbose_name_plural)),
            "object": obj,
            "opts": self.opts,
            "preserved_filters": self.get_preserved_filters(request),
            **(extra_context or {}),
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, self.object_history_template, context)


class ReadOnlyAdminMixin:
    """For records nobody edits by hand (computed results, logs): they are looked at in
    the admin, never added, changed or deleted there."""

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
