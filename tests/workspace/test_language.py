"""Italian first, English on request: the same pages in both, switched by the menu."""

import pytest
from django.test import override_settings
from django.urls import clear_url_caches, reverse

pytestmark = pytest.mark.django_db


@pytest.fixture
def italian_by_default():
    """Italian as the default language, as in production (the tests run in English).

    URL reversal caches its language prefixes per language: cleared on the way in and out,
    so that no other test sees this one's "/en/" prefix."""
    with override_settings(LANGUAGE_CODE="it"):
        clear_url_caches()
        yield
    clear_url_caches()


@pytest.mark.usefixtures("italian_by_default")
def test_pages_speak_italian_by_default(login, social_worker, case):
    client = login(social_worker)
    home = client.get("/workspace/").content.decode()
    assert '<html lang="it">' in home
    assert "Salta al contenuto" in home
    page = client.get(f"/workspace/cases/{case.pk}/").content.decode()
    assert "Bisogni" in page


@pytest.mark.usefixtures("italian_by_default")
def test_the_menu_switches_to_english_on_the_same_page(login, social_worker, case):
    client = login(social_worker)
    path = f"/workspace/cases/{case.pk}/"
    response = client.post(reverse("set_language"), {"language": "en", "next": path})
    assert response.status_code == 302
    assert response["Location"] == f"/en{path}"
    english = client.get(response["Location"]).content.decode()
    assert '<html lang="en">' in english
    assert "Needs" in english and "Skip to content" in english
    # The menu sends the page's path without its prefix, which set_language can translate.
    assert f'name="next" value="{path}"' in english
    response = client.post(reverse("set_language"), {"language": "it", "next": path})
    assert response["Location"] == path


def test_a_logged_in_worker_is_not_asked_to_log_in_again(login, social_worker):
    response = login(social_worker).get("/workspace/login/")
    assert response.status_code == 302
    assert response["Location"] == "/workspace/"
