"""Who may call which endpoint of the API: one rule per view action, and no rule, no access.

A rule names the OAuth2 scope a partner's token must carry, whether anonymous callers are
let in (the public directory only), and the role permission a person or partner account
needs (``services.roles``, granted by an active membership of an active organisation).
Which *records* a caller then reaches is the scoping functions' business: the views start
from ``visible_to`` or from the caller's own organisations, so anything else is a 404.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from django.conf import settings
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import BasePermission


@dataclass(frozen=True)
class Rule:
    scope: str
    anonymous: bool = False
    permission: str | None = None


@functools.cache
def _role_permissions_reader():
    # The roles live in the domain (services.roles); the API's plumbing reads them
    # through a setting, so that core never imports the apps it serves.
    return import_string(settings.API_ROLE_PERMISSIONS)


def role_permissions(user) -> frozenset[str]:
    """The permissions the user's active memberships grant."""
    return _role_permissions_reader()(user)


def rule_for(view, request) -> Rule | None:
    rules = getattr(view, "rules", {})
    action = getattr(view, "action", None) or request.method.lower()
    return rules.get(action)


class EndpointRule(BasePermission):
    def has_permission(self, request, view) -> bool:
        rule = rule_for(view, request)
        if rule is None:
            # A method the view does not handle gets its 405; anything else needs a rule.
            return not hasattr(view, request.method.lower())
        user = request.user
        if not (user and user.is_authenticated):
            return rule.anonymous
        token = request.auth
        if hasattr(token, "allow_scopes") and not token.allow_scopes([rule.scope]):
            raise PermissionDenied(
                _("This token lacks the scope %(scope)s.") % {"scope": rule.scope}
            )
        if rule.permission and rule.permission not in role_permissions(user):
            raise PermissionDenied(_("Your role does not allow this."))
        return True


# The rules every public directory endpoint shares.
DIRECTORY_READ = Rule("directory:read", anonymous=True)
PUBLIC_READ_RULES = {"list": DIRECTORY_READ, "retrieve": DIRECTORY_READ}
