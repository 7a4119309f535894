"""The workspace pages in a real browser: what each person sees, and axe-core finds no
serious or critical accessibility violation."""

import pytest
from django.test import override_settings
from django.urls import clear_url_caches
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select

from beneficiaries.models import Case
from services.models import Role
from tests.e2e.axe import assert_accessible
from tests.e2e.pages import click_fresh, heading, log_in, log_out
from tests.factories import (
    BeneficiaryFactory,
    CapacityFactory,
    CaseFactory,
    GoalFactory,
    HousingUnitFactory,
    MembershipFactory,
    NeedFactory,
    OpeningHoursFactory,
    OrganisationFactory,
    PlacementFactory,
    ReferralFactory,
)

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def worker(reference_data):
    membership = MembershipFactory(
        role=Role.SOCIAL_WORKER, user__first_name="Giulia", user__last_name="Neri"
    )
    return membership.user, membership.organisation


def test_login_caseload_and_case_page(worker, browser, live_server, screenshot):
    user, organisation = worker
    person = BeneficiaryFactory(registered_by=organisation, given_name="Anna", family_name="Rossi")
    case = CaseFactory(beneficiary=person, lead_worker=user)
    NeedFactory(case=case, domain="housing", severity=3)
    browser.get(f"{live_server.url}/workspace/login/")
    screenshot("login")
    assert_accessible(browser)
    log_in(browser, live_server, user.username)
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
    log_in(browser, live_server, user.username)
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


@pytest.fixture
def casework(worker):
    """A case with a need, a goal, a referral to a provider and a placement, and the
    provider's staff member with a site, its capacity and opening hours."""
    user, organisation = worker
    person = BeneficiaryFactory(registered_by=organisation, given_name="Anna", family_name="Rossi")
    case = CaseFactory(beneficiary=person, lead_worker=user)
    NeedFactory(case=case, domain="housing", severity=3)
    GoalFactory(case=case, description="Un alloggio stabile entro sei mesi")
    provider = OrganisationFactory(name="Cooperativa Casa Aperta")
    staff = MembershipFactory(organisation=provider, role=Role.PROVIDER_STAFF).user
    capacity = CapacityFactory(
        offering__service__organisation=provider, offering__service__name="Dormitorio"
    )
    OpeningHoursFactory(offering=capacity.offering)
    ReferralFactory(case=case, service=capacity.offering.service)
    placement = PlacementFactory(case=case, unit=HousingUnitFactory(owner=organisation))
    return {"user": user, "case": case, "staff": staff, "placement": placement}


def test_every_other_page_is_accessible(casework, browser, live_server, screenshot):
    """The pages the day's-work flow does not pass through, each checked by axe-core."""
    case, base = casework["case"], live_server.url
    log_in(browser, live_server, casework["user"].username)
    pages = {
        "person": f"/workspace/people/{case.beneficiary_id}/",
        "case-edit": f"/workspace/cases/{case.pk}/edit/",
        "goal-new": f"/workspace/cases/{case.pk}/goals/new/",
        "placement-end": f"/workspace/placements/{casework['placement'].pk}/end/",
    }
    for label, path in pages.items():
        browser.get(base + path)
        assert "Rossi Anna" in browser.find_element(By.TAG_NAME, "h1").text, label
        screenshot(label)
        assert_accessible(browser)
    # The conflict page: a colleague saves the case while this edit form is open.
    browser.get(f"{base}/workspace/cases/{case.pk}/edit/")
    colleague = Case.objects.get(pk=case.pk)
    colleague.plan_summary = "Piano scritto dalla collega."
    colleague.save()
    browser.find_element(By.NAME, "plan_summary").send_keys("Il mio piano.")
    browser.find_element(By.XPATH, "//main//button[normalize-space()='Save the case']").click()
    conflict = browser.find_element(By.CSS_SELECTOR, ".conflict").text
    assert "Piano scritto dalla collega." in conflict and "Il mio piano." in conflict
    screenshot("conflict")
    assert_accessible(browser)
    # The provider's pages.
    log_out(browser)
    log_in(browser, live_server, casework["staff"].username)
    for label, path in {
        "incoming": "/workspace/referrals/incoming/",
        "provider": "/workspace/provider/",
    }.items():
        browser.get(base + path)
        assert browser.find_element(By.TAG_NAME, "h1").text, label
        screenshot(label)
        assert_accessible(browser)
    assert "Dormitorio" in browser.find_element(By.ID, "main").text


@pytest.fixture
def italian_by_default():
    """Italian as the default language, as in production (the suite runs in English); URL
    reversal caches its language prefixes, so they are cleared on the way in and out."""
    with override_settings(LANGUAGE_CODE="it"):
        clear_url_caches()
        yield
    clear_url_caches()


@pytest.mark.usefixtures("italian_by_default")
def test_italian_first_and_english_on_request(casework, browser, live_server, screenshot):
    case = casework["case"]
    log_in(browser, live_server, casework["user"].username, heading_text="Home")
    browser.get(f"{live_server.url}/workspace/cases/{case.pk}/")
    page = browser.find_element(By.ID, "main").text
    assert browser.find_element(By.TAG_NAME, "html").get_attribute("lang") == "it"
    assert "Bisogni" in page and "Progetto personalizzato" in page
    screenshot("case-italian")
    assert_accessible(browser)
    Select(browser.find_element(By.NAME, "language")).select_by_value("en")
    click_fresh(browser, By.XPATH, "//header//button[normalize-space()='Cambia']")
    heading(browser, "Rossi Anna")
    assert browser.current_url.endswith(f"/en/workspace/cases/{case.pk}/")
    assert "Needs" in browser.find_element(By.ID, "main").text
