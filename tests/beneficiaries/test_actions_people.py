"""Registering a person and changing their record (beneficiaries/actions/people.py): the
codice fiscale rules, one record per code, residence or homeless, the duplicate check
against the people the user can see, one audit row per action, and nothing written on a
refusal."""

import datetime

import pytest
from django.utils import timezone

from beneficiaries import codice_fiscale
from beneficiaries.actions.people import person_register, person_update
from beneficiaries.models import (
    Beneficiary,
    Case,
    Consent,
    ConsentPurpose,
    codice_fiscale_lookup_hash,
)
from core.channel import via
from core.errors import CONFLICT, FORBIDDEN, INVALID, STALE, ActionError
from core.models import AuditEntry
from services.models import Role
from tests.factories import BeneficiaryFactory, CaseFactory, MunicipalityFactory, ReferralFactory

pytestmark = pytest.mark.django_db

BORN = datetime.date(1985, 3, 14)
LONG_AGO = timezone.now() - datetime.timedelta(days=30)


def code_for(family, given, born=BORN, gender="F") -> str:
    return codice_fiscale.generate(
        surname=family, given_name=given, birth_date=born, gender=gender, cadastral_code="H501"
    )


@pytest.fixture
def town(organisation):
    return MunicipalityFactory(metropolitan_city=organisation.municipality.metropolitan_city)


def register_kwargs(user, organisation, town, **changes):
    kwargs = {
        "acting_user": user,
        "organisation": organisation,
        "given_name": "Lucia",
        "family_name": "Verdi",
        "codice_fiscale": code_for("Verdi", "Lucia"),
        "birth_date": BORN,
        "gender": "F",
        "citizenship": "it",
        "residence_municipality": town,
    }
    return kwargs | changes


def written() -> tuple[int, int, int]:
    return Beneficiary.objects.count(), Consent.objects.count(), AuditEntry.objects.count()


def refused(action, **kwargs) -> ActionError:
    before = written()
    with pytest.raises(ActionError) as caught:
        action(**kwargs)
    assert written() == before
    return caught.value


def on(error: ActionError) -> tuple[list[str], str]:
    return sorted(error.error_dict), error.kind


# --- person_register --------------------------------------------------------------------


def test_register_writes_one_audit_row_with_the_consents(organisation, social_worker, town):
    person = person_register(
        **register_kwargs(
            social_worker,
            organisation,
            town,
            codice_fiscale=" " + code_for("Verdi", "Lucia").lower(),
            violence_survivor=True,
            consents=[ConsentPurpose.CASE_MANAGEMENT, ConsentPurpose.HOUSING],
        )
    )
    stored = Beneficiary.objects.get()
    assert stored == person
    assert (stored.codice_fiscale, stored.citizenship, stored.registered_by) == (
        code_for("Verdi", "Lucia"),
        "IT",
        organisation,
    )
    assert stored.violence_survivor
    consents = Consent.objects.order_by("purpose")
    assert [(c.purpose, c.organisation, c.recorded_by, c.given_on) for c in consents] == [
        ("case_management", organisation, social_worker, timezone.localdate()),
        ("housing", organisation, social_worker, timezone.localdate()),
    ]
    entry = AuditEntry.objects.get()  # the consents are part of the registration
    assert (entry.action, entry.via, entry.actor, entry.target_id) == (
        "person_register",
        "job",
        social_worker,
        str(person.pk),
    )
    assert entry.fields == [
        "birth_date",
        "citizenship",
        "codice_fiscale",
        "consents",
        "family_name",
        "gender",
        "given_name",
        "registered_by",
        "residence_municipality",
        "violence_survivor",
    ]
    assert entry.details == {"purposes": ["case_management", "housing"]}


def test_register_without_code_or_consent_through_the_admin(organisation, social_worker, town):
    with via("admin"):
        person = person_register(
            **register_kwargs(
                social_worker,
                organisation,
                town,
                codice_fiscale="",
                birth_date=None,
                residence_municipality=None,
                homeless=True,
            )
        )
    assert (person.codice_fiscale, person.codice_fiscale_hash, person.homeless) == ("", None, True)
    assert not Consent.objects.exists()
    entry = AuditEntry.objects.get()
    assert (entry.via, entry.details) == ("admin", {"purposes": []})


