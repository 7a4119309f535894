"""Registering a person and changing their record.

One record per person: a codice fiscale is registered once, whoever registered it (only
its existence is said, never who holds it), and a registration that looks like someone
the worker can already see needs their confirmation that it is another person. The
codice fiscale must agree with the birth date and gender it encodes; a person lives
somewhere or is homeless.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from beneficiaries.actions.cases import casework_organisation
from beneficiaries.activity import touch_person_cases
from beneficiaries.codice_fiscale import check_consistency, validate_codice_fiscale
from beneficiaries.matching import likely_matches
from beneficiaries.models import (
    SPECIAL_CATEGORIES,
    Beneficiary,
    Case,
    Consent,
    ConsentPurpose,
    codice_fiscale_lookup_hash,
)
from beneficiaries.visibility import scope_of
from core import audit
from core.actions import full_clean
from core.errors import CONFLICT, FORBIDDEN, ActionError
from core.locking import check_version, locked

DUPLICATE_CODE_MESSAGE = gettext_lazy(
    "A person with this codice fiscale is already registered: you cannot register them "
    "again. Search for them, or ask the service that follows them."
)
# What a person's record holds, besides who registered it.
PERSON_FIELDS = (
    "given_name",
    "family_name",
    "codice_fiscale",
    "birth_date",
    "gender",
    "citizenship",
    "residence_municipality",
    "homeless",
    "health_condition",
    "ethnic_minority",
    "violence_survivor",
    "criminal_record",
)


def resident_or_homeless_message() -> str:
    """The model's own message for its "residence or homeless" check constraint."""
    for constraint in Beneficiary._meta.constraints:
        if constraint.name == "beneficiary_resident_or_homeless":
            return str(constraint.violation_error_message)
    return _("Give the municipality of residence, or mark the person as homeless.")


def _normalised(values: dict) -> dict:
    """Names and codes as stored: trimmed; the citizenship in capitals."""
    for name in ("given_name", "family_name", "codice_fiscale"):
        if name in values:
            values[name] = (values[name] or "").strip()
    if "citizenship" in values:
        values["citizenship"] = (values["citizenship"] or "").strip().upper()
    return values


def _check_record(person: Beneficiary, changed: Iterable[str]) -> None:
    """The rules of a person's record, on its values as they would be saved; the
    codice fiscale is checked again only when it, the birth date or the gender change
    (an unrelated change never trips over an old record)."""
    changed = set(changed)
    if person.birth_date is not None and person.birth_date > timezone.localdate():
        raise ActionError.on("birth_date", _("The birth date cannot be in the future."))
    if person.codice_fiscale and changed & {"codice_fiscale", "birth_date", "gender"}:
        try:
            person.codice_fiscale = validate_codice_fiscale(person.codice_fiscale)
            check_consistency(
                person.codice_fiscale, birth_date=person.birth_date, gender=person.gender
            )
        except ValidationError as error:
            if hasattr(error, "error_dict"):
                raise ActionError.of(error) from None
            raise ActionError({"codice_fiscale": error.error_list}) from None
    if person.residence_municipality_id is None and not person.homeless:
        raise ActionError.on("residence_municipality", resident_or_homeless_message())
    full_clean(person, exclude=["codice_fiscale_hash", "family_name_key_hash"])
    if "codice_fiscale" in changed and person.codice_fiscale:
        taken = Beneficiary.objects.filter(
            codice_fiscale_hash=codice_fiscale_lookup_hash(person.codice_fiscale)
        ).exclude(pk=person.pk)
        if taken.exists():
            # One record per person, whoever registered them: only existence is said.
            raise ActionError.on("codice_fiscale", str(DUPLICATE_CODE_MESSAGE), kind=CONFLICT)


def _save(person: Beneficiary, **kwargs) -> None:
    """Save under a savepoint: a codice fiscale registered meanwhile by someone else
    is the same refusal as one found before."""
    try:
        with transaction.atomic():
            person.save(**kwargs)
    except IntegrityError as error:
        if "beneficiary_codice_fiscale_unique" not in str(error):
            raise
        raise ActionError.on("codice_fiscale", str(DUPLICATE_CODE_MESSAGE), kind=CONFLICT) from None


def _known_purposes(consents: Iterable[str]) -> list[str]:
    purposes = sorted(set(consents))
    unknown = set(purposes) - set(ConsentPurpose.values)
    if unknown:
        raise ActionError.on(
            "consents",
            _("Unknown purpose of consent: %(purposes)s.")
            % {"purposes": ", ".join(sorted(unknown))},
        )
    return purposes


