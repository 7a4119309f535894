"""Intake without duplicates: search first, register, consent, open a case; the person page."""

import datetime
import re

import pytest
from auditlog.models import LogEntry
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from beneficiaries import codice_fiscale
from beneficiaries.models import Beneficiary, Case, CaseStatus, Consent, ConsentPurpose
from core.models import AuditEntry
from security.models import SecurityEvent
from services.models import Role
from tests.auth import verified_login
from tests.factories import (
    BeneficiaryFactory,
    ConsentFactory,
    MunicipalityFactory,
)

pytestmark = pytest.mark.django_db

SEARCH = reverse("workspace:intake")
NEW = reverse("workspace:person-new")
BORN = datetime.date(1985, 3, 14)


def html(response) -> str:
    return response.content.decode()


def code_for(family, given, born=BORN, gender="F") -> str:
    return codice_fiscale.generate(
        surname=family, given_name=given, birth_date=born, gender=gender, cadastral_code="H501"
    )


@pytest.fixture
def town(organisation):
    """A municipality of the organisation's metropolitan city."""
    return MunicipalityFactory(
        metropolitan_city=organisation.municipality.metropolitan_city, name="Fiumicino"
    )


@pytest.fixture
def worker(login, social_worker):
    return login(social_worker)


def person_data(town, **overrides) -> dict:
    data = {
        "family_name": "Verdi",
        "given_name": "Lucia",
        "codice_fiscale": code_for("Verdi", "Lucia"),
        "birth_date": BORN.isoformat(),
        "gender": "F",
        "citizenship": "it",
        "residence_municipality": town.pk,
        "consents": [ConsentPurpose.CASE_MANAGEMENT, ConsentPurpose.SHARING_WITH_PROVIDERS],
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


# --- Search ----------------------------------------------------------------------------


def test_search_page_shows_the_form(worker):
    response = worker.get(SEARCH)
    assert response.status_code == 200
    assert 'for="id_codice_fiscale"' in html(response)
    assert "Possible matches" not in html(response)


def test_providers_cannot_search(login, provider_staff):
    assert login(provider_staff).get(SEARCH).status_code == 403


def test_exact_codice_fiscale_match_is_shown_with_a_link(worker, person):
    response = worker.post(SEARCH, {"codice_fiscale": person.codice_fiscale.lower()})
    assert response.status_code == 200
    assert response.context["exact"] == person
    page = html(response)
    assert "This codice fiscale is already registered" in page
    assert "Rossi Anna" in page
    assert reverse("workspace:person", args=[person.pk]) in page
    assert "register a new person" not in page.lower()
    rows = LogEntry.objects.filter(action=LogEntry.Action.ACCESS)
    assert [(row.object_pk, row.additional_data["via"]) for row in rows] == [
        (str(person.pk), "workspace-list")
    ]


def test_codice_fiscale_of_another_organisation_reveals_nothing(worker, other_organisation):
    stranger = BeneficiaryFactory(
        registered_by=other_organisation, family_name="Nascosta", given_name="Teresa"
    )
    response = worker.post(SEARCH, {"codice_fiscale": stranger.codice_fiscale})
    assert response.status_code == 200
    page = html(response)
    assert "already registered by another service" in page
    assert "cannot register them again" in page
    assert "Nascosta" not in page and "Teresa" not in page
    assert str(stranger.pk) not in page
    assert response.context["exact"] is None
    assert response.context["can_register"] is False
    # Nothing shown, but the check told that the person exists: their data-protection
    # officer sees who checked (beneficiaries/cf_lookup.py).
    rows = LogEntry.objects.filter(action=LogEntry.Action.ACCESS)
    assert [(row.object_pk, row.additional_data["via"]) for row in rows] == [
        (str(stranger.pk), "cf-check")
    ]


def test_fuzzy_match_with_a_typo_and_birth_year_one_off(worker, organisation):
    match = BeneficiaryFactory(
        registered_by=organisation,
        family_name="Esposito",
        given_name="Giuseppe",
        gender="M",
        birth_date=datetime.date(1971, 5, 2),
    )
    accented = BeneficiaryFactory(
        registered_by=organisation,
        family_name="Espósito",
        given_name="Giusèppe",
        gender="M",
        birth_date=datetime.date(1972, 1, 9),
    )
    BeneficiaryFactory(  # born too far from the year typed
        registered_by=organisation,
        family_name="Esposito",
        given_name="Giuseppe",
        gender="M",
        birth_date=datetime.date(1975, 5, 2),
    )
    BeneficiaryFactory(  # another name
        registered_by=organisation, family_name="Bianchi", birth_date=datetime.date(1971, 1, 1)
    )
    response = worker.post(
        SEARCH, {"family_name": "Esposto", "given_name": "Guiseppe", "birth_year": 1970}
    )
    assert response.status_code == 200
    assert {p.pk for p in response.context["matches"]} == {match.pk}
    response = worker.post(
        SEARCH, {"family_name": "giuseppe", "given_name": "ESPOSITO", "birth_year": 1972}
    )
    assert {p.pk for p in response.context["matches"]} == {match.pk, accented.pk}
    page = html(response)
    assert "Possible matches" in page
    assert "None of these: register a new person" in page
    assert reverse("workspace:person", args=[match.pk]) in page
    # The register button posts the terms on: no URL carries them.
    assert response.context["terms"]["family_name"] == "giuseppe"
    assert f'action="{NEW}"' in page
    assert 'name="family_name" value="giuseppe"' in page


def test_fuzzy_matches_same_family_name_and_initial(worker, organisation):
    match = BeneficiaryFactory(
        registered_by=organisation,
        family_name="Popescu",
        given_name="Ioana",
        birth_date=None,
        codice_fiscale="",
    )
    response = worker.post(
        SEARCH, {"family_name": "Popescu", "given_name": "I.", "birth_year": 1990}
    )
    assert [p.pk for p in response.context["matches"]] == [match.pk]


def test_fuzzy_search_only_among_visible_people(worker, other_organisation):
    BeneficiaryFactory(
        registered_by=other_organisation, family_name="Diallo", birth_date=datetime.date(1980, 1, 1)
    )
    response = worker.post(SEARCH, {"family_name": "Diallo", "birth_year": 1980})
    assert response.context["matches"] == []
    assert "Possible matches</caption>" not in html(response)
    assert "No person with a similar name" in html(response)


def test_invalid_check_character_is_explained(worker):
    code = code_for("Verdi", "Lucia")
    wrong = code[:15] + ("A" if code[15] != "A" else "B")
    response = worker.post(SEARCH, {"codice_fiscale": wrong})
    assert response.status_code == 400
    assert f"The check character is &#x27;{wrong[15]}&#x27; but should be &#x27;{code[15]}" in (
        html(response)
    )
    assert 'role="alert"' in html(response)


def test_empty_search_asks_for_a_name(worker):
    response = worker.post(SEARCH, {"given_name": "Lucia"})
    assert response.status_code == 400
    assert "at least the family name" in html(response)


def test_search_queries_do_not_grow_with_the_number_of_people(worker, organisation):
    def make(count):
        for _ in range(count):
            BeneficiaryFactory(
                registered_by=organisation,
                family_name="Ferrari",
                given_name="Chiara",
                birth_date=datetime.date(1960, 1, 1)
                + datetime.timedelta(days=Beneficiary.objects.count()),
            )

    query = {"family_name": "Ferrari", "given_name": "Chiara", "birth_year": 1960}
    make(2)
    worker.post(SEARCH, query)  # the session's first request saves it: not counted
    with CaptureQueriesContext(connection) as few:
        response = worker.post(SEARCH, query)
    assert len(response.context["matches"]) == 2
    make(20)
    with CaptureQueriesContext(connection) as many:
        response = worker.post(SEARCH, query)
    assert len(response.context["matches"]) == 22
    assert len(many) == len(few)


def test_search_says_when_candidates_are_capped(worker, organisation, monkeypatch):
    from beneficiaries import matching

    monkeypatch.setattr(matching, "MAX_CANDIDATES", 2)
    for day in range(3):
        BeneficiaryFactory(
            registered_by=organisation,
            family_name=("Zeta", "Zotti", "Zito")[day],
            birth_date=datetime.date(1990, 1, 1 + day),
        )
    response = worker.post(SEARCH, {"family_name": "Zeta", "birth_year": 1990})
    assert response.context["capped"] is True
    assert "Only the first 2 people with a similar name were compared" in html(response)


def test_names_typed_the_other_way_round_are_found(worker, organisation):
    person = BeneficiaryFactory(
        registered_by=organisation, family_name="Esposito", given_name="Chiara"
    )
    response = worker.post(SEARCH, {"family_name": "Chiara", "given_name": "Esposito"})
    assert [match.pk for match in response.context["matches"]] == [person.pk]


def test_people_with_another_sounding_name_are_not_even_read(worker, organisation):
    """Candidates come by the family name's sound key: a different name born the same
    year is never loaded (nor decrypted) for the comparison."""
    BeneficiaryFactory(registered_by=organisation, family_name="Bianchi")
    with CaptureQueriesContext(connection) as queries:
        response = worker.post(SEARCH, {"family_name": "Rossi", "given_name": "Anna"})
    assert response.context["matches"] == []
    candidate_query = next(q["sql"] for q in queries if "family_name_key_hash" in q["sql"])
    assert '"beneficiaries_beneficiary"."family_name_key_hash" IN' in candidate_query


# --- The search carries no personal term in a URL; codice fiscale checks are throttled ---


def urls_sent_to_the_browser(response) -> list[str]:
    """Every URL the page links to, submits to or redirects to."""
    page = html(response)
    urls = re.findall(r'(?:href|action|src|hx-get|hx-post)="([^"]*)"', page)
    if response.has_header("Location"):
        urls.append(response["Location"])
    return urls


def test_the_search_is_a_post_and_no_url_carries_the_terms(worker, organisation, town):
    known = BeneficiaryFactory(
        registered_by=organisation, family_name="Marchetti", given_name="Elena"
    )
    code = code_for("Verdi", "Lucia")
    page = html(worker.get(SEARCH))
    assert '<form method="post" action="/workspace/intake/"' in page
    assert 'name="csrfmiddlewaretoken"' in page
    for terms in (
        {"codice_fiscale": code, "family_name": "Verdi", "given_name": "Lucia"},
        {"codice_fiscale": known.codice_fiscale},
        {"family_name": "Marchetti", "given_name": "Elena"},
    ):
        response = worker.post(SEARCH, terms)
        assert response.status_code == 200
        assert response.context["searched"] is True
        for url in urls_sent_to_the_browser(response):
            for value in terms.values():
                assert value.lower() not in url.lower()
    # The register step posts the terms on and answers with the prefilled form, not a
    # redirect that would carry them.
    response = worker.post(
        NEW, {"from_search": "1", "codice_fiscale": code, "family_name": "Verdi"}
    )
    assert response.status_code == 200
    assert response.context["form"].initial["codice_fiscale"] == code
    assert all(code not in url for url in urls_sent_to_the_browser(response))


def test_a_search_in_the_query_string_is_not_run(worker, person):
    response = worker.get(SEARCH, {"codice_fiscale": person.codice_fiscale})
    assert response.status_code == 200
    assert response.context["searched"] is False
    assert "Rossi Anna" not in html(response)
    assert not SecurityEvent.objects.filter(kind="cf_lookup").exists()


def test_the_search_needs_the_csrf_token(social_worker, person):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    verified_login(client, social_worker)
    response = client.post(SEARCH, {"codice_fiscale": person.codice_fiscale})
    assert response.status_code == 403
    assert not SecurityEvent.objects.filter(kind="cf_lookup").exists()


def test_every_codice_fiscale_check_is_a_security_event_without_the_code(
    worker, social_worker, person, other_organisation
):
    stranger = BeneficiaryFactory(registered_by=other_organisation)
    worker.post(SEARCH, {"codice_fiscale": person.codice_fiscale})
    worker.post(SEARCH, {"codice_fiscale": stranger.codice_fiscale})
    worker.post(SEARCH, {"codice_fiscale": code_for("Nuovo", "Nome")})
    worker.post(SEARCH, {"family_name": "Rossi"})  # no code: no check
    events = SecurityEvent.objects.filter(kind="cf_lookup").order_by("pk")
    assert [(e.user, e.details) for e in events] == [
        (social_worker, {"via": "intake-search", "found": "shown"}),
        (social_worker, {"via": "intake-search", "found": "elsewhere"}),
        (social_worker, {"via": "intake-search", "found": "not_found"}),
    ]
    stored = str(list(SecurityEvent.objects.values_list("details", "username", "user_agent")))
    for secret in (person.codice_fiscale, stranger.codice_fiscale, "Rossi", "Anna"):
        assert secret not in stored
    for value in (person.codice_fiscale_hash, stranger.codice_fiscale_hash):
        assert value[:8] not in stored


@pytest.fixture(autouse=True)
def fresh_lookup_counts():
    """Codice fiscale checks are counted per user in Redis for an hour: every test starts
    from none (a user id of an earlier run must not bring its count)."""
    cache.clear()
    yield
    cache.clear()


def test_the_31st_codice_fiscale_check_in_an_hour_is_refused(
    worker, social_worker, other_worker, login, person, settings
):
    settings.CF_LOOKUP_RATE = 30
    for _ in range(30):
        assert worker.post(SEARCH, {"codice_fiscale": code_for("Nuovo", "Nome")}).status_code == 200
    response = worker.post(
        SEARCH, {"codice_fiscale": person.codice_fiscale, "family_name": "Rossi"}
    )
    assert response.status_code == 429
    page = html(response)
    assert "You have checked 30 codici fiscali in the last hour" in page
    # Nothing revealed: no exact match, no fuzzy match, no access row.
    assert "Rossi Anna" not in page and str(person.pk) not in page
    assert response.context["searched"] is False
    assert not LogEntry.objects.filter(object_pk=str(person.pk)).exists()
    refused = SecurityEvent.objects.filter(kind="cf_lookup", details__found="refused")
    assert refused.count() == 1 and refused.get().user == social_worker
    # Registering with a code is a check too: refused as well, nothing saved.
    response = worker.post(
        NEW, person_data(MunicipalityFactory(), codice_fiscale=code_for("A", "B"))
    )
    assert response.status_code == 429
    assert "You have checked 30 codici fiscali" in html(response)
    assert not Beneficiary.objects.exclude(pk=person.pk).exists()
    # A search by name alone still works; another worker still has their own count.
    assert worker.post(SEARCH, {"family_name": "Rossi"}).status_code == 200
    other = login(other_worker)
    assert other.post(SEARCH, {"codice_fiscale": person.codice_fiscale}).status_code == 200


def test_registering_a_code_that_exists_elsewhere_is_a_logged_check(
    worker, town, other_organisation, social_worker
):
    stranger = BeneficiaryFactory(
        registered_by=other_organisation,
        family_name="Nascosta",
        given_name="Teresa",
        birth_date=BORN,
        gender="F",
    )
    response = worker.post(
        NEW,
        person_data(
            town,
            codice_fiscale=stranger.codice_fiscale,
            family_name="Nascosta",
            given_name="Teresa",
        ),
    )
    assert response.status_code == 409
    event = SecurityEvent.objects.get(kind="cf_lookup")
    assert event.details == {"via": "person-register", "found": "elsewhere"}
    row = LogEntry.objects.get(action=LogEntry.Action.ACCESS)
    assert (row.object_pk, row.actor, row.additional_data["via"]) == (
        str(stranger.pk),
        social_worker,
        "cf-check",
    )


# --- Register --------------------------------------------------------------------------


def test_new_person_form_is_prefilled_from_the_search(worker, town):
    code = code_for("Verdi", "Lucia")
    response = worker.post(
        NEW, {"from_search": "1", "family_name": "Verdi", "codice_fiscale": code}
    )
    assert not Beneficiary.objects.exists()
    assert response.status_code == 200
    form = response.context["form"]
    assert form.initial["family_name"] == "Verdi"
    assert form.initial["birth_date"] == BORN
    assert form.initial["gender"] == "F"
    assert list(form.fields["residence_municipality"].queryset) == [town] or town in list(
        form.fields["residence_municipality"].queryset
    )


def test_register_a_person_with_consents(worker, town, organisation, social_worker):
    response = worker.post(NEW, person_data(town))
    person = Beneficiary.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("workspace:case-new", args=[person.pk])
    assert (person.family_name, person.given_name, person.citizenship) == ("Verdi", "Lucia", "IT")
    assert person.registered_by == organisation
    consents = Consent.objects.order_by("purpose")
    assert [(c.purpose, c.given_on, c.recorded_by, c.organisation) for c in consents] == [
        ("case_management", timezone.localdate(), social_worker, organisation),
        ("sharing", timezone.localdate(), social_worker, organisation),
    ]
    follow = worker.get(response["Location"])
    assert "Verdi Lucia is registered" in html(follow)


def test_homeless_person_without_residence_is_saved(worker, town):
    response = worker.post(NEW, person_data(town, residence_municipality="", homeless="on"))
    assert response.status_code == 302
    person = Beneficiary.objects.get()
    assert person.homeless and person.residence_municipality is None


def test_residence_or_homeless_required(worker, town):
    response = worker.post(NEW, person_data(town, residence_municipality=""))
    assert response.status_code == 400
    assert response.context["form"].errors["residence_municipality"] == [
        "Give the municipality of residence, or mark the person as homeless."
    ]
    assert not Beneficiary.objects.exists()


def test_person_without_codice_fiscale_is_saved(worker, town):
    response = worker.post(
        NEW, person_data(town, codice_fiscale="", citizenship="SN", birth_date="")
    )
    assert response.status_code == 302
    person = Beneficiary.objects.get()
    assert person.codice_fiscale == "" and person.codice_fiscale_hash is None
    assert person.birth_date is None


def test_invalid_check_character_on_registration(worker, town):
    code = code_for("Verdi", "Lucia")
    wrong = code[:15] + ("A" if code[15] != "A" else "B")
    response = worker.post(NEW, person_data(town, codice_fiscale=wrong))
    assert response.status_code == 400
    assert response.context["form"].errors["codice_fiscale"] == [
        f"The check character is '{wrong[15]}' but should be '{code[15]}'."
    ]
    assert 'aria-invalid="true"' in html(response)
    assert not Beneficiary.objects.exists() and not Consent.objects.exists()


def test_birth_date_and_gender_must_agree_with_the_code(worker, town):
    response = worker.post(NEW, person_data(town, birth_date="1985-03-15", gender="M"))
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert errors["birth_date"] == [
        "The birth date 15/03/1985 does not match the codice fiscale, which encodes day 14, "
        "month 3 and a year ending in 85."
    ]
    assert errors["gender"] == [
        "The codice fiscale is that of a woman (F), but the gender given is M."
    ]
    assert not Beneficiary.objects.exists()


def test_duplicate_codice_fiscale_is_refused_without_saying_who(worker, town, other_organisation):
    stranger = BeneficiaryFactory(
        registered_by=other_organisation,
        family_name="Nascosta",
        given_name="Teresa",
        birth_date=BORN,
        gender="F",
    )
    response = worker.post(
        NEW,
        person_data(
            town,
            codice_fiscale=stranger.codice_fiscale,
            family_name="Nascosta",
            given_name="Teresa",
        ),
    )
    assert response.status_code == 409  # a record that exists: a conflict, not bad input
    assert response.context["form"].errors["codice_fiscale"] == [
        "A person with this codice fiscale is already registered: you cannot register them "
        "again. Search for them, or ask the service that follows them."
    ]
    assert str(stranger.pk) not in html(response)
    assert Beneficiary.objects.count() == 1 and not Consent.objects.exists()


def test_case_management_consent_is_required(worker, town, organisation, social_worker):
    """Consent is enforced where it matters, by the action that opens the case: a person
    may be registered without it, but not taken in charge, and the worker reads why."""
    response = worker.post(NEW, person_data(town, consents=[ConsentPurpose.STATISTICS]))
    assert response.status_code == 302
    person = Beneficiary.objects.get()
    page = html(worker.get(response["Location"]))
    assert "The person has not given consent to case management" in page
    response = worker.post(
        reverse("workspace:case-new", args=[person.pk]),
        {"lead_worker": social_worker.pk, "opened_on": timezone.localdate()},
    )
    assert response.status_code == 409
    assert (
        "The person has not given consent to case management: record it before you open a case."
        in html(response)
    )
    assert reverse("workspace:person", args=[person.pk]) + "#consent-form-title" in html(response)
    assert not Case.objects.exists()


def test_fuzzy_duplicate_needs_confirmation(worker, town, organisation):
    similar = BeneficiaryFactory(
        registered_by=organisation,
        family_name="Verdi",
        given_name="Luciana",
        birth_date=None,
        codice_fiscale="",
    )
    data = person_data(town, codice_fiscale="")
    response = worker.post(NEW, data)
    assert response.status_code == 409
    page = html(response)
    assert "Possible matches" in page
    assert reverse("workspace:person", args=[similar.pk]) in page
    assert 'name="confirm_different"' in page
    assert Beneficiary.objects.count() == 1
    response = worker.post(NEW, {**data, "confirm_different": "on"})
    assert response.status_code == 302
    assert Beneficiary.objects.count() == 2


def test_organisation_choice_for_workers_of_several_organisations(
    login, social_worker, town, organisation, other_organisation
):
    from tests.factories import MembershipFactory

    MembershipFactory(user=social_worker, organisation=other_organisation, role=Role.COORDINATOR)
    client = login(social_worker)
    response = client.post(NEW, person_data(town, organisation=other_organisation.pk))
    assert response.status_code == 302
    assert Beneficiary.objects.get().registered_by == other_organisation
    assert Consent.objects.filter(organisation=other_organisation).count() == 2


# --- The person page and consents ------------------------------------------------------


def test_person_page_writes_exactly_one_access_row(worker, person, case):
    ConsentFactory(beneficiary=person, purpose=ConsentPurpose.HOUSING)
    response = worker.get(reverse("workspace:person", args=[person.pk]))
    assert response.status_code == 200
    page = html(response)
    assert "Rossi Anna" in page and "housing placement" in page
    assert reverse("workspace:case", args=[case.pk]) in page
    assert reverse("workspace:case-new", args=[person.pk]) in page
    rows = LogEntry.objects.filter(action=LogEntry.Action.ACCESS)
    assert [(row.object_pk, row.additional_data["via"]) for row in rows] == [
        (str(person.pk), "workspace")
    ]


def test_record_and_withdraw_a_consent(worker, person, social_worker, organisation):
    url = reverse("workspace:consent-new", args=[person.pk])
    response = worker.post(url, {"purpose": "contact", "given_on": timezone.localdate()})
    assert response.status_code == 302
    consent = Consent.objects.get()
    assert (consent.purpose, consent.recorded_by, consent.organisation) == (
        "contact",
        social_worker,
        organisation,
    )
    assert not LogEntry.objects.filter(action=LogEntry.Action.ACCESS).exists()
    response = worker.post(url, {"withdraw": str(consent.pk)})
    assert response.status_code == 302
    consent.refresh_from_db()
    assert consent.withdrawn_on == timezone.localdate()


def test_same_active_consent_is_not_recorded_twice(worker, person, organisation):
    ConsentFactory(beneficiary=person, purpose="contact", organisation=organisation)
    url = reverse("workspace:consent-new", args=[person.pk])
    response = worker.post(url, {"purpose": "contact", "given_on": timezone.localdate()})
    assert response.status_code == 409
    assert "This consent is already recorded and has not been withdrawn." in html(response)
    assert Consent.objects.count() == 1


def test_consent_in_the_future_is_refused(worker, person):
    url = reverse("workspace:consent-new", args=[person.pk])
    future = timezone.localdate() + datetime.timedelta(days=3)
    response = worker.post(url, {"purpose": "contact", "given_on": future})
    assert response.status_code == 400
    assert "Consent cannot be given in the future." in html(response)
    assert not Consent.objects.exists()


# --- Open a case -----------------------------------------------------------------------


def test_open_a_case(worker, person, social_worker, organisation):
    ConsentFactory(beneficiary=person, organisation=organisation)
    url = reverse("workspace:case-new", args=[person.pk])
    form = worker.get(url).context["form"]
    assert form["lead_worker"].value() == social_worker.pk
    assert form["opened_on"].value() == timezone.localdate()
    response = worker.post(
        url,
        {
            "lead_worker": social_worker.pk,
            "opened_on": timezone.localdate(),
            "protected": "on",
            "follow_up_on": timezone.localdate() + datetime.timedelta(days=14),
        },
    )
    case = Case.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("workspace:case", args=[case.pk])
    assert (case.beneficiary, case.organisation, case.lead_worker, case.protected) == (
        person,
        organisation,
        social_worker,
        True,
    )
    assert case.status == CaseStatus.OPEN


def test_second_open_case_in_the_organisation_is_refused(worker, person, case, social_worker):
    page = html(worker.get(reverse("workspace:case-new", args=[person.pk])))
    assert "already has cases that are not closed" in page
    response = worker.post(
        reverse("workspace:case-new", args=[person.pk]),
        {"lead_worker": social_worker.pk, "opened_on": timezone.localdate()},
    )
    assert response.status_code == 409
    assert "already has a case in" in html(response)
    assert reverse("workspace:case", args=[case.pk]) in html(response)
    assert Case.objects.count() == 1


def test_case_dates_and_lead_worker_are_checked(
    worker, person, social_worker, organisation, other_worker
):
    ConsentFactory(beneficiary=person, organisation=organisation)
    url = reverse("workspace:case-new", args=[person.pk])
    today = timezone.localdate()
    response = worker.post(url, {"lead_worker": other_worker.pk, "opened_on": today})
    assert response.status_code == 400
    assert response.context["form"].errors["lead_worker"] == [
        "Select a valid choice. That choice is not one of the available choices."
    ]
    # The dates are the action's rules: one refusal at a time, by the field it is about.
    response = worker.post(
        url, {"lead_worker": social_worker.pk, "opened_on": today + datetime.timedelta(days=1)}
    )
    assert response.status_code == 400
    assert response.context["form"].errors["opened_on"] == [
        "A case cannot be opened in the future."
    ]
    response = worker.post(
        url,
        {
            "lead_worker": social_worker.pk,
            "opened_on": today,
            "follow_up_on": today - datetime.timedelta(days=1),
        },
    )
    assert response.status_code == 400
    assert response.context["form"].errors["follow_up_on"] == [
        "The next follow-up cannot be before the case was opened."
    ]
    assert not Case.objects.exists()


@pytest.mark.parametrize(
    ("state", "reason"),
    [
        (
            {"purpose": ConsentPurpose.HOUSING},
            "The person has not given consent to case management",
        ),
        (
            {"withdrawn_on": datetime.date(2024, 3, 1)},
            "The person withdrew consent to case management on 2024-03-01",
        ),
        (
            {"expires_on": datetime.date(2024, 6, 30)},
            "The person&#x27;s consent to case management expired on 2024-06-30",
        ),
    ],
    ids=["missing", "withdrawn", "expired"],
)
def test_without_consent_in_force_the_case_is_not_opened_and_the_page_says_why(
    worker, person, social_worker, organisation, state, reason
):
    ConsentFactory(beneficiary=person, organisation=organisation, **state)
    url = reverse("workspace:case-new", args=[person.pk])
    page = html(worker.get(url))
    assert 'id="consent-missing"' in page and reason in page
    response = worker.post(
        url, {"lead_worker": social_worker.pk, "opened_on": timezone.localdate()}
    )
    assert response.status_code == 409
    assert reason in html(response)
    assert "This cannot be done" in html(response)
    assert not Case.objects.exists() and not AuditEntry.objects.exists()


def test_consent_of_another_organisation_does_not_open_a_case(
    worker, person, social_worker, other_organisation
):
    ConsentFactory(beneficiary=person, organisation=other_organisation)
    response = worker.post(
        reverse("workspace:case-new", args=[person.pk]),
        {"lead_worker": social_worker.pk, "opened_on": timezone.localdate()},
    )
    assert response.status_code == 409
    assert "has not given consent to case management" in html(response)
    assert not Case.objects.exists()


def test_a_consent_in_force_shows_no_warning(worker, person, organisation):
    ConsentFactory(beneficiary=person, organisation=organisation)
    page = html(worker.get(reverse("workspace:case-new", args=[person.pk])))
    assert 'id="consent-missing"' not in page


# --- The change audit ------------------------------------------------------------------


def only_audit_row(after=None):
    entry = AuditEntry.objects.filter(pk__gt=after.pk if after else 0).get()
    return entry.action, entry.via, entry.fields, entry.details


def test_registering_writes_one_audit_row_with_the_purposes(worker, town, social_worker):
    assert worker.post(NEW, person_data(town)).status_code == 302
    person = Beneficiary.objects.get()
    entry = AuditEntry.objects.get()
    assert (entry.actor, entry.target_id) == (social_worker, str(person.pk))
    assert only_audit_row() == (
        "person_register",
        "workspace",
        [
            "birth_date",
            "citizenship",
            "codice_fiscale",
            "consents",
            "family_name",
            "gender",
            "given_name",
            "registered_by",
            "residence_municipality",
        ],
        {"purposes": ["case_management", "sharing"]},
    )


def test_recording_and_withdrawing_consent_write_one_audit_row_each(worker, person):
    url = reverse("workspace:consent-new", args=[person.pk])
    expires = timezone.localdate() + datetime.timedelta(days=90)
    data = {"purpose": "contact", "given_on": timezone.localdate(), "expires_on": expires}
    assert worker.post(url, data).status_code == 302
    consent = Consent.objects.get()
    assert consent.expires_on == expires
    assert only_audit_row() == (
        "consent_give",
        "workspace",
        ["expires_on", "given_on", "organisation", "purpose"],
        {"purpose": "contact"},
    )
    # The change audit is append-only: the next row is the one after this.
    given = AuditEntry.objects.get()
    assert worker.post(url, {"withdraw": str(consent.pk)}).status_code == 302
    assert only_audit_row(after=given) == (
        "consent_withdraw",
        "workspace",
        ["withdrawn_on"],
        {"purpose": "contact"},
    )


def test_withdrawing_twice_says_so_and_writes_nothing(worker, person, organisation):
    consent = ConsentFactory(
        beneficiary=person, organisation=organisation, withdrawn_on=datetime.date(2024, 2, 1)
    )
    url = reverse("workspace:consent-new", args=[person.pk])
    response = worker.post(url, {"withdraw": str(consent.pk)})
    assert response.status_code == 302
    assert "This consent was already withdrawn on 2024-02-01." in html(
        worker.get(response["Location"])
    )
    assert not AuditEntry.objects.exists()


def test_opening_a_case_writes_one_audit_row(worker, person, social_worker, organisation):
    ConsentFactory(beneficiary=person, organisation=organisation)
    response = worker.post(
        reverse("workspace:case-new", args=[person.pk]),
        {"lead_worker": social_worker.pk, "opened_on": timezone.localdate()},
    )
    assert response.status_code == 302
    case = Case.objects.get()
    entry = AuditEntry.objects.get()
    assert (entry.action, entry.via, entry.case_id) == ("case_open", "workspace", case.pk)


# --- Out of scope ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "method"),
    [
        ("workspace:person", "get"),
        ("workspace:case-new", "get"),
        ("workspace:case-new", "post"),
        ("workspace:consent-new", "post"),
    ],
)
def test_another_organisations_worker_gets_404(login, other_worker, person, case, name, method):
    client = login(other_worker)
    url = reverse(name, args=[person.pk])
    data = {
        "purpose": "contact",
        "given_on": timezone.localdate(),
        "lead_worker": other_worker.pk,
        "opened_on": timezone.localdate(),
    }
    consents = Consent.objects.count()  # the case's own, recorded with it
    response = getattr(client, method)(url, data if method == "post" else None)
    assert response.status_code == 404
    assert "Rossi" not in html(response)
    assert Case.objects.count() == 1 and Consent.objects.count() == consents


def test_protected_case_hides_the_person_from_colleagues(login, make_member, person, case):
    Case.objects.filter(pk=case.pk).update(protected=True)
    colleague = login(make_member(Role.SOCIAL_WORKER))
    assert colleague.get(reverse("workspace:person", args=[person.pk])).status_code == 404
    response = colleague.post(SEARCH, {"codice_fiscale": person.codice_fiscale})
    assert "Rossi" not in html(response)
    assert "already registered by another service" in html(response)
