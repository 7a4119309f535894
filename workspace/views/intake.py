"""Intake without duplicates: search first, register the person, record consent, open a case.

Names are encrypted at rest, so the fuzzy search narrows the candidates in SQL (people the
user may see, whose family name has the sound key of the name typed, born within a year of
the year typed) and compares decrypted names here.
The exact search goes through the keyed hash of the codice fiscale, over all people: a
person registered by another service is reported as existing, and nothing more.
"""

from __future__ import annotations

import datetime
import unicodedata
import uuid
from dataclasses import dataclass
from difflib import SequenceMatcher
from urllib.parse import urlencode

from django.contrib import messages
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from beneficiaries.activity import touch
from beneficiaries.models import (
    Beneficiary,
    Case,
    CaseStatus,
    Consent,
    codice_fiscale_lookup_hash,
    family_name_lookup_hash,
)
from config.access_log import log_access
from registry.models import Municipality
from services.models import Organisation
from workspace.access import person_or_404, team_cases, workspace_view
from workspace.forms.intake import (
    DUPLICATE_CODE_MESSAGE,
    CaseOpenForm,
    ConsentForm,
    IntakeSearchForm,
    PersonForm,
    facts_from_code,
)

MAX_CANDIDATES = 2000
SIMILARITY = 0.8
NOT_CLOSED = (CaseStatus.OPEN, CaseStatus.SUSPENDED)


# --- Matching --------------------------------------------------------------------------


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
    """People visible to the user whose name resembles the one typed, born within a year."""
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
        # A date range, not the year of the date: the index on (sound key, birth date)
        # then serves both conditions.
        candidates = candidates.filter(
            Q(
                birth_date__gte=datetime.date(birth_year - 1, 1, 1),
                birth_date__lt=datetime.date(birth_year + 2, 1, 1),
            )
            | Q(birth_date__isnull=True)
        )
    open_cases = team_cases(user).filter(beneficiary=OuterRef("pk"), status=CaseStatus.OPEN)
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


def casework_organisations(request) -> list[Organisation]:
    return list(
        Organisation.objects.filter(pk__in=request.scope.casework)
        .select_related("municipality")
        .order_by("name")
    )


def residence_choices(organisations) -> object:
    """Municipalities of the metropolitan cities the user's organisations are in."""
    return Municipality.objects.filter(
        metropolitan_city__in={o.municipality.metropolitan_city_id for o in organisations}
    ).order_by("name")


# --- Search ----------------------------------------------------------------------------


@workspace_view(casework=True)
def search(request):
    form = IntakeSearchForm(request.GET or None)
    context = {"form": form, "searched": False}
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        code = data["codice_fiscale"]
        exact = None
        code_elsewhere = False
        if code:
            code_hash = codice_fiscale_lookup_hash(code)
            exact = (
                Beneficiary.objects.visible_to(request.user)
                .filter(codice_fiscale_hash=code_hash)
                .select_related("residence_municipality")
                .annotate(
                    has_open_case=Exists(
                        team_cases(request.user).filter(
                            beneficiary=OuterRef("pk"), status=CaseStatus.OPEN
                        )
                    )
                )
                .first()
            )
            if exact is None:
                code_elsewhere = Beneficiary.objects.filter(codice_fiscale_hash=code_hash).exists()
        matches = fuzzy_matches(
            request.user,
            family=data["family_name"],
            given=data["given_name"],
            birth_year=data["birth_year"],
            exclude=[exact.pk if exact else None],
        )
        log_access(request, [*([exact] if exact else []), *matches.people], via="workspace-list")
        new_query = {
            key: value
            for key, value in (
                ("codice_fiscale", code),
                ("given_name", data["given_name"]),
                ("family_name", data["family_name"]),
                ("birth_year", data["birth_year"] or ""),
            )
            if value
        }
        context.update(
            searched=True,
            exact=exact,
            code_elsewhere=code_elsewhere,
            matches=matches.people,
            capped=matches.capped,
            max_candidates=MAX_CANDIDATES,
            can_register=exact is None and not code_elsewhere,
            new_url=f"{reverse('workspace:person-new')}?{urlencode(new_query)}",
        )
    status = 400 if form.is_bound and form.errors else 200
    return render(request, "workspace/intake/search.html", context, status=status)


# --- Register a person -----------------------------------------------------------------


def _person_initial(query) -> dict:
    initial = {
        key: query.get(key, "").strip()[:100]
        for key in ("given_name", "family_name", "codice_fiscale")
        if query.get(key, "").strip()
    }
    code = initial.get("codice_fiscale", "")
    if code and (facts := facts_from_code(code)):
        initial["birth_date"], initial["gender"] = facts
    return initial


@workspace_view(casework=True)
def person_new(request):
    organisations = casework_organisations(request)
    kwargs = {"organisations": organisations, "municipalities": residence_choices(organisations)}
    matches: list[Beneficiary] = []
    if request.method != "POST":
        form = PersonForm(initial=_person_initial(request.GET), **kwargs)
        return render(request, "workspace/intake/person_form.html", {"form": form})
    form = PersonForm(request.POST, **kwargs)
    status = 400
    if form.is_valid():
        data = form.cleaned_data
        born = data.get("birth_date")
        matches = fuzzy_matches(
            request.user,
            family=data["family_name"],
            given=data["given_name"],
            birth_year=born.year if born else None,
        ).people
        if matches and not data.get("confirm_different"):
            status = 409
            log_access(request, matches, via="workspace-list")
        else:
            person = _register(request, form)
            if person is not None:
                messages.success(
                    request,
                    _("%(name)s is registered. Now open their case.")
                    % {"name": person.display_name},
                )
                return redirect("workspace:case-new", pk=person.pk)
    context = {"form": form, "matches": matches}
    return render(request, "workspace/intake/person_form.html", context, status=status)


