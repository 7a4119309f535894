"""What a reader may see of a referral and of a person: the views the pages and the API
render, built here once so that no page or serializer decides it on its own.

A referral is read by two sides. The sending case team sees everything of its own case.
The receiving provider sees one of three views, decided per referral at every read:

* **full** — the case is not protected and the person's consent to sharing with the
  providers referred to is in force: name, birth year and age, open needs (domain and
  severity), the contact route;
* **sealed** — the case is protected (e.g. a survivor of violence referred to an
  anti-violence centre) and the consent is in force: what the service needs to answer —
  the age band (never the birth date), open needs by domain and severity, the contact
  route (the referring worker and their organisation); never the codice fiscale, birth
  date, address or residence. The name only if the person also consents to being
  contacted (``SEALED_NAME_PURPOSE``): the consent to sharing is needed for any referral,
  so it cannot be what lets a protected person's name through;
* **anonymous** — the consent is missing, withdrawn or expired: the referral itself
  (service, site, dates, status, contact route) and why the person is not shown. A
  withdrawal takes effect from the next read.

Need descriptions, notes, goals and the referral reason of an anonymous stub are never
part of a provider's view. ``referral_views_for`` reads a whole page in a fixed number of
queries (no query per referral).

A person may have a protected case at one organisation and an ordinary case at another:
``person_facts_for`` hides the special categories of data and the registering
organisation from whoever reaches the person only through the ordinary case.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import BooleanField, Exists, ExpressionWrapper, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from beneficiaries.consent import EXPIRED, NOT_YET, WITHDRAWN, Standing, standing_among
from beneficiaries.models import (
    SPECIAL_CATEGORIES,
    Beneficiary,
    Case,
    Consent,
    ConsentPurpose,
    Need,
    NeedDomain,
    Referral,
    Severity,
)
from beneficiaries.visibility import casework_case_q, scope_of

FULL, SEALED, ANONYMOUS = "full", "sealed", "anonymous"
KIND_LABELS = {
    FULL: gettext_lazy("the person's details"),
    SEALED: gettext_lazy("the sealed view of a protected case"),
    ANONYMOUS: gettext_lazy("an anonymous referral"),
}
# The consent that lets a sealed view show the person's name (see the module).
SEALED_NAME_PURPOSE = ConsentPurpose.CONTACT
# Ages are shown to a protected case's provider in bands, never as a date or a year.
ADULT_BANDS_FROM = 18
OLDEST_BAND_FROM = 80


# --- Referrals ---------------------------------------------------------------------------


@dataclass(frozen=True)
class NeedFact:
    """An open need as a provider may read it: domain and severity, no description."""

    domain: str
    severity: int

    @property
    def domain_label(self) -> str:
        return NeedDomain(self.domain).label

    @property
    def severity_label(self) -> str:
        return Severity(self.severity).label


@dataclass(frozen=True)
class Contact:
    """The contact route of a referral: the worker who made it and their organisation."""

    organisation_id: int
    organisation_name: str
    worker_id: int
    worker_name: str
    worker_email: str


@dataclass(frozen=True)
class ReferralView:
    """One referral as ``reader`` may see it.

    ``kind`` is what the reader sees; ``shared_as`` what the receiving service sees (the
    same for the provider; for the case team, so that the worker knows what the provider
    is shown) and ``reason`` why the receiving service sees less than the full view.
    ``team``: the reader works on the referral's case (the sending side)."""

    referral: Referral
    case_id: object
    kind: str
    shared_as: str
    reason: str | None
    contact: Contact
    name: str | None = None
    birth_year: int | None = None
    age: int | None = None
    age_band: str | None = None
    needs: tuple[NeedFact, ...] = ()
    team: bool = False

    @property
    def pk(self):
        """The referral's id, so that a page's list of views reads like its referrals."""
        return self.referral.pk

    @property
    def full(self) -> bool:
        return self.kind == FULL

    @property
    def sealed(self) -> bool:
        return self.kind == SEALED

    @property
    def anonymous(self) -> bool:
        return self.kind == ANONYMOUS

    @property
    def shared_as_label(self) -> str:
        return str(KIND_LABELS[self.shared_as])

    @property
    def referral_reason(self) -> str | None:
        """The referral's own reason (why it was made, declined or closed): free text about
        the person, so not part of an anonymous stub."""
        return None if self.anonymous else self.referral.reason


