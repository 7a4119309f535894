"""The admin's side of the directory actions: input-only forms; saves, inline rows and
deletions as actions."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.forms.models import construct_instance
from django.http import HttpResponseRedirect
from django.utils.translation import gettext_lazy as _

from core.admin import AuditedByActionsMixin
from core.errors import ActionError
from registry.admin import (
    VersionCheckedForm,
    refusal_for,
)
from services.actions.records import adopt

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


def changes_of(form: forms.ModelForm, names=None) -> dict:
    """The fields the user changed on the form (among ``names``, if given), with their
    values."""
    changed = form.changed_data
    wanted = changed if names is None else [name for name in names if name in changed]
    return {name: form.cleaned_data[name] for name in wanted if name in form.cleaned_data}


def values_of(form: forms.ModelForm, names) -> dict:
    return {name: form.cleaned_data[name] for name in names if name in form.cleaned_data}


def set_field(modeladmin, request, queryset, field: str, value) -> int:
    """Set one field on the records the user may edit (``modeladmin.editable``), each
    through the admin's ``update_record`` (an action: its own transaction and audit row);
    a refused record is named, and kept. The number of records changed."""
    changed = 0
    for obj in modeladmin.editable(request, queryset):
        if getattr(obj, field) == value:
            continue
        try:
            adopt(obj, modeladmin.update_record(request, obj, {field: value}, None))
        except ActionError as error:
            modeladmin.message_user(request, f"{obj}: {' '.join(error.messages)}", messages.ERROR)
            continue
        changed += 1
    return changed


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
        # A refusal shows on the main form (an unmarked ActionError: AtlanteModelAdmin).
        if change:
            saved = self.update_record(request, obj, changes_of(form), form.seen_version)
        else:
            saved = self.create_record(request, form)
        adopt(obj, saved)

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
