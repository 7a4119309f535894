"""Referrals as the API and the workspace change them: who may move a referral to which
status, and the dates each status carries.

The receiving provider answers (accept, wait-list, decline), starts and closes; the
sending case team may close (withdraw) a referral that has not ended. Each step is checked
here with a message naming the field, so that no caller can skip a step or write a status
its role does not own.
"""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from beneficiaries.models import Case, CaseStatus, Referral, ReferralStatus
from beneficiaries.visibility import casework_case_q, scope_of
from services.models import ServiceAtSite, ServiceStatus

S = ReferralStatus
PROVIDER, TEAM = frozenset({"provider"}), frozenset({"team"})
# (from, to) → who may make that move: the receiving provider, the sending team, or both.
TRANSITIONS: dict[tuple[str, str], frozenset[str]] = {
    (S.REFERRED, S.ACCEPTED): PROVIDER,
    (S.REFERRED, S.WAITING): PROVIDER,
    (S.REFERRED, S.DECLINED): PROVIDER,
    (S.WAITING, S.ACCEPTED): PROVIDER,
    (S.WAITING, S.DECLINED): PROVIDER,
    (S.ACCEPTED, S.ACTIVE): PROVIDER,
    (S.WAITING, S.ACTIVE): PROVIDER,
    (S.ACTIVE, S.CLOSED): PROVIDER | TEAM,
    (S.REFERRED, S.CLOSED): TEAM,
    (S.WAITING, S.CLOSED): TEAM,
    (S.ACCEPTED, S.CLOSED): TEAM,
}
NEEDS_REASON = {S.DECLINED, S.CLOSED}


def sides_of(user, referral: Referral) -> set[str]:
    """Whether the user acts for the receiving provider, the sending team, or both."""
    scope = scope_of(user)
    sides = set()
    if referral.service.organisation_id in scope.provider and not referral.case.protected:
        sides.add("provider")
    if Case.objects.filter(casework_case_q(scope), pk=referral.case_id).exists():
        sides.add("team")
    return sides


def referral_create(
    *,
    actor,
    case: Case,
    service,
    offering: ServiceAtSite | None = None,
    referred_on: datetime.date | None = None,
    reason: str = "",
) -> Referral:
    """Refer a case the actor works on to a service (optionally at one of its sites)."""
    errors: dict[str, list[str]] = {}
    if not Case.objects.filter(casework_case_q(scope_of(actor)), pk=case.pk).exists():
        errors["case"] = [_("You do not work on this case.")]
    elif case.status != CaseStatus.OPEN:
        errors["case"] = [_("Only an open case can be referred.")]
    if service.status != ServiceStatus.ACTIVE or not service.organisation.active:
        errors["service"] = [_("This service is not taking referrals.")]
    if offering is not None and offering.service_id != service.pk:
        errors["offering"] = [_("This site does not offer the service.")]
    if errors:
        raise ValidationError(errors)
    referral = Referral(
        case=case,
        service=service,
        offering=offering,
        referred_by=actor,
        referred_on=referred_on or timezone.localdate(),
        reason=reason,
    )
    referral.full_clean()
    referral.save()
    return referral


@transaction.atomic
def referral_move(
    *,
    actor,
    referral: Referral,
    status: str,
    on: datetime.date | None = None,
    reason: str | None = None,
) -> Referral:
    """Move a referral to ``status`` on date ``on`` (today by default)."""
    on = on or timezone.localdate()
    if status == referral.status:
        raise ValidationError({"status": [_("The referral already has this status.")]})
    owners = TRANSITIONS.get((referral.status, status))
    if owners is None:
        raise ValidationError(
            {
                "status": [
                    _("A referral cannot go from %(old)s to %(new)s.")
                    % {"old": referral.status, "new": status}
                ]
            }
        )
    if not owners & sides_of(actor, referral):
        who = _("the receiving service") if owners == PROVIDER else _("the case team")
        raise ValidationError({"status": [_("Only %(who)s can make this change.") % {"who": who}]})
    if on < referral.referred_on:
        raise ValidationError({"on": [_("The date cannot be before the referral.")]})
    # The reason stored so far is why the referral was made: declining or closing needs
    # its own.
    if status in NEEDS_REASON and not (reason or "").strip():
        raise ValidationError({"reason": [_("Say why.")]})
    if status in (S.ACCEPTED, S.DECLINED):
        referral.responded_on = on
    elif status == S.ACTIVE:
        referral.responded_on = referral.responded_on or on
        referral.started_on = on
    elif status == S.CLOSED:
        referral.ended_on = on
    referral.status = status
    if reason is not None:
        referral.reason = reason
    referral.full_clean()
    referral.save()
    return referral
