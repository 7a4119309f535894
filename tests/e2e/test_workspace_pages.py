"""The workspace pages in a real browser: what each person sees, and axe-core finds no
serious or critical accessibility violation."""

import pytest
from selenium.webdriver.common.by import By

from services.models import Role
from tests.e2e.axe import assert_accessible
from tests.factories import BeneficiaryFactory, CaseFactory, MembershipFactory, NeedFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def worker(reference_data):
    membership = MembershipFactory(
        role=Role.SOCIAL_WORKER, user__first_name="Giulia", user__last_name="Neri"
    )
    return membership.user, membership.organisation


def log_in(browser, live_server, user) -> None:
    browser.get(f"{live_server.url}/workspace/login/")
    assert_accessible(browser)
    browser.find_element(By.NAME, "username").send_keys(user.username)
    browser.find_element(By.NAME, "password").send_keys("password")
    browser.find_element(By.CSS_SELECTOR, "main button[type=submit]").click()


def test_login_caseload_and_case_page(worker, browser, live_server, screenshot):
    user, organisation = worker
    person = BeneficiaryFactory(registered_by=organisation, given_name="Anna", family_name="Rossi")
    case = CaseFactory(beneficiary=person, lead_worker=user)
    NeedFactory(case=case, domain="housing", severity=3)
    log_in(browser, live_server, user)
    assert browser.find_element(By.TAG_NAME, "h1").text == "Home"
    assert "Rossi Anna" in browser.find_element(By.ID, "caseload").text
    screenshot("home")
    assert_accessible(browser)
    browser.find_element(By.LINK_TEXT, "Rossi Anna").click()
    assert "Rossi Anna" in browser.find_element(By.TAG_NAME, "h1").text
    assert "housing" in browser.find_element(By.ID, "needs-title").find_element(By.XPATH, "..").text
    screenshot("case")
    assert_accessible(browser)
