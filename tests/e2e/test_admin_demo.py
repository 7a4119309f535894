"""The demo logins printed by `make run` work in a browser, and each role sees its share."""

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from beneficiaries.models import Beneficiary, Case
from tests.e2e.pages import browser_login

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "atlante-demo"


@pytest.fixture
def demo(reference_data):
    call_command("load_territory", metro=["roma"], verbosity=0)
    call_command(
        "seed_demo",
        metro="roma",
        scale="small",
        seed=1,
        verbosity=0,
        i_know_this_is_not_production=True,  # tests run with DEBUG off
    )


def log_in(browser, live_server, username: str) -> None:
    """The admin's login form, then the second factor (enrolment at the first login)."""
    browser_login(browser, live_server, username, PASSWORD, login_path="/admin/login/")


def test_social_worker_logs_in_and_sees_only_the_cases_of_the_team(
    demo, browser, live_server, screenshot
):
    log_in(browser, live_server, "demo-social-worker")
    worker = get_user_model().objects.get(username="demo-social-worker")
    assert worker.first_name.upper() in browser.find_element(By.ID, "user-tools").text.upper()
    browser.get(f"{live_server.url}/admin/beneficiaries/case/")
    screenshot("cases")
    expected = Case.objects.visible_to(worker).count()
    assert 0 < expected < Case.objects.count()
    rows = browser.find_elements(By.CSS_SELECTOR, "#result_list tbody tr")
    assert len(rows) == min(expected, 100)
    paginator = browser.find_element(By.CSS_SELECTOR, ".paginator").text
    assert str(expected) in paginator


def test_official_logs_in_and_sees_no_personal_data(demo, browser, live_server, screenshot):
    log_in(browser, live_server, "demo-official")
    # The admin home of an official is the dashboard of their metropolitan city: figures,
    # never a person.
    WebDriverWait(browser, 10).until(
        lambda driver: driver.find_elements(By.CSS_SELECTOR, "ul.dashboard-headline li")
    )
    screenshot("index")
    assert "Roma" in browser.find_element(By.TAG_NAME, "h1").text
    assert not browser.find_elements(By.CSS_SELECTOR, "a[href$='/beneficiaries/beneficiary/']")
    source = browser.page_source
    people = Beneficiary.objects.values_list("given_name", "family_name", "codice_fiscale")
    assert people.exists()
    for given_name, family_name, codice_fiscale in people:
        assert not codice_fiscale or codice_fiscale not in source
        assert f"{given_name} {family_name}" not in source
        assert f"{family_name}, {given_name}" not in source
    browser.get(f"{live_server.url}/admin/beneficiaries/beneficiary/")
    assert "403 Forbidden" in browser.page_source


def test_administrator_is_no_superuser_and_opens_accounts_but_no_person(
    demo, browser, live_server, screenshot
):
    administrator = get_user_model().objects.get(username="demo-admin")
    assert administrator.is_superuser is False
    log_in(browser, live_server, "demo-admin")
    WebDriverWait(browser, 10).until(lambda driver: driver.find_elements(By.ID, "user-tools"))
    browser.get(f"{live_server.url}/admin/services/membership/")
    screenshot("memberships")
    assert browser.find_elements(By.CSS_SELECTOR, "#result_list tbody tr")
    # The list offers the membership actions, and no way to set a password or a group.
    actions = browser.find_element(By.NAME, "action").text
    assert "Deactivate the selected memberships" in actions
    browser.get(f"{live_server.url}/admin/auth/user/{administrator.pk}/change/")
    assert not browser.find_elements(By.NAME, "is_superuser")
    assert not browser.find_elements(By.NAME, "groups")
    assert not browser.find_elements(By.CSS_SELECTOR, "a[href$='password/']")
    browser.get(f"{live_server.url}/admin/beneficiaries/beneficiary/")
    assert "403 Forbidden" in browser.page_source