def test_register_checks_the_code(organisation, social_worker, town):
    code = code_for("Verdi", "Lucia")
    wrong = code[:15] + ("A" if code[15] != "A" else "B")
    error = refused(
        person_register, **register_kwargs(social_worker, organisation, town, codice_fiscale=wrong)
    )
    assert on(error) == (["codice_fiscale"], INVALID)
    assert error.messages == [f"The check character is '{wrong[15]}' but should be '{code[15]}'."]
    error = refused(
        person_register,
        **register_kwargs(
            social_worker, organisation, town, birth_date=datetime.date(1985, 3, 15), gender="M"
        ),
    )
    assert on(error) == (["birth_date", "gender"], INVALID)


def test_one_record_per_code_whoever_registered_it(
    organisation, other_organisation, social_worker, town
):
    stranger = BeneficiaryFactory(
        registered_by=other_organisation,
        family_name="Nascosta",
        given_name="Teresa",
        birth_date=BORN,
        gender="F",
    )
    error = refused(
        person_register,
        **register_kwargs(
            social_worker,
            organisation,
            town,
            family_name="Nascosta",
            given_name="Teresa",
            codice_fiscale=stranger.codice_fiscale,
        ),
    )
    assert on(error) == (["codice_fiscale"], CONFLICT)
    assert "already registered" in error.messages[0]
    assert "Nascosta" not in error.messages[0] and other_organisation.name not in error.messages[0]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"residence_municipality": None}, "residence_municipality"),
        ({"birth_date": datetime.date(2999, 1, 1), "codice_fiscale": ""}, "birth_date"),
        ({"family_name": "  "}, "family_name"),
        ({"gender": "Q"}, "gender"),
        ({"citizenship": "Italia"}, "citizenship"),
        ({"consents": ["everything"]}, "consents"),
    ],
)
def test_register_refuses_bad_values(organisation, social_worker, town, changes, field):
    error = refused(
        person_register, **register_kwargs(social_worker, organisation, town, **changes)
    )
    assert on(error) == ([field], INVALID)


def test_register_for_an_organisation_the_user_is_not_in(
    organisation, other_organisation, social_worker, town
):
    error = refused(person_register, **register_kwargs(social_worker, other_organisation, town))
    assert on(error) == (["organisation"], FORBIDDEN)


def test_likely_matches_need_the_workers_confirmation(organisation, social_worker, town):
    BeneficiaryFactory(
        registered_by=organisation,
        family_name="Verdi",
        given_name="Luciana",
        birth_date=None,
        codice_fiscale="",
    )
    kwargs = register_kwargs(social_worker, organisation, town, codice_fiscale="")
    error = refused(person_register, **kwargs)
    assert on(error) == (["confirm_different"], CONFLICT)
    person = person_register(**kwargs, confirmed_different=True)
    assert Beneficiary.objects.count() == 2 and person.family_name == "Verdi"


def test_matches_the_user_cannot_see_do_not_count(
    organisation, other_organisation, social_worker, town
):
    BeneficiaryFactory(
        registered_by=other_organisation,
        family_name="Verdi",
        given_name="Lucia",
        birth_date=None,
        codice_fiscale="",
    )
    person_register(**register_kwargs(social_worker, organisation, town, codice_fiscale=""))
    assert Beneficiary.objects.count() == 2


# --- person_update ----------------------------------------------------------------------


@pytest.fixture
def person(organisation, town):
    return BeneficiaryFactory(
        registered_by=organisation,
        family_name="Verdi",
        given_name="Lucia",
        birth_date=BORN,
        gender="F",
        residence_municipality=town,
    )


@pytest.fixture
def case(person, organisation, social_worker):
    case = CaseFactory(beneficiary=person, organisation=organisation, lead_worker=social_worker)
    Case.objects.filter(pk=case.pk).update(last_activity_at=LONG_AGO)
    return case


def snapshot(person) -> tuple:
    person = Beneficiary.objects.get(pk=person.pk)
    return (
        person.version,
        person.codice_fiscale,
        person.birth_date,
        person.gender,
        person.residence_municipality_id,
        person.homeless,
        person.violence_survivor,
        AuditEntry.objects.count(),
    )


def update_refused(person, **kwargs) -> ActionError:
    before = snapshot(person)
    with pytest.raises(ActionError) as caught:
        person_update(person=person, **kwargs)
    assert snapshot(person) == before
    return caught.value


def test_update_changes_only_the_fields_given(case, person, social_worker):
    saved = person_update(
        acting_user=social_worker,
        person=person,
        version=1,
        residence_municipality=None,
        homeless=True,
        family_name="Verdi",
    )
    stored = Beneficiary.objects.get(pk=person.pk)
    assert (stored.homeless, stored.residence_municipality, stored.version) == (True, None, 2)
    assert (stored.given_name, stored.codice_fiscale) == ("Lucia", person.codice_fiscale)
    assert saved.version == 2
    entry = AuditEntry.objects.get()
    assert (entry.action, entry.via, entry.fields, entry.target_version) == (
        "person_update",
        "job",
        ["homeless", "residence_municipality"],
        2,
    )
    assert Case.objects.get(pk=case.pk).last_activity_at > LONG_AGO


