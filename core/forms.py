"""The one mapper from a domain refusal to a form: each message by the field it names."""

from __future__ import annotations

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db.models import CheckConstraint, Q

from core.errors import CONFLICT, FORBIDDEN, STALE, kind_of

# A page's status for a refusal: bad input 400, not yours to do 403, the record's state or
# a newer version 409 (the page shows what changed).
PAGE_STATUS = {FORBIDDEN: 403, CONFLICT: 409, STALE: 409}


def constraint_field(model, code: str | None) -> str | None:
    """The field a check constraint is about (the first one its condition names), so that
    its message can stand by that field rather than above the form."""

    def first_field(condition) -> str | None:
        for child in getattr(condition, "children", ()):
            found = first_field(child) if isinstance(child, Q) else child[0].split("__")[0]
            if found:
                return found
        return None

    for constraint in model._meta.constraints if model is not None and code else ():
        if isinstance(constraint, CheckConstraint) and constraint.violation_error_code == code:
            return first_field(constraint.condition)
    return None


def errors_by_field(error: ValidationError, model=None) -> dict[str, list[str]]:
    """``{field or NON_FIELD_ERRORS: [messages]}``, a check constraint's message by the
    field it is about."""
    errors: dict[str, list[str]] = {}
    parts = error.error_dict if hasattr(error, "error_dict") else {NON_FIELD_ERRORS: [error]}
    for name, items in parts.items():
        for item in items:
            for message in ValidationError(item).messages:
                field = name
                if name == NON_FIELD_ERRORS:
                    field = constraint_field(model, getattr(item, "code", None)) or name
                errors.setdefault(field, []).append(message)
    return errors


def add_errors(form: forms.BaseForm, error: ValidationError, model=None, aliases=None) -> None:
    """Put a refusal on a form: by field where the form has it (``aliases`` maps an
    action's field name to the form's), above the form otherwise."""
    aliases = aliases or {}
    for name, messages in errors_by_field(error, model).items():
        field = aliases.get(name, name)
        target = field if field in form.fields else None
        for message in messages:
            form.add_error(target, message)


def page_status(error: ValidationError) -> int:
    """The status of a page that shows a refusal (see ``PAGE_STATUS``)."""
    return PAGE_STATUS.get(kind_of(error), 400)
