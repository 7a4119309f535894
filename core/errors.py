"""The one error type of the domain actions: a refusal that names the field and the reason.

It is a Django ``ValidationError`` (so ``full_clean`` errors, forms and the API's error
handler all speak it) with a ``kind`` that tells an entry point which answer to give:

* ``invalid``   — the input breaks a rule (400);
* ``forbidden`` — the acting user may not do this (403 in the API; the same message
  everywhere);
* ``conflict``  — the record's state does not allow it (409: a closed case, a second open
  case, a referral already answered);
* ``stale``     — the record changed since the user read it (412 in the API; the
  workspace shows both versions).
"""

from __future__ import annotations

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError

INVALID, FORBIDDEN, CONFLICT, STALE = "invalid", "forbidden", "conflict", "stale"
KINDS = (INVALID, FORBIDDEN, CONFLICT, STALE)


class ActionError(ValidationError):
    """A domain action's refusal: ``{field: [messages]}`` and a kind (see the module)."""

    def __init__(self, message, *, kind: str = INVALID) -> None:
        if kind not in KINDS:
            raise ValueError(f"Unknown kind of refusal: {kind}")
        super().__init__(message)
        self.kind = kind

    @classmethod
    def on(cls, field: str | None, message: str, *, kind: str = INVALID) -> ActionError:
        """A refusal about one field (``None``: about the whole record)."""
        return cls({field or NON_FIELD_ERRORS: [message]}, kind=kind)

    @classmethod
    def of(cls, error: ValidationError, *, kind: str = INVALID) -> ActionError:
        """A model's own ``ValidationError`` (from ``full_clean``) as an action's refusal."""
        if isinstance(error, ActionError):
            return error
        if hasattr(error, "error_dict"):
            return cls(error.error_dict, kind=kind)
        return cls({NON_FIELD_ERRORS: error.error_list}, kind=kind)


def kind_of(error: ValidationError) -> str:
    return getattr(error, "kind", INVALID)
