"""The codice fiscale existence check: counted, throttled and recorded.

Intake searches by codice fiscale over every person (so that nobody is registered twice),
and registering a code that exists is refused: both tell a worker whether a code is
registered anywhere, which is itself personal data (that someone is known to the social
services). So each check by a user is:

- **counted** per user in the shared cache (Redis): ``CF_LOOKUP_RATE`` checks (30) in
  the hour that follows the user's first one; beyond, the check is refused before it
  runs, with a message, and reveals nothing;
- **recorded** as a security event (kind ``cf_lookup``) with the door and whether the
  code was found, shown, or refused — never the code, its hash or the person;
- **access-logged** on the person's record when it reveals one: the exact match shown,
  or the existence of a person the user cannot see (``via`` ``cf-check``), so that the
  person's data-protection officer sees who checked their code
  (``beneficiaries/access_report.py``).
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from django.utils.translation import gettext as _

from core.access_log import log_access
from core.counters import count_in_window
from security.events import record_event
from security.models import EventKind

WINDOW_SECONDS = 3600
DEFAULT_RATE = 30

# What a check found, as the security event records it.
SHOWN = "shown"  # a person the user may see: shown to them
ELSEWHERE = "elsewhere"  # a person the user may not see: only "already registered"
NOT_FOUND = "not_found"
REFUSED = "refused"  # over the limit: not run


def rate() -> int:
    return int(getattr(settings, "CF_LOOKUP_RATE", DEFAULT_RATE))


def _key(user) -> str:
    return f"atlante:cf-lookup:{user.pk}"


def allow_lookup(request: HttpRequest, *, via: str) -> bool:
    """Count one check by the request's user; False (and the refusal recorded) when the
    user has used up ``CF_LOOKUP_RATE`` checks within the hour."""
    # The window starts at the user's first check.
    if count_in_window(_key(request.user), WINDOW_SECONDS) > rate():
        record_lookup(request, via=via, found=REFUSED)
        return False
    return True


def refusal_message() -> str:
    return _(
        "You have checked %(count)d codici fiscali in the last hour, the most allowed: "
        "try again later, or search by name and birth year."
    ) % {"count": rate()}


def record_lookup(request: HttpRequest, *, via: str, found: str, person=None) -> None:
    """The security event of one check and, when it revealed a person, their access-log
    row (``via`` "cf-check": what the check told, not a page that showed them)."""
    record_event(
        request, EventKind.CF_LOOKUP, user=request.user, details={"via": via, "found": found}
    )
    if person is not None and found == ELSEWHERE:
        log_access(request, [person], via="cf-check")
