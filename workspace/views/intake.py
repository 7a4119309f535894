"""Intake without duplicates: search first, register the person, record consent, open a case.

The duplicate matching is ``beneficiaries/matching.py``: the search shows its matches,
and registering refuses while there are some the worker has not confirmed are someone
else. The exact search goes through the keyed hash of the codice fiscale, over all
people: a person registered by another service is reported as existing, and nothing more.
That existence check is counted, throttled (``CF_LOOKUP_RATE`` per user and hour) and
recorded (``beneficiaries/cf_lookup.py``); the search is a POST, so that no codice
fiscale or name ever sits in a URL.
Every write is an action of ``beneficiaries/actions/``; its refusal comes back on the form.
"""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.db.models import Exists, OuterRef
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from beneficiaries import cf_lookup, matching
from beneficiaries.actions.cases import NOT_CLOSED, case_open
from beneficiaries.actions.consents import consent_give, consent_withdraw
from beneficiaries.actions.people import person_register
from beneficiaries.consent import why_not
from beneficiaries.models import (
    Beneficiary,
    Case,
    CaseStatus,
    Consent,
    ConsentPurpose,
    codice_fiscale_lookup_hash,
)
from beneficiaries.selectors import person_facts_for
from core.access_log import log_access
from core.errors import CONFLICT, FORBIDDEN, ActionError
from core.forms import add_errors, page_status
from registry.models import Municipality
from services.models import Organisation
from workspace.access import person_or_404, team_cases, workspace_view
from workspace.forms.intake import (
    CaseOpenForm,
    ConsentForm,
    IntakeSearchForm,
    PersonForm,
    facts_from_code,
)


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
#
# A search carries a codice fiscale or names: it is a POST (never in a URL, a proxy's or
# the server's log, or the browser's history), answered on the POST's own page, and the
# "register" step that follows posts the terms on (``person_new`` with ``from_search``).
# A search by codice fiscale is an existence check over every person: counted per user,
# recorded and throttled (``beneficiaries/cf_lookup.py``).


def _exact_match(request, code: str):
    """The person with this codice fiscale if the user may see them, the hidden person's
    bare record if not (never shown: it only says "already registered"), or None."""
    code_hash = codice_fiscale_lookup_hash(code)
    exact = (
        Beneficiary.objects.visible_to(request.user)
        .filter(codice_fiscale_hash=code_hash)
        .select_related("residence_municipality")
        .annotate(
            has_open_case=Exists(
                team_cases(request.user).filter(beneficiary=OuterRef("pk"), status=CaseStatus.OPEN)
            )
        )
        .first()
    )
    if exact is not None:
        return exact, None
    return None, Beneficiary.objects.filter(codice_fiscale_hash=code_hash).only("pk").first()


@workspace_view(casework=True)
def search(request):
    form = IntakeSearchForm(request.POST if request.method == "POST" else None)
    context = {"form": form, "searched": False}
    status = 200
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        code = data["codice_fiscale"]
        if code and not cf_lookup.allow_lookup(request, via="intake-search"):
            form.add_error("codice_fiscale", cf_lookup.refusal_message())
            return render(request, "workspace/intake/search.html", context, status=429)
        exact, hidden = _exact_match(request, code) if code else (None, None)
        if code:
            found = cf_lookup.SHOWN if exact else cf_lookup.ELSEWHERE if hidden else None
            cf_lookup.record_lookup(
                request,
                via="intake-search",
                found=found or cf_lookup.NOT_FOUND,
                person=hidden,
            )
        matches = matching.fuzzy_matches(
            request.user,
            family=data["family_name"],
            given=data["given_name"],
            birth_year=data["birth_year"],
            exclude=[exact.pk if exact else None],
        )
        log_access(request, [*([exact] if exact else []), *matches.people], via="workspace-list")
        context.update(
            searched=True,
            exact=exact,
            code_elsewhere=hidden is not None,
            matches=matches.people,
            capped=matches.capped,
            max_candidates=matching.MAX_CANDIDATES,
            can_register=exact is None and hidden is None,
            # Posted on to the registration form, never put in its URL.
            terms={
                "codice_fiscale": code,
                "given_name": data["given_name"],
                "family_name": data["family_name"],
            },
        )
    elif form.is_bound:
        status = 400
    return render(request, "workspace/intake/search.html", context, status=status)


# --- Register a person -----------------------------------------------------------------


def _person_initial(terms) -> dict:
    initial = {
        key: terms.get(key, "").strip()[:100]
        for key in ("given_name", "family_name", "codice_fiscale")
        if terms.get(key, "").strip()
    }
    code = initial.get("codice_fiscale", "")
    if code and (facts := facts_from_code(code)):
        initial["birth_date"], initial["gender"] = facts
    return initial


