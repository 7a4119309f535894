"""The workspace pages in a real browser: what each person sees, and axe-core finds no
serious or critical accessibility violation."""

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

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


def tab_to(browser, predicate: str, limit: int = 60):
    """Press Tab until the focused element matches the JavaScript ``predicate``."""
    for _ in range(limit):
        browser.switch_to.active_element.send_keys(Keys.TAB)
        if browser.execute_script(f"const el = document.activeElement; return {predicate};"):
            return browser.switch_to.active_element
    raise AssertionError(f"never reached by Tab: {predicate}")


def test_keyboard_only_skip_link_and_a_note(worker, browser, live_server, screenshot):
    user, organisation = worker
    person = BeneficiaryFactory(registered_by=organisation, given_name="Anna", family_name="Rossi")
    case = CaseFactory(beneficiary=person, lead_worker=user)
    log_in(browser, live_server, user)
    browser.get(f"{live_server.url}/workspace/cases/{case.pk}/")
    # The first Tab reaches the skip link, visibly; Enter moves the focus to the content.
    browser.find_element(By.TAG_NAME, "body").send_keys(Keys.TAB)
    skip = browser.switch_to.active_element
    assert skip.text == "Skip to content"
    assert skip.value_of_css_property("outline-style") != "none"
    skip.send_keys(Keys.ENTER)
    assert browser.execute_script("return document.activeElement.id") == "main"
    # A note written and saved without the mouse.
    note = tab_to(browser, "el.id === 'note-body'")
    assert note.value_of_css_property("outline-style") != "none"
    note.send_keys("Telefonata con la sorella: disponibile a ospitarla.")
    button = tab_to(browser, "el.tagName === 'BUTTON' && el.textContent.trim() === 'Add note'")
    button.send_keys(Keys.ENTER)
    notes = browser.find_element(By.ID, "notes-title").find_element(By.XPATH, "..")
    assert "Telefonata con la sorella" in notes.text
    assert "Note added." in browser.find_element(By.CSS_SELECTOR, ".messages").text
    screenshot("note-by-keyboard")
