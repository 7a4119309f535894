"""Consent by purpose: whether a person's consent to a purpose is in force for an
organisation on a day. The actions require it (case management to open a case, sharing to
refer, housing to place); the selectors hide a person from a provider without it."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from beneficiaries.models import Consent, ConsentPurpose

REQUIRED_FOR = {
    ConsentPurpose.CASE_MANAGEMENT: gettext_lazy("open a case"),
    ConsentPurpose.SHARING_WITH_PROVIDERS: gettext_lazy("refer the case to a provider"),
    ConsentPurpose.HOUSING: gettext_lazy("place the person in housing"),
}


def in_force_q(on) -> Q:
    """Consents given by ``on``, not withdrawn by then, and not expired."""
    return (
        Q(given_on__lte=on)
        & (Q(withdrawn_on__isnull=True) | Q(withdrawn_on__gt=on))
        & (Q(expires_on__isnull=True) | Q(expires_on__gte=on))
    )


IN_FORCE, MISSING, WITHDRAWN, EXPIRED, NOT_YET = (
    "in_force",
    "missing",
    "withdrawn",
    "expired",
    "not_yet",
)


@dataclass(frozen=True)
class Standing:
    """Where a person's consent to one purpose stands on a day: in force, missing,
    withdrawn (on ``date``), expired (on ``date``) or not yet in force (from ``date``)."""

    state: str
    date: datetime.date | None = None

    @property
    def in_force(self) -> bool:
        return self.state == IN_FORCE


def standing_among(consents: Iterable[Consent], on: datetime.date) -> Standing:
    """The standing told by a person's consents to one purpose and organisation: shared by
    the actions' refusals (``why_not``) and by the views that hide a person for lack of it
    (``selectors.referral_views_for``), which read many people's consents in one query."""
    consents = sorted(consents, key=lambda consent: consent.given_on, reverse=True)
    for consent in consents:
        if consent.given_on <= on and (
            (consent.withdrawn_on is None or consent.withdrawn_on > on)
            and (consent.expires_on is None or consent.expires_on >= on)
        ):
            return Standing(IN_FORCE)
    if not consents:
        return Standing(MISSING)
    latest = consents[0]
    if latest.withdrawn_on is not None and latest.withdrawn_on <= on:
        return Standing(WITHDRAWN, latest.withdrawn_on)
    if latest.expires_on is not None and latest.expires_on < on:
        return Standing(EXPIRED, latest.expires_on)
    return Standing(NOT_YET, latest.given_on)


def why_not(*, beneficiary_id, organisation_id, purpose: str, on=None) -> str | None:
    """None if the consent is in force; otherwise the reason, as the worker should read it
    (missing, withdrawn on a date, or expired on a date)."""
    on = on or timezone.localdate()
    standing = standing_among(
        Consent.objects.filter(
            beneficiary_id=beneficiary_id, organisation_id=organisation_id, purpose=purpose
        ),
        on,
    )
    label = ConsentPurpose(purpose).label
    what = REQUIRED_FOR.get(purpose, "")
    date = standing.date.isoformat() if standing.date else ""
    if standing.state == IN_FORCE:
        return None
    if standing.state == MISSING:
        return _(
            "The person has not given consent to %(purpose)s: record it before you %(what)s."
        ) % {"purpose": label, "what": what}
    if standing.state == WITHDRAWN:
        return _(
            "The person withdrew consent to %(purpose)s on %(date)s: you cannot %(what)s "
            "unless they give it again."
        ) % {"purpose": label, "date": date, "what": what}
    if standing.state == EXPIRED:
        return _(
            "The person's consent to %(purpose)s expired on %(date)s: record it again before "
            "you %(what)s."
        ) % {"purpose": label, "date": date, "what": what}
    return _("The consent to %(purpose)s starts on %(date)s: you cannot %(what)s yet.") % {
        "purpose": label,
        "date": date,
        "what": what,
    }


def sharing_in_force(case_prefix: str = "") -> Exists:
    """For a queryset of cases (or of rows reaching a case through ``case_prefix``): the
    person consents today to sharing with the providers their case's organisation refers
    to."""
    return Exists(
        Consent.objects.filter(
            in_force_q(timezone.localdate()),
            beneficiary_id=OuterRef(f"{case_prefix}beneficiary_id"),
            organisation_id=OuterRef(f"{case_prefix}organisation_id"),
            purpose=ConsentPurpose.SHARING_WITH_PROVIDERS,
        )
    )