@workspace_view(casework=True)
def person_new(request):
    organisations = casework_organisations(request)
    kwargs = {"organisations": organisations, "municipalities": residence_choices(organisations)}
    if request.method != "POST" or request.POST.get("from_search"):
        # From the search's "register" button: the terms come posted, the form prefilled.
        terms = request.POST if request.method == "POST" else {}
        form = PersonForm(initial=_person_initial(terms), **kwargs)
        return render(request, "workspace/intake/person_form.html", {"form": form})
    form = PersonForm(request.POST, **kwargs)
    status, matches = 400, []
    code = (request.POST.get("codice_fiscale") or "").strip()
    if code and not cf_lookup.allow_lookup(request, via="person-register"):
        form.is_valid()
        form.add_error("codice_fiscale", cf_lookup.refusal_message())
        return render(request, "workspace/intake/person_form.html", {"form": form}, status=429)
    if form.is_valid():
        data = form.cleaned_data
        fields = ("given_name", "family_name", "codice_fiscale", "birth_date", "gender")
        existing = None
        if data["codice_fiscale"]:
            # Registering a code that exists is refused, which tells that it exists.
            existing = (
                Beneficiary.objects.filter(
                    codice_fiscale_hash=codice_fiscale_lookup_hash(data["codice_fiscale"])
                )
                .only("pk")
                .first()
            )
            cf_lookup.record_lookup(
                request,
                via="person-register",
                found=cf_lookup.ELSEWHERE if existing else cf_lookup.NOT_FOUND,
                person=existing,
            )
        try:
            person = person_register(
                acting_user=request.user,
                organisation=form.chosen_organisation(),
                **{name: data[name] for name in fields},
                citizenship=data["citizenship"],
                residence_municipality=data["residence_municipality"],
                homeless=data["homeless"],
                consents=data["consents"],
                confirmed_different=data["confirm_different"],
            )
        except ActionError as error:
            status = page_status(error)
            if "confirm_different" in getattr(error, "error_dict", {}):
                # The people the worker is asked to look at before confirming.
                matches = matching.likely_matches(
                    request.user,
                    family_name=data["family_name"],
                    given_name=data["given_name"],
                    birth_date=data["birth_date"],
                )
                log_access(request, matches, via="workspace-list")
            add_errors(form, error, model=Beneficiary)
        else:
            messages.success(
                request,
                _("%(name)s is registered. Now open their case.") % {"name": person.display_name},
            )
            return redirect("workspace:case-new", pk=person.pk)
    context = {"form": form, "matches": matches}
    return render(request, "workspace/intake/person_form.html", context, status=status)


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
        # Registering organisation and special categories, unless a protected case of
        # the person elsewhere keeps them from this user.
        "facts": person_facts_for(request.user, person),
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
    status = 400
    if form.is_valid():
        try:
            consent = consent_give(
                acting_user=request.user,
                beneficiary=person,
                organisation=form.chosen_organisation(),
                **form.cleaned_data,
            )
        except ActionError as error:
            status = page_status(error)
            add_errors(form, error, model=Consent)
        else:
            messages.success(
                request,
                _("Consent recorded: %(purpose)s.") % {"purpose": consent.get_purpose_display()},
            )
            return redirect("workspace:person", pk=person.pk)
    log_access(request, [person], via="workspace")
    context = _person_context(request, person, consent_form=form)
    return render(request, "workspace/intake/person_detail.html", context, status=status)


def _withdraw(request, person, consent_id):
    consent = get_object_or_404(
        Consent.objects.visible_to(request.user).filter(beneficiary=person),
        pk=_uuid_or_404(consent_id),
    )
    try:
        consent = consent_withdraw(acting_user=request.user, consent=consent)
    except ActionError as error:
        if error.kind == FORBIDDEN:
            raise Http404 from None
        messages.info(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            _("Consent withdrawn: %(purpose)s.") % {"purpose": consent.get_purpose_display()},
        )
    return redirect("workspace:person", pk=person.pk)


def _uuid_or_404(value: str):
    try:
        return uuid.UUID(str(value))
    except ValueError:
        raise Http404 from None


# --- Open a case -----------------------------------------------------------------------


def _consent_refusals(person, organisations) -> list[tuple[Organisation, str]]:
    """Why the person cannot be taken in charge yet, by organisation of the user's: the
    consent to case management the action will ask for (missing, withdrawn, expired)."""
    refusals = []
    for organisation in organisations:
        reason = why_not(
            beneficiary_id=person.pk,
            organisation_id=organisation.pk,
            purpose=ConsentPurpose.CASE_MANAGEMENT,
        )
        if reason:
            refusals.append((organisation, reason))
    return refusals


@workspace_view(casework=True)
def case_new(request, pk):
    person = person_or_404(request, pk, log=request.method != "POST")
    organisations = casework_organisations(request)
    form_kwargs = {"organisations": organisations, "user": request.user}
    if request.method != "POST":
        current = (
            team_cases(request.user)
            .filter(beneficiary=person, status__in=NOT_CLOSED)
            .select_related("organisation")
            .order_by("-opened_on")
        )
        context = {
            "person": person,
            "form": CaseOpenForm(**form_kwargs),
            "current": list(current),
            "consent_refusals": _consent_refusals(person, organisations),
        }
        return render(request, "workspace/intake/case_form.html", context)
    form = CaseOpenForm(request.POST, **form_kwargs)
    status, existing, consent_refused = 400, None, False
    if form.is_valid():
        data = form.cleaned_data
        organisation = form.chosen_organisation()
        try:
            case = case_open(
                acting_user=request.user,
                beneficiary=person,
                organisation=organisation,
                lead_worker=data["lead_worker"],
                opened_on=data["opened_on"],
                protected=data["protected"],
                follow_up_on=data["follow_up_on"],
            )
        except ActionError as error:
            status = page_status(error)
            add_errors(form, error, model=Case)
            # A conflict about the person is their consent: the page links to where it
            # is recorded.
            consent_refused = error.kind == CONFLICT and "beneficiary" in getattr(
                error, "error_dict", {}
            )
            if error.kind == CONFLICT and not consent_refused:
                existing = (
                    team_cases(request.user)
                    .filter(beneficiary=person, organisation=organisation, status__in=NOT_CLOSED)
                    .order_by("-opened_on")
                    .first()
                )
        else:
            messages.success(request, _("The case is open."))
            return redirect("workspace:case", pk=case.pk)
    log_access(request, [person], via="workspace")
    context = {
        "person": person,
        "form": form,
        "existing": existing,
        "conflict": status == 409,
        "consent_link": consent_refused,
    }
    return render(request, "workspace/intake/case_form.html", context, status=status)