def _refuse_likely_duplicate(acting_user, person: Beneficiary) -> None:
    """Refuse while people the user can see look like this one (the worker confirms)."""
    if likely_matches(
        acting_user,
        family_name=person.family_name,
        given_name=person.given_name,
        birth_date=person.birth_date,
    ):
        raise ActionError.on(
            "confirm_different",
            _(
                "People you can see have a similar name and birth year: check that none of "
                "them is this person, then confirm that you register someone else."
            ),
            kind=CONFLICT,
        )


@transaction.atomic
def person_register(
    *,
    acting_user,
    organisation,
    given_name: str,
    family_name: str,
    codice_fiscale: str = "",
    birth_date: datetime.date | None = None,
    gender: str,
    citizenship: str = "",
    residence_municipality=None,
    homeless: bool = False,
    health_condition: bool = False,
    ethnic_minority: bool = False,
    violence_survivor: bool = False,
    criminal_record: bool = False,
    consents: Iterable[str] = (),
    confirmed_different: bool = False,
) -> Beneficiary:
    """Register a person for an organisation the user works for, with the consents they
    give today (recorded for that organisation). Refused while people the user can see
    look like the same person, unless the worker confirms it is someone else."""
    casework_organisation(
        acting_user, organisation, _("You do not register people for this organisation.")
    )
    values = _normalised(
        {
            "given_name": given_name,
            "family_name": family_name,
            "codice_fiscale": codice_fiscale,
            "birth_date": birth_date,
            "gender": gender,
            "citizenship": citizenship,
            "residence_municipality": residence_municipality,
            "homeless": homeless,
            "health_condition": health_condition,
            "ethnic_minority": ethnic_minority,
            "violence_survivor": violence_survivor,
            "criminal_record": criminal_record,
        }
    )
    purposes = _known_purposes(consents)
    person = Beneficiary(registered_by=organisation, **values)
    _check_record(person, PERSON_FIELDS)
    if not confirmed_different:
        _refuse_likely_duplicate(acting_user, person)
    _save(person)
    today = timezone.localdate()
    for purpose in purposes:
        # Part of the registration (its audit row names the purposes), not actions of
        # their own.
        Consent.objects.create(
            beneficiary=person,
            purpose=purpose,
            given_on=today,
            recorded_by=acting_user,
            organisation=organisation,
        )
    audit.record(
        acting_user=acting_user,
        action="person_register",
        target=person,
        fields=["registered_by"]
        + [name for name, value in values.items() if value not in ("", None, False)]
        + (["consents"] if purposes else []),
        details={"purposes": purposes},
    )
    return person


@transaction.atomic
def person_update(
    *, acting_user, person: Beneficiary, version: int | None, **changes
) -> Beneficiary:
    """Change a person's record against the version the user read; only the fields given
    change. Returns the saved record (its new version)."""
    unknown = set(changes) - set(PERSON_FIELDS)
    if unknown:
        raise TypeError(f"person_update() got unexpected fields: {', '.join(sorted(unknown))}")
    scope = scope_of(acting_user)
    on_cases = Case.objects.worked_on_by(acting_user).values("beneficiary_id")
    workable = (
        Beneficiary.objects.visible_to(acting_user)
        .filter(Q(registered_by__in=scope.casework) | Q(pk__in=on_cases))
        .sealed_for(acting_user)
    )
    try:
        current = locked(workable, person.pk)
    except Beneficiary.DoesNotExist:
        raise ActionError.on(
            "beneficiary", _("You do not work with this person."), kind=FORBIDDEN
        ) from None
    check_version(current, version)
    changes = _normalised(dict(changes))
    changed = [name for name, value in changes.items() if getattr(current, name) != value]
    if current.sealed and (hidden := [name for name in changed if name in SPECIAL_CATEGORIES]):
        raise ActionError.on(
            hidden[0],
            _(
                "This is recorded through a protected case you do not work on: it cannot "
                "be changed here."
            ),
            kind=FORBIDDEN,
        )
    for name in changed:
        setattr(current, name, changes[name])
    _check_record(current, changed)
    _save(current)
    audit.record(acting_user=acting_user, action="person_update", target=current, fields=changed)
    touch_person_cases(current.pk, scope.casework)
    return current
