"""Who reaches which workspace page: one place for the look-ups every view makes.

Records always come from the models' ``visible_to`` scoping; a record out of scope is a
404, never a 403, so that a page does not reveal that a record exists.
"""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404
from django.utils.cache import add_never_cache_headers

from beneficiaries.models import Beneficiary, Case
from beneficiaries.visibility import scope_of
from core.access_log import log_access


def workspace_view(*, casework: bool = False, provider: bool = False):
    """Require a logged-in user with a casework and/or provider membership.

    With neither flag, any member of an organisation that works with people may enter.
    Officials and administrators have no workspace: they work in the admin.
    """

    def decorate(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            scope = scope_of(request.user)
            allowed = (casework and scope.casework) or (provider and scope.provider)
            if not (casework or provider):
                allowed = not scope.empty
            if not allowed:
                raise PermissionDenied
            request.scope = scope
            response = view(request, *args, **kwargs)
            # Pages about people must not stay in a shared device's cache (the back
            # button after logging out) or in any proxy.
            add_never_cache_headers(response)
            return response

        return wrapped

    return decorate


def team_cases(user):
    """Cases the user works on as a member of the case team (lead, team, organisation):
    the pages' name for ``Case.objects.worked_on_by``, the actions' own rule."""
    return Case.objects.worked_on_by(user)


def team_case_or_404(request, pk, *, log: bool = False) -> Case:
    """A case of the user's team, or 404; ``log`` writes the access-log row of the page.
    Read without a lock: the action that writes takes it."""
    queryset = team_cases(request.user).select_related(
        "beneficiary", "beneficiary__residence_municipality", "organisation", "lead_worker"
    )
    case = get_object_or_404(queryset, pk=pk)
    if log:
        log_access(request, [case], via="workspace")
    return case


def person_or_404(request, pk, *, log: bool = False) -> Beneficiary:
    person = get_object_or_404(
        Beneficiary.objects.visible_to(request.user).select_related("residence_municipality"),
        pk=pk,
    )
    if log:
        log_access(request, [person], via="workspace")
    return person