def test_update_re_hashes_a_new_code(person, social_worker):
    born = datetime.date(1985, 3, 15)
    code = code_for("Verdi", "Lucia", born=born)
    person_update(
        acting_user=social_worker, person=person, version=1, codice_fiscale=code, birth_date=born
    )
    assert Beneficiary.objects.get(codice_fiscale_hash=codice_fiscale_lookup_hash(code)) == person
    assert AuditEntry.objects.get().fields == ["birth_date", "codice_fiscale"]


def test_update_refuses_a_stale_version(person, social_worker):
    person_update(acting_user=social_worker, person=person, version=1, citizenship="FR")
    error = update_refused(person, acting_user=social_worker, version=1, citizenship="ES")
    assert on(error) == (["version"], STALE)


def test_update_keeps_the_code_consistent(person, social_worker):
    error = update_refused(person, acting_user=social_worker, version=1, gender="M")
    assert on(error) == (["gender"], INVALID)
    error = update_refused(
        person, acting_user=social_worker, version=1, birth_date=datetime.date(1985, 3, 15)
    )
    assert on(error) == (["birth_date"], INVALID)
    error = update_refused(person, acting_user=social_worker, version=1, codice_fiscale="RSSMRA")
    assert on(error) == (["codice_fiscale"], INVALID)


def test_update_to_a_code_already_registered_is_a_conflict(
    person, social_worker, other_organisation
):
    twin = BeneficiaryFactory(
        registered_by=other_organisation,
        family_name="Verdi",
        given_name="Lucia",
        birth_date=datetime.date(1985, 3, 15),
        gender="F",
    )
    error = update_refused(
        person,
        acting_user=social_worker,
        version=1,
        codice_fiscale=twin.codice_fiscale,
        birth_date=twin.birth_date,
    )
    assert on(error) == (["codice_fiscale"], CONFLICT)


def test_update_keeps_residence_or_homeless(person, social_worker):
    error = update_refused(
        person, acting_user=social_worker, version=1, residence_municipality=None
    )
    assert on(error) == (["residence_municipality"], INVALID)


def test_update_by_someone_who_does_not_work_with_the_person(
    case, person, make_member, other_organisation, provider_staff, provider_organisation
):
    outsider = make_member(Role.SOCIAL_WORKER, organisation=other_organisation)
    error = update_refused(person, acting_user=outsider, version=1, homeless=True)
    assert on(error) == (["beneficiary"], FORBIDDEN)
    # Provider staff see a referred person (sharing consent in force) but never edit them.
    ReferralFactory(case=case, service__organisation=provider_organisation)
    assert Beneficiary.objects.visible_to(provider_staff).filter(pk=person.pk).exists()
    error = update_refused(person, acting_user=provider_staff, version=1, homeless=True)
    assert on(error) == (["beneficiary"], FORBIDDEN)


def test_special_categories_of_a_sealed_person_cannot_be_changed(
    person, organisation, other_organisation, make_member, social_worker
):
    """The person has a protected case at an anti-violence centre and an ordinary one
    here: the flags recorded there are not this organisation's to change."""
    centre_worker = make_member(Role.SOCIAL_WORKER, organisation=other_organisation)
    CaseFactory(
        beneficiary=person,
        organisation=other_organisation,
        lead_worker=centre_worker,
        protected=True,
    )
    CaseFactory(beneficiary=person, organisation=organisation, lead_worker=social_worker)
    error = update_refused(person, acting_user=social_worker, version=1, violence_survivor=True)
    assert on(error) == (["violence_survivor"], FORBIDDEN)
    person_update(acting_user=social_worker, person=person, version=1, homeless=True)
    assert Beneficiary.objects.get(pk=person.pk).homeless
    # The centre's own team may.
    person_update(acting_user=centre_worker, person=person, version=2, violence_survivor=True)
    assert Beneficiary.objects.get(pk=person.pk).violence_survivor


def test_update_of_an_unknown_field_is_a_programming_error(person, social_worker):
    with pytest.raises(TypeError):
        person_update(acting_user=social_worker, person=person, version=1, registered_by=None)
    assert not AuditEntry.objects.exists()
