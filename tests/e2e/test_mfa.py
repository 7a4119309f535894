"""The second factor in a real headless Chromium, as a social worker meets it: the first
login asks to set up an authenticator app (QR code and the key as text), the code from it
confirms, ten recovery codes are shown once; the next logins ask the code, refuse a wrong
one with a message, and take a recovery code once. Lifting a case's protection asks the
password and code again."""

import base64
import time
from importlib import import_module

import pytest
from django.conf import settings
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import WebDriverWait

from beneficiaries.models import Case
from security.reauth import SESSION_KEY as REAUTH_AT
from services.models import Role
from tests.auth import current_code
from tests.e2e.pages import (
    PASSWORD,
    browser_login,
    check_page,
    fill,
    heading,
    log_in,
    log_out,
    main_text,
)
from tests.factories import BeneficiaryFactory, CaseFactory, MembershipFactory

pytestmark = pytest.mark.django_db(transaction=True)

SessionStore = import_module(settings.SESSION_ENGINE).SessionStore


@pytest.fixture
def worker(reference_data):
    membership = MembershipFactory(
        role=Role.SOCIAL_WORKER,
        user__username="giulia",
        user__first_name="Giulia",
        user__last_name="Neri",
    )
    return membership.user


def no_console_problem(browser, label: str) -> None:
    """No CSP violation or script error on the page (the favicon's 404 aside)."""
    found = [
        entry["message"]
        for entry in browser.get_log("browser")
        if entry["level"] in ("SEVERE", "WARNING") and "favicon" not in entry["message"]
    ]
    assert not found, f"{label}: {found}"


def shows(browser, text: str) -> None:
    """Wait for the answer to the last submit to say ``text`` (the old page may linger)."""

    def said(driver) -> bool:
        try:
            return text in main_text(driver)
        except StaleElementReferenceException:
            return False

    WebDriverWait(browser, 10).until(said)


def submit(browser) -> None:
    browser.find_element(By.CSS_SELECTOR, "main button[type=submit]").click()


def password_step(browser, live_server, username: str) -> None:
    browser.get(f"{live_server.url}/workspace/login/")
    fill(browser, "username", username)
    fill(browser, "password", PASSWORD)
    submit(browser)


def test_enrolment_then_code_then_recovery_code(worker, browser, live_server, screenshot):
    # First login: the password opens nothing but the enrolment page.
    password_step(browser, live_server, "giulia")
    heading(browser, "Set up your second factor")
    qr = browser.find_element(By.CSS_SELECTOR, "img.qr-code")
    assert qr.get_attribute("src").startswith("data:image/svg+xml;base64,")
    assert browser.execute_script("return arguments[0].naturalWidth", qr) > 0  # it renders
    check_page(browser, screenshot, "mfa-enrol")
    no_console_problem(browser, "enrolment")
    browser.get(f"{live_server.url}/workspace/")
    heading(browser, "Set up your second factor")  # still nothing else

    # The person types the key shown as text into their app, and the app's code here.
    secret = browser.find_element(By.ID, "mfa-secret").text.replace(" ", "")
    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    fill(browser, "otp_token", "123")
    submit(browser)
    shows(browser, "The code is wrong or has expired")
    device = TOTPDevice.objects.get(user=worker)
    device.throttle_reset()  # the one wrong try above would make the next one wait 1 s
    fill(browser, "otp_token", f"{TOTP(key).token():06d}")
    submit(browser)
    heading(browser, "Your recovery codes")
    codes = [
        element.text for element in browser.find_elements(By.CSS_SELECTOR, "#recovery-codes code")
    ]
    assert len(codes) == 10
    check_page(browser, screenshot, "mfa-recovery-codes")
    no_console_problem(browser, "recovery codes")
    browser.find_element(By.ID, "mfa-continue").click()
    heading(browser, "Home")
    log_out(browser)

    # Next login: the code step; a wrong code is refused with a message.
    password_step(browser, live_server, "giulia")
    heading(browser, "Enter your code")
    check_page(browser, screenshot, "mfa-verify")
    no_console_problem(browser, "code step")
    device.refresh_from_db()
    right = current_code(device)
    fill(browser, "otp_token", f"{(int(right) + 1) % 1_000_000:06d}")
    submit(browser)
    heading(browser, "Enter your code")
    shows(browser, "The code is wrong or has expired")
    device.refresh_from_db()
    device.throttle_reset()
    fill(browser, "otp_token", right)
    submit(browser)
    heading(browser, "Home")
    log_out(browser)

    # A recovery code opens once.
    password_step(browser, live_server, "giulia")
    heading(browser, "Enter your code")
    fill(browser, "otp_token", codes[0])
    submit(browser)
    heading(browser, "Home")
    shows(browser, "9 recovery codes are left")
    log_out(browser)
    password_step(browser, live_server, "giulia")
    heading(browser, "Enter your code")
    fill(browser, "otp_token", codes[0])
    submit(browser)
    heading(browser, "Enter your code")
    shows(browser, "This recovery code is wrong or has already been used.")


def test_lifting_a_protection_asks_the_password_and_code_again(
    worker, browser, live_server, screenshot
):
    person = BeneficiaryFactory(given_name="Anna", family_name="Rossi")
    case = CaseFactory(
        beneficiary=person,
        organisation=worker.memberships.get().organisation,
        lead_worker=worker,
        protected=True,
    )
    log_in(browser, live_server, "giulia")  # enrols at this first login
    # The login's proof holds for REAUTH_MAX_AGE seconds: let them pass.
    session = SessionStore(browser.get_cookie(settings.SESSION_COOKIE_NAME)["value"])
    session[REAUTH_AT] = time.time() - settings.REAUTH_MAX_AGE - 1
    session.save()
    browser.get(f"{live_server.url}/workspace/cases/{case.pk}/edit/")
    protected = browser.find_element(By.NAME, "protected")
    assert protected.is_selected()
    protected.click()
    # The case form's save button.
    browser.find_element(By.CSS_SELECTOR, "main form button[type=submit]").click()
    heading(browser, "Confirm your identity")
    check_page(browser, screenshot, "reauth")
    no_console_problem(browser, "re-authentication")
    assert Case.objects.get(pk=case.pk).protected
    fill(browser, "password", PASSWORD)
    fill(browser, "otp_token", current_code(TOTPDevice.objects.get(user=worker)))
    submit(browser)
    # Back on the form, the user saves again: now it is done.
    WebDriverWait(browser, 10).until(lambda driver: "/edit/" in driver.current_url)
    protected = browser.find_element(By.NAME, "protected")
    if protected.is_selected():
        protected.click()
    save = browser.find_element(By.CSS_SELECTOR, "main form button[type=submit]")
    save.click()
    # The edit page has the same heading: wait until it has gone, then read the case page.
    WebDriverWait(browser, 10).until(expected_conditions.staleness_of(save))
    heading(browser, "Rossi Anna")
    assert not Case.objects.get(pk=case.pk).protected


def test_browser_login_helper_passes_both_steps(worker, browser, live_server):
    """The helper other browser tests use: enrolment the first time, the code after."""
    browser_login(browser, live_server, "giulia", PASSWORD)
    heading(browser, "Home")
    log_out(browser)
    browser_login(browser, live_server, "giulia", PASSWORD)
    heading(browser, "Home")
