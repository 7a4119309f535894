"""Recording and withdrawing a person's consent to a purpose, for one organisation.

Only the organisation that records a consent may withdraw it: a person followed by two
organisations consents to each separately, and neither can touch the other's record.
"""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from beneficiaries.actions.cases import casework_organisation, person_for_work
from beneficiaries.activity import touch_person_cases
from beneficiaries.consent import in_force_q
from beneficiaries.models import Beneficiary, Consent
from core import audit
from core.actions import full_clean
from core.errors import CONFLICT, FORBIDDEN, ActionError
from core.locking import locked


@transaction.atomic
def consent_give(
    *,
    acting_user,
    beneficiary: Beneficiary,
    purpose: str,
    organisation,
    given_on: datetime.date,
    expires_on: datetime.date | None = None,
) -> Consent:
    """Record that the person consents to ``purpose`` for ``organisation`` (one the user
    works for); refused while the same consent is in force."""
    casework_organisation(
        acting_user, organisation, _("You do not record consents for this organisation.")
    )
    person = person_for_work(acting_user, beneficiary)
    today = timezone.localdate()
    if given_on is not None and given_on > today:
        raise ActionError.on("given_on", _("Consent cannot be given in the future."))
    if expires_on is not None and expires_on < today:
        raise ActionError.on("expires_on", _("The expiry date is already past."))
    if Consent.objects.filter(
        in_force_q(today), beneficiary=person, purpose=purpose, organisation=organisation
    ).exists():
        raise ActionError.on(
            "purpose",
            _("This consent is already recorded and has not been withdrawn."),
            kind=CONFLICT,
        )
    consent = Consent(
        beneficiary=person,
        purpose=purpose,
        organisation=organisation,
        given_on=given_on,
        expires_on=expires_on,
        recorded_by=acting_user,
    )
    full_clean(consent)
    consent.save()
    audit.record(
        acting_user=acting_user,
        action="consent_give",
        target=consent,
        fields=["purpose", "given_on", "organisation"] + (["expires_on"] if expires_on else []),
        details={"purpose": purpose},
    )
    touch_person_cases(person.pk, [organisation.pk])
    return consent


@transaction.atomic
def consent_withdraw(*, acting_user, consent: Consent, on: datetime.date | None = None) -> Consent:
    """The person withdraws a consent: it stops counting at once (from ``on``, today by
    default), so a provider loses sight of their details with the next page it loads."""
    try:
        # A person's consents are visible only to the organisation that recorded them.
        current = locked(Consent.objects.visible_to(acting_user), consent.pk)
    except Consent.DoesNotExist:
        raise ActionError.on(
            "consent",
            _("Only the organisation that recorded a consent can withdraw it."),
            kind=FORBIDDEN,
        ) from None
    if current.withdrawn_on is not None:
        raise ActionError.on(
            "withdrawn_on",
            _("This consent was already withdrawn on %(date)s.")
            % {"date": current.withdrawn_on.isoformat()},
            kind=CONFLICT,
        )
    on = on or timezone.localdate()
    if on > timezone.localdate():
        raise ActionError.on("withdrawn_on", _("A withdrawal cannot be dated in the future."))
    current.withdrawn_on = max(on, current.given_on)
    full_clean(current)
    current.save(update_fields=["withdrawn_on"])
    audit.record(
        acting_user=acting_user,
        action="consent_withdraw",
        target=current,
        fields=["withdrawn_on"],
        details={"purpose": current.purpose},
    )
    touch_person_cases(current.beneficiary_id, [current.organisation_id])
    return current
