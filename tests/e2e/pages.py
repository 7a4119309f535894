"""What the workspace's browser tests do on every page: wait for it, fill it, check it."""

import base64

from selenium.common.exceptions import (
    StaleElementReferenceException,
    WebDriverException,
)
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait

from tests.e2e.axe import assert_accessible

PASSWORD = "password"


def main_text(browser) -> str:
    return browser.find_element(By.ID, "main").text


def check_page(browser, screenshot, label: str) -> None:
    """Every main page: a screenshot, no serious accessibility violation, no sideways
    scrolling on the tablet."""
    screenshot(label)
    assert_accessible(browser)
    overflow = browser.execute_script(
        "return document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"{label}: {overflow} px wider than the screen"


def fill(browser, name: str, value: str, within=None) -> None:
    element = (within or browser).find_element(By.NAME, name)
    if element.get_attribute("type") == "date":
        browser.execute_script("arguments[0].value = arguments[1]", element, value)
    else:
        element.clear()
        element.send_keys(value)


def choose(browser, name: str, text: str) -> None:
    Select(browser.find_element(By.NAME, name)).select_by_visible_text(text)


def heading(browser, expected: str) -> str:
    """Wait for the page whose <h1> says ``expected`` (a click's page load may lag)."""

    def shown(driver):
        try:
            text = driver.find_element(By.TAG_NAME, "h1").text
        except WebDriverException:
            # No heading yet, or the old page went away while it was read (Chromium may
            # say so as a stale element or as a node no longer in the document).
            return False
        return text if expected in text else False

    return WebDriverWait(browser, 10).until(shown)


def message(browser, expected: str) -> None:
    """Wait for the confirmation the next page shows after a save."""

    def shown(driver) -> bool:
        try:
            return any(
                expected in element.text
                for element in driver.find_elements(By.CSS_SELECTOR, ".message")
            )
        except WebDriverException:
            return False  # the old page went away while it was read: look again

    WebDriverWait(browser, 10).until(shown)


def settled(browser) -> None:
    """Wait until htmx has swapped in what it asked for (pages also work without it)."""
    WebDriverWait(browser, 10).until(
        lambda driver: driver.execute_script(
            "return !document.querySelector('.htmx-request, .htmx-settling, .htmx-swapping')"
        )
    )


def click_fresh(browser, by: str, selector: str) -> None:
    """Find the element and click it, finding it again if the page replaced it between the
    two (Chromium then answers "Node with given id does not belong to the document")."""

    def clicked(driver) -> bool:
        try:
            driver.find_element(by, selector).click()
        except (StaleElementReferenceException, WebDriverException):
            return False
        return True

    WebDriverWait(browser, 10).until(clicked)


def click_button(browser, text: str) -> None:
    browser.find_element(By.XPATH, f"//main//button[normalize-space()='{text}']").click()


def click_button_to_next_page(browser, text: str) -> None:
    """Click a button that loads another page (a plain form post), and wait until the
    page it was on is gone, so that what follows reads the new page, not the old one."""
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.ui import WebDriverWait

    button = browser.find_element(By.XPATH, f"//main//button[normalize-space()='{text}']")
    button.click()
    WebDriverWait(browser, 10).until(expected_conditions.staleness_of(button))


def browser_login(
    browser, live_server, username: str, password: str, *, login_path: str = "/workspace/login/"
) -> None:
    """Sign in as a person does: the password step, then the second factor. With a
    confirmed authenticator the code is computed from its key (what the phone shows);
    without one the enrolment page is gone through: its secret read as text, a code from
    it confirmed, the recovery codes shown once and left."""
    from django.contrib.auth import get_user_model
    from django_otp.oath import TOTP
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from tests.auth import current_code

    browser.get(f"{live_server.url}{login_path}")
    fill(browser, "username", username)
    fill(browser, "password", password)
    # The workspace's login form, or the admin's (``login_path="/admin/login/"``).
    browser.find_element(
        By.CSS_SELECTOR, "main button[type=submit], #login-form input[type=submit]"
    ).click()
    WebDriverWait(browser, 10).until(
        lambda driver: (
            driver.find_elements(By.NAME, "otp_token")
            or not driver.find_elements(By.NAME, "password")
        )
    )
    if not browser.find_elements(By.NAME, "otp_token"):
        return  # No second factor asked (an official who has not enrolled).
    enrolling = bool(browser.find_elements(By.ID, "mfa-secret"))
    if enrolling:
        # What a person types into the app: the secret shown as text.
        secret = browser.find_element(By.ID, "mfa-secret").text.replace(" ", "")
        key = base64.b32decode(secret + "=" * (-len(secret) % 8))
        code = f"{TOTP(key).token():06d}"
    else:
        user = get_user_model().objects.get(username=username)
        device = TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()
        code = current_code(device)
    fill(browser, "otp_token", code)
    browser.find_element(By.CSS_SELECTOR, "main button[type=submit]").click()
    if enrolling:
        WebDriverWait(browser, 10).until(lambda driver: driver.find_elements(By.ID, "mfa-continue"))
        browser.find_element(By.ID, "mfa-continue").click()
    WebDriverWait(browser, 10).until(lambda driver: not driver.find_elements(By.NAME, "otp_token"))


def log_in(browser, live_server, username: str, *, heading_text: str = "Home") -> None:
    """Log in through the forms (each one's button is the page's only one in <main>)."""
    browser_login(browser, live_server, username, PASSWORD)
    heading(browser, heading_text)


def log_out(browser) -> None:
    browser.find_element(By.XPATH, "//header//button[normalize-space()='Log out']").click()
    heading(browser, "Log in")
