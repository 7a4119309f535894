"""The admin finds a person by codice fiscale with a POST, never in a URL
(beneficiaries/person_find.py): scoped, counted, throttled and recorded."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from security.models import SecurityEvent
from services.models import Role
from services.roles import grant_role_group
from tests.auth import verified_login
from tests.factories import BeneficiaryFactory

pytestmark = pytest.mark.django_db

FIND = reverse("admin:beneficiaries_beneficiary_find")
LIST = reverse("admin:beneficiaries_beneficiary_changelist")


@pytest.fixture(autouse=True)
def fresh_lookup_counts():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def worker(social_worker) -> Client:
    grant_role_group(social_worker, Role.SOCIAL_WORKER)
    client = Client()
    verified_login(client, social_worker)
    return client


def test_the_list_offers_a_post_form_and_its_search_takes_no_codice_fiscale(worker, organisation):
    person = BeneficiaryFactory(registered_by=organisation)
    page = worker.get(LIST).content.decode()
    assert f'<form method="post" action="{FIND}"' in page
    response = worker.get(LIST, {"q": person.codice_fiscale})
    assert response.context["cl"].result_count == 0
    assert "a codice fiscale in the form below" in response.content.decode()


def test_a_code_leads_to_the_persons_page_by_id(worker, organisation, social_worker):
    person = BeneficiaryFactory(registered_by=organisation)
    response = worker.post(FIND, {"find_codice_fiscale": person.codice_fiscale.lower()})
    assert response.status_code == 302
    assert response["Location"] == reverse(
        "admin:beneficiaries_beneficiary_change", args=[person.pk]
    )
    assert person.codice_fiscale not in response["Location"]
    event = SecurityEvent.objects.get(kind="cf_lookup")
    assert (event.user, event.details) == (social_worker, {"via": "admin-find", "found": "shown"})


def test_another_organisations_person_is_not_found(worker, other_organisation):
    stranger = BeneficiaryFactory(registered_by=other_organisation)
    response = worker.post(FIND, {"find_codice_fiscale": stranger.codice_fiscale}, follow=True)
    assert response.redirect_chain == [(LIST, 302)]
    page = response.content.decode()
    assert "No person you can see has this codice fiscale." in page
    assert stranger.codice_fiscale not in page and str(stranger.pk) not in page
    assert SecurityEvent.objects.get(kind="cf_lookup").details["found"] == "not_found"


def test_a_wrong_code_is_explained(worker):
    response = worker.post(FIND, {"find_codice_fiscale": "RSSMRA80A01"}, follow=True)
    assert response.redirect_chain == [(LIST, 302)]
    assert "16" in response.content.decode()  # the length it should have
    assert not SecurityEvent.objects.filter(kind="cf_lookup").exists()


def test_only_post_and_only_for_who_may_list_people(worker, make_member, organisation):
    person = BeneficiaryFactory(registered_by=organisation)
    assert worker.get(FIND, {"find_codice_fiscale": person.codice_fiscale}).status_code == 405
    admin = make_member(Role.ADMINISTRATOR)
    grant_role_group(admin, Role.ADMINISTRATOR)
    client = Client()
    verified_login(client, admin)
    assert client.post(FIND, {"find_codice_fiscale": person.codice_fiscale}).status_code == 403


def test_the_31st_check_in_an_hour_is_refused(worker, organisation, settings):
    settings.CF_LOOKUP_RATE = 30
    person = BeneficiaryFactory(registered_by=organisation)
    for _ in range(30):
        assert worker.post(FIND, {"find_codice_fiscale": person.codice_fiscale}).status_code == 302
    response = worker.post(FIND, {"find_codice_fiscale": person.codice_fiscale}, follow=True)
    assert response.redirect_chain == [(LIST, 302)]
    assert "You have checked 30 codici fiscali in the last hour" in response.content.decode()
    assert SecurityEvent.objects.filter(kind="cf_lookup", details__found="refused").count() == 1
