"""Referrals (invii): who may move a referral to which status, and the dates each status
carries. The workspace, the admin and the API all refer and move through these two actions.

The receiving provider answers (accept, wait-list, decline), starts and closes; the
sending case team may close (withdraw) a referral that has not ended. Each step is checked
here with a message naming the field, so that no caller can skip a step or write a status
its role does not own. A protected case's referral is answered by the receiving provider
through the sealed view (``beneficiaries/selectors.py``); referring needs the person's consent
to sharing with providers.
"""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from beneficiaries.actions.cases import case_for_work
from beneficiaries.activity import touch
from beneficiaries.consent import why_not
from beneficiaries.models import Case, CaseStatus, ConsentPurpose, Referral, ReferralStatus
from beneficiaries.visibility import scope_of
from core import audit
from core.actions import full_clean
from core.errors import CONFLICT, FORBIDDEN, ActionError
from core.locking import check_version, locked
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
    """Whether the user acts for the receiving provider, the sending team, or both. The
    receiving provider answers a protected case's referral too, through the sealed view."""
    scope = scope_of(user)
    sides = set()
    if referral.service.organisation_id in scope.provider:
        sides.add("provider")
    if Case.objects.worked_on_by(user).filter(pk=referral.case_id).exists():
        sides.add("team")
    return sides


@transaction.atomic
def referral_create(
    *,
    acting_user,
    case: Case,
    service,
    offering: ServiceAtSite | None = None,
    referred_on: datetime.date | None = None,
    reason: str = "",
) -> Referral:
    """Refer a case the user works on to a service (optionally at one of its sites).

    Needs the person's consent to sharing with providers, given to the case's
    organisation."""
    case = case_for_work(acting_user, case)
    errors: dict[str, list[str]] = {}
    if case.status != CaseStatus.OPEN:
        errors["case"] = [_("Only an open case can be referred.")]
    if service.status != ServiceStatus.ACTIVE or not service.organisation.active:
        errors["service"] = [_("This service is not taking referrals.")]
    if offering is not None and offering.service_id != service.pk:
        errors["offering"] = [_("This site does not offer the service.")]
    if errors:
        raise ActionError(errors)
    refusal = why_not(
        beneficiary_id=case.beneficiary_id,
        organisation_id=case.organisation_id,
        purpose=ConsentPurpose.SHARING_WITH_PROVIDERS,
    )
    if refusal:
        raise ActionError.on("case", refusal, kind=CONFLICT)
    referral = Referral(
        case=case,
        service=service,
        offering=offering,
        referred_by=acting_user,
        referred_on=referred_on or timezone.localdate(),
        reason=reason,
    )
    full_clean(referral)
    referral.save()
    audit.record(
        acting_user=acting_user,
        action="referral_create",
        target=referral,
        case_id=case.pk,
        fields=["case", "service", "referred_on"]
        + (["offering"] if offering else [])
        + (["reason"] if reason else []),
        details={"service": service.pk, "status": referral.status},
    )
    touch(case.pk)
    return referral


@transaction.atomic
def referral_move(
    *,
    acting_user,
    referral: Referral,
    status: str,
    on: datetime.date | None = None,
    reason: str | None = None,
    version: int | None = None,
) -> Referral:
    """Move a referral to ``status`` on date ``on`` (today by default), by the side that
    owns that move, against the version the user read when given."""
    try:
        referral = locked(
            Referral.objects.visible_to(acting_user).select_related("service", "case"),
            referral.pk,
        )
    except Referral.DoesNotExist:
        raise ActionError.on(
            "referral", _("You cannot see this referral."), kind=FORBIDDEN
        ) from None
    check_version(referral, version)
    on = on or timezone.localdate()
    before = referral.status
    if status == referral.status:
        raise ActionError.on("status", _("The referral already has this status."), kind=CONFLICT)
    owners = TRANSITIONS.get((referral.status, status))
    if owners is None:
        raise ActionError.on(
            "status",
            _("A referral cannot go from %(old)s to %(new)s.")
            % {"old": referral.status, "new": status},
            kind=CONFLICT,
        )
    if not owners & sides_of(acting_user, referral):
        who = _("the receiving service") if owners == PROVIDER else _("the case team")
        raise ActionError.on(
            "status", _("Only %(who)s can make this change.") % {"who": who}, kind=FORBIDDEN
        )
    if on < referral.referred_on:
        raise ActionError.on("on", _("The date cannot be before the referral."))
    if on > timezone.localdate():
        raise ActionError.on("on", _("The date cannot be in the future."))
    # The reason stored so far is why the referral was made: declining or closing needs
    # its own.
    if status in NEEDS_REASON and not (reason or "").strip():
        raise ActionError.on("reason", _("Say why."))
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
    full_clean(referral)
    referral.save()
    audit.record(
        acting_user=acting_user,
        action="referral_move",
        target=referral,
        case_id=referral.case_id,
        fields=["status", "responded_on", "started_on", "ended_on"]
        + (["reason"] if reason is not None else []),
        details={"from": before, "to": status},
    )
    touch(referral.case_id)
    return referral