def _register(request, form: PersonForm) -> Beneficiary | None:
    """Save the person and their consents in one transaction; None if the code was taken."""
    person = form.instance
    person.registered_by = form.chosen_organisation()
    today = timezone.localdate()
    try:
        with transaction.atomic():
            person.save()
            for purpose in form.cleaned_data["consents"]:
                consent = Consent(
                    beneficiary=person,
                    purpose=purpose,
                    given_on=today,
                    recorded_by=request.user,
                    organisation=person.registered_by,
                )
                consent.full_clean()
                consent.save()
    except IntegrityError:
        # Someone registered the same codice fiscale in the meantime.
        person.pk = None
        person._state.adding = True
        form.add_error("codice_fiscale", DUPLICATE_CODE_MESSAGE)
        return None
    return person


# --- The person page -------------------------------------------------------------------


def _person_context(request, person, consent_form=None) -> dict:
    organisations = casework_organisations(request)
    consents = (
        Consent.objects.visible_to(request.user)
        .filter(beneficiary=person)
        .select_related("organisation", "recorded_by")
        .order_by("withdrawn_on", "-given_on", "purpose")
    )
    cases = (
        team_cases(request.user)
        .filter(beneficiary=person)
        .select_related("organisation", "lead_worker")
        .order_by("-opened_on")
    )
    return {
        "person": person,
        "consents": list(consents),
        "cases": list(cases),
        "consent_form": consent_form or ConsentForm(organisations=organisations),
        "today": timezone.localdate(),
    }


@workspace_view(casework=True)
def person_detail(request, pk):
    person = person_or_404(request, pk, log=True)
    return render(request, "workspace/intake/person_detail.html", _person_context(request, person))


@require_POST
@workspace_view(casework=True)
def consent_new(request, pk):
    person = person_or_404(request, pk)
    if withdraw := request.POST.get("withdraw"):
        return _withdraw(request, person, withdraw)
    form = ConsentForm(request.POST, organisations=casework_organisations(request))
    if form.is_valid() and (
        Consent.objects.visible_to(request.user)
        .filter(
            beneficiary=person,
            purpose=form.cleaned_data["purpose"],
            organisation=form.chosen_organisation(),
            withdrawn_on__isnull=True,
        )
        .exists()
    ):
        form.add_error(
            "purpose",
            _("This consent is already recorded and has not been withdrawn."),
        )
    if form.is_valid():
        with transaction.atomic():
            consent = form.instance
            consent.beneficiary = person
            consent.recorded_by = request.user
            consent.organisation = form.chosen_organisation()
            consent.full_clean()
            consent.save()
        messages.success(
            request,
            _("Consent recorded: %(purpose)s.") % {"purpose": consent.get_purpose_display()},
        )
        return redirect("workspace:person", pk=person.pk)
    log_access(request, [person], via="workspace")
    context = _person_context(request, person, consent_form=form)
    return render(request, "workspace/intake/person_detail.html", context, status=400)


def _withdraw(request, person, consent_id):
    with transaction.atomic():
        consent = get_object_or_404(
            Consent.objects.visible_to(request.user)
            .filter(beneficiary=person)
            .select_for_update(of=("self",)),
            pk=_uuid_or_404(consent_id),
        )
        if consent.withdrawn_on is None:
            consent.withdrawn_on = max(timezone.localdate(), consent.given_on)
            consent.full_clean()
            consent.save()
            messages.success(
                request,
                _("Consent withdrawn: %(purpose)s.") % {"purpose": consent.get_purpose_display()},
            )
        else:
            messages.info(request, _("This consent was already withdrawn."))
    return redirect("workspace:person", pk=person.pk)


def _uuid_or_404(value: str):
    try:
        return uuid.UUID(str(value))
    except ValueError:
        raise Http404 from None


# --- Open a case -----------------------------------------------------------------------


@workspace_view(casework=True)
def case_new(request, pk):
    person = person_or_404(request, pk, log=request.method != "POST")
    form_kwargs = {"organisations": casework_organisations(request), "user": request.user}
    if request.method != "POST":
        form = CaseOpenForm(**form_kwargs)
        current = (
            team_cases(request.user)
            .filter(beneficiary=person, status__in=NOT_CLOSED)
            .select_related("organisation")
            .order_by("-opened_on")
        )
        context = {"person": person, "form": form, "current": list(current)}
        return render(request, "workspace/intake/case_form.html", context)
    form = CaseOpenForm(request.POST, instance=Case(beneficiary=person), **form_kwargs)
    status = 400
    existing = None
    if form.is_valid():
        with transaction.atomic():
            # One case opening at a time per person: the check below stays true on save.
            Beneficiary.objects.select_for_update().filter(pk=person.pk).first()
            case = form.instance
            existing = (
                Case.objects.filter(
                    beneficiary=person, organisation=case.organisation, status__in=NOT_CLOSED
                )
                .order_by("-opened_on")
                .first()
            )
            if existing is None:
                case.full_clean()
                case.save()
                touch(case.pk)
        if existing is None:
            messages.success(request, _("The case is open."))
            return redirect("workspace:case", pk=case.pk)
        status = 409
        form.add_error(
            None,
            _(
                "%(name)s already has a case in %(organisation)s that is not closed: "
                "work on that case instead of opening another one."
            )
            % {"name": person.display_name, "organisation": case.organisation.name},
        )
    log_access(request, [person], via="workspace")
    visible_existing = (
        team_cases(request.user).filter(pk=existing.pk).exists() if existing else False
    )
    context = {"person": person, "form": form, "existing": existing if visible_existing else None}
    return render(request, "workspace/intake/case_form.html", context, status=status)
