"""Who may write a directory record (and a housing unit): one rule for every door.

The staff of the organisation the record belongs to (its provider-staff memberships, read
through the one membership reader ``services.memberships.scope_of``: active users,
memberships and organisations only), and administrators, who keep the whole directory. A
superuser flag grants nothing: a write needs a membership, as a read of personal data does.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from core.errors import FORBIDDEN, ActionError
from services.memberships import scope_of
from services.models import Role


def is_directory_administrator(user) -> bool:
    """An active administrator membership of an active organisation."""
    return Role.ADMINISTRATOR in scope_of(user).roles


def may_edit(user, organisation_id) -> bool:
    """Whether the user may write the records of the organisation."""
    if organisation_id is None:
        return False
    return organisation_id in scope_of(user).provider or is_directory_administrator(user)


def require_editor(user, organisation_id, *, field: str | None, message: str | None = None) -> None:
    """Refuse (``forbidden``, by ``field``) a write to another organisation's record."""
    if not may_edit(user, organisation_id):
        raise ActionError.on(
            field,
            message or _("Only the staff of the organisation it belongs to can change this."),
            kind=FORBIDDEN,
        )


def require_new_owner(user, organisation_id, *, field: str) -> None:
    """Refuse giving a record to an organisation the user does not write for."""
    require_editor(
        user,
        organisation_id,
        field=field,
        message=_("You can only give it to an organisation whose records you keep."),
    )


def is_own_staff(user, organisation_id) -> bool:
    """Provider staff of the organisation itself (administrators are not, for what a
    confidential place keeps from everyone else)."""
    return organisation_id is not None and organisation_id in scope_of(user).provider


def refuse_outsiders_on_confidential(
    user, *, organisation_id, confidential: bool, record, changes, guarded
) -> None:
    """A confidential place's address, flag and owner are changed by the owner's own staff
    only (administrators included among the others: they never see them either)."""
    if not confidential or is_own_staff(user, organisation_id):
        return
    for name in guarded:
        if name in changes and changes[name] != getattr(record, name):
            raise ActionError.on(
                name,
                _(
                    "This place is confidential: only the staff of the organisation it "
                    "belongs to can change its address, its organisation or this flag."
                ),
                kind=FORBIDDEN,
            )
