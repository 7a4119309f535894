"""Who might this person already be? The duplicate matching of intake, as a selector.

Names and birth dates are encrypted at rest, so the fuzzy search narrows the candidates
in SQL (people the user may see, whose family name has the sound key of the name typed,
whose plain birth year is within a year of the year typed) and compares decrypted names
here. The intake search shows the matches;
``person_register`` refuses to register a person while there are some the worker has not
looked at (one rule, whoever registers).
"""

from __future__ import annotations

import datetime
import unicodedata
from dataclasses import dataclass
from difflib import SequenceMatcher

from django.db.models import Exists, OuterRef, Q

from beneficiaries.models import Beneficiary, Case, CaseStatus, family_name_lookup_hash

# How many candidates of one sound key are compared at most (the page says when capped).
MAX_CANDIDATES = 2000
SIMILARITY = 0.8


def normalise_name(text: str) -> str:
    """Lower-case letters and single spaces, accents and punctuation dropped."""
    text = unicodedata.normalize("NFKD", text or "")
    letters = "".join(
        char if char.isalpha() else " " for char in text if not unicodedata.combining(char)
    )
    return " ".join(letters.casefold().split())


def _ratio(a: str, b: str) -> float:
    return SequenceMatcher(None, a, b).ratio() if a and b else 0.0


def names_match(family: str, given: str, other_family: str, other_given: str) -> bool:
    """Whether two names are probably the same person's (typos, accents, swapped order)."""
    family, given = normalise_name(family), normalise_name(given)
    other_family, other_given = normalise_name(other_family), normalise_name(other_given)
    if not family:
        return False
    if family == other_family and (not given or not other_given or given[0] == other_given[0]):
        return True
    if not given:
        return max(_ratio(family, other_family), _ratio(family, other_given)) >= SIMILARITY
    typed = f"{family} {given}"
    return (
        max(
            _ratio(typed, f"{other_family} {other_given}"),
            _ratio(typed, f"{other_given} {other_family}"),
        )
        >= SIMILARITY
    )


@dataclass
class Matches:
    people: list[Beneficiary]
    capped: bool


def fuzzy_matches(user, *, family: str, given: str, birth_year: int | None, exclude=()) -> Matches:
    """People visible to the user whose name resembles the one typed, born within a year;
    each annotated with ``has_open_case`` (an open case the user works on)."""
    if not normalise_name(family):
        return Matches([], False)
    # Candidates by the sound key of the family name typed (or of the given name, for
    # names typed the other way round): an index look-up, then the names compared here.
    keys = {family_name_lookup_hash(name) for name in (family, given) if normalise_name(name)}
    candidates = (
        Beneficiary.objects.visible_to(user)
        .filter(family_name_key_hash__in=keys)
        .exclude(pk__in=[p for p in exclude if p])
    )
    if birth_year:
        # The birth year column beside the encrypted date: the index on (sound key, birth
        # year) serves both conditions. People without a birth date may be anyone.
        candidates = candidates.filter(
            Q(birth_year__gte=birth_year - 1, birth_year__lte=birth_year + 1)
            | Q(birth_year__isnull=True)
        )
    open_cases = Case.objects.worked_on_by(user).filter(
        beneficiary=OuterRef("pk"), status=CaseStatus.OPEN
    )
    rows = list(
        candidates.select_related("residence_municipality")
        .only(
            "id",
            "given_name",
            "family_name",
            "birth_date",
            "homeless",
            "residence_municipality__name",
        )
        .annotate(has_open_case=Exists(open_cases))
        .order_by("pk")[: MAX_CANDIDATES + 1]
    )
    capped = len(rows) > MAX_CANDIDATES
    people = [
        person
        for person in rows[:MAX_CANDIDATES]
        if names_match(family, given, person.family_name, person.given_name)
    ]
    people.sort(key=lambda person: (normalise_name(person.display_name), str(person.pk)))
    return Matches(people, capped)


def likely_matches(
    user, *, family_name: str, given_name: str, birth_date: datetime.date | None, exclude=()
) -> list[Beneficiary]:
    """The people a registration of this name and birth date may duplicate, among those
    the user may see (what the worker is asked to check before registering)."""
    return fuzzy_matches(
        user,
        family=family_name,
        given=given_name,
        birth_year=birth_date.year if birth_date else None,
        exclude=exclude,
    ).people