def age_on(birth_date: datetime.date | None, today: datetime.date) -> int | None:
    if birth_date is None:
        return None
    return (
        today.year
        - birth_date.year
        - ((today.month, today.day) < (birth_date.month, birth_date.day))
    )


def age_band(age: int | None) -> str | None:
    """An age as a band: "under 18", "18–29", then by ten years, "80 and over"."""
    if age is None:
        return None
    if age < ADULT_BANDS_FROM:
        return _("under %(age)d") % {"age": ADULT_BANDS_FROM}
    if age >= OLDEST_BAND_FROM:
        return _("%(age)d and over") % {"age": OLDEST_BAND_FROM}
    decade = max(age // 10 * 10, 20)
    low = ADULT_BANDS_FROM if decade == 20 else decade
    return f"{low}\u2013{decade + 9}"


def withheld_reason(standing: Standing) -> str:
    """Why a provider does not see the person, as it reads on the referral."""
    purpose = ConsentPurpose.SHARING_WITH_PROVIDERS.label
    date = standing.date.isoformat() if standing.date else ""
    if standing.state == WITHDRAWN:
        return _(
            "The person withdrew consent to %(purpose)s on %(date)s: their details are no "
            "longer shown."
        ) % {"purpose": purpose, "date": date}
    if standing.state == EXPIRED:
        return _(
            "The person's consent to %(purpose)s expired on %(date)s: their details are no "
            "longer shown."
        ) % {"purpose": purpose, "date": date}
    if standing.state == NOT_YET:
        return _(
            "The person's consent to %(purpose)s starts on %(date)s: their details are not "
            "shown yet."
        ) % {"purpose": purpose, "date": date}
    # MISSING
    return _("The person has not given consent to %(purpose)s: their details are not shown.") % {
        "purpose": purpose
    }


def sealed_reason() -> str:
    return _(
        "Protected case: only what the service needs to answer is shown (age band, needs "
        "and the referring worker to contact). Ask the referring worker for anything else."
    )


# The referral's facts the views are built from, read in one query whatever the caller
# loaded (so that a caller cannot leak through a related object it selected).
_FACTS = (
    "pk",
    "case_id",
    "service__organisation_id",
    "case__protected",
    "case__beneficiary_id",
    "case__organisation_id",
    "case__organisation__name",
    "referred_by_id",
    "referred_by__username",
    "referred_by__first_name",
    "referred_by__last_name",
    "referred_by__email",
)


def referral_views_for(
    user, referrals: Iterable[Referral], *, needs: bool = True, on: datetime.date | None = None
) -> list[ReferralView]:
    """The view of each referral (already read through ``Referral.objects.visible_to(user)``)
    for ``user``, in the order given; ``needs=False`` for lists that show no needs.

    A fixed number of queries for any number of referrals: the referrals' facts, the
    cases the user works on (for a case worker), the consents to sharing and to being
    contacted, the open needs and the people."""
    referrals = list(referrals)
    if not referrals:
        return []
    on = on or timezone.localdate()
    scope = scope_of(user)
    facts = {
        row["pk"]: row
        for row in Referral.objects.filter(pk__in=[r.pk for r in referrals]).values(*_FACTS)
    }
    case_ids = {row["case_id"] for row in facts.values()}
    worked_on = set()
    if scope.casework:
        worked_on = set(
            Case.objects.worked_on_by(user).filter(pk__in=case_ids).values_list("pk", flat=True)
        )
    standings = _standings(facts.values(), on)

    def standing(row, purpose: str) -> Standing:
        return standings[(row["case__beneficiary_id"], row["case__organisation_id"], purpose)]

    shared = {
        pk: _shared_as(row, standing(row, ConsentPurpose.SHARING_WITH_PROVIDERS))
        for pk, row in facts.items()
    }

    def kind_of(row) -> str:
        if row["case_id"] in worked_on:
            return FULL
        if row["service__organisation_id"] in scope.provider:
            return shared[row["pk"]][0]
        return ANONYMOUS

    kinds = {pk: kind_of(row) for pk, row in facts.items()}
    shown = {facts[pk]["case_id"] for pk, kind in kinds.items() if kind != ANONYMOUS}
    people = _people(
        {facts[pk]["case__beneficiary_id"] for pk, kind in kinds.items() if kind != ANONYMOUS}
    )
    open_needs = _open_needs(shown) if needs else {}

    views = []
    for referral in referrals:
        row = facts[referral.pk]
        kind = kinds[referral.pk]
        shared_as, reason = shared[referral.pk]
        view = {
            "referral": referral,
            "case_id": row["case_id"],
            "kind": kind,
            "shared_as": shared_as,
            "reason": reason,
            "contact": _contact(row),
            "team": row["case_id"] in worked_on,
        }
        if kind != ANONYMOUS:
            name_consented = standing(row, SEALED_NAME_PURPOSE).in_force
            person = people.get(row["case__beneficiary_id"])
            view |= _person_part(kind, person, name_consented, on)
            view["needs"] = tuple(open_needs.get(row["case_id"], ()))
        views.append(ReferralView(**view))
    return views


def _shared_as(row, sharing: Standing) -> tuple[str, str | None]:
    """What the receiving service sees of a referral, and why not more."""
    if not sharing.in_force:
        return ANONYMOUS, withheld_reason(sharing)
    if row["case__protected"]:
        return SEALED, sealed_reason()
    return FULL, None


def _person_part(kind: str, person, name_consented: bool, on: datetime.date) -> dict:
    """The person's part of a full or sealed view: a sealed view gives the birth date only
    as a band, and the name only as consented."""
    age = age_on(person.birth_date, on) if person else None
    name = person.display_name if person else None
    if kind == SEALED:
        return {"age_band": age_band(age), "name": name if name_consented else None}
    birth_year = person.birth_date.year if person and person.birth_date else None
    return {"name": name, "age": age, "birth_year": birth_year}


def referral_view_for(user, referral: Referral) -> ReferralView:
    return referral_views_for(user, [referral])[0]


def _standings(rows, on: datetime.date) -> dict:
    """(person, organisation, purpose) → the standing of the person's consent to sharing
    with providers and to being contacted, given to the case's organisation. Read
    whoever recorded it: the standing is what is shown, never the consent records."""
    pairs = {(row["case__beneficiary_id"], row["case__organisation_id"]) for row in rows}
    purposes = (ConsentPurpose.SHARING_WITH_PROVIDERS, SEALED_NAME_PURPOSE)
    consents = Consent.objects.filter(
        purpose__in=purposes,
        beneficiary_id__in={person for person, _ in pairs},
        organisation_id__in={organisation for _, organisation in pairs},
    ).only("beneficiary_id", "organisation_id", "purpose", "given_on", "withdrawn_on", "expires_on")
    by_key = defaultdict(list)
    for consent in consents:
        by_key[(consent.beneficiary_id, consent.organisation_id, consent.purpose)].append(consent)
    return {
        (*pair, purpose): standing_among(by_key.get((*pair, purpose), ()), on)
        for pair in pairs
        for purpose in purposes
    }


def _people(ids: set) -> dict:
    """Name and birth date only: no codice fiscale, residence or special categories."""
    if not ids:
        return {}
    people = Beneficiary.objects.filter(pk__in=ids).only(
        "id", "given_name", "family_name", "birth_date"
    )
    return {person.pk: person for person in people}


def _open_needs(case_ids: set) -> dict:
    """Domain and severity of the open needs, the most severe first; no description."""
    if not case_ids:
        return {}
    needs = defaultdict(list)
    rows = (
        Need.objects.filter(case_id__in=case_ids, resolved_on__isnull=True)
        .order_by("-severity", "domain", "pk")
        .values_list("case_id", "domain", "severity")
    )
    for case_id, domain, severity in rows:
        needs[case_id].append(NeedFact(domain, severity))
    return needs


def _contact(row) -> Contact:
    full_name = " ".join(
        part for part in (row["referred_by__first_name"], row["referred_by__last_name"]) if part
    )
    return Contact(
        organisation_id=row["case__organisation_id"],
        organisation_name=row["case__organisation__name"],
        worker_id=row["referred_by_id"],
        worker_name=full_name or row["referred_by__username"],
        worker_email=row["referred_by__email"] or "",
    )


def shown_cases(views: Iterable[ReferralView]) -> list[Case]:
    """The cases whose person the views show (full or sealed), for the access log: an
    anonymous stub shows no personal data, so it writes no access-log row."""
    return [Case(pk=view.case_id) for view in views if not view.anonymous]


# --- People ------------------------------------------------------------------------------


@dataclass(frozen=True)
class PersonFacts:
    """The facts of a person that a second case must not give away.

    ``special`` maps each special category (health, ethnicity, violence, criminal record)
    to its flag, or is None when hidden; ``registered_by`` is the registering organisation
    or None when hidden. ``sealed``: the person has a protected case the reader does not
    work on."""

    sealed: bool
    special: dict[str, bool] | None
    registered_by_id: int | None
    registered_by: object | None = None

    @property
    def recorded_special(self) -> list[str]:
        """The labels of the special categories recorded for the person (none if hidden)."""
        if not self.special:
            return []
        return [
            str(Beneficiary._meta.get_field(name).verbose_name)
            for name in SPECIAL_CATEGORIES
            if self.special[name]
        ]


def people_for(user):
    """The people the user sees, annotated with ``sealed`` (a protected case the user does
    not work on) and ``in_casework`` (a case the user works on, or registered by one of the
    user's casework organisations): what ``person_facts`` needs, in the same query."""
    scope = scope_of(user)
    team_cases = Case.objects.filter(casework_case_q(scope), beneficiary=OuterRef("pk"))
    in_casework = Q(Exists(team_cases))
    if scope.casework:
        in_casework |= Q(registered_by__in=scope.casework)
    return (
        Beneficiary.objects.visible_to(user)
        .sealed_for(user)
        .annotate(in_casework=ExpressionWrapper(in_casework, output_field=BooleanField()))
    )


def person_facts(
    user, person: Beneficiary, *, sealed: bool | None = None, in_casework: bool | None = None
) -> PersonFacts:
    """The masks for a person read through ``people_for(user)`` (its annotations, no query;
    or ``sealed`` and ``in_casework`` given).

    The special categories only for the person's case team, and not when the person has
    a protected case the user does not work on; the registering organisation unless it is
    hidden that way and is not one of the user's organisations."""
    scope = scope_of(user)
    sealed = bool(person.sealed if sealed is None else sealed)
    in_casework = bool(person.in_casework if in_casework is None else in_casework)
    special = None
    if in_casework and not sealed:
        special = {name: getattr(person, name) for name in SPECIAL_CATEGORIES}
    registered_by_id = person.registered_by_id
    if sealed and registered_by_id not in scope.casework:
        registered_by_id = None
    return PersonFacts(sealed=sealed, special=special, registered_by_id=registered_by_id)


def person_facts_for(user, person: Beneficiary) -> PersonFacts:
    """``person_facts`` for a person loaded without the annotations (the person page):
    one query for them, one for the registering organisation when it is shown."""
    marks = people_for(user).filter(pk=person.pk).values("sealed", "in_casework").first()
    if marks is None:  # not visible to the user: nothing to show
        return PersonFacts(sealed=True, special=None, registered_by_id=None)
    facts = person_facts(user, person, **marks)
    if facts.registered_by_id is None:
        return facts
    return PersonFacts(
        sealed=facts.sealed,
        special=facts.special,
        registered_by_id=facts.registered_by_id,
        registered_by=person.registered_by,
    )
