"""What the workspace's browser tests do on every page: wait for it, fill it, check it."""

from selenium.common.exceptions import (
    NoSuchElementException,
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
        except (NoSuchElementException, StaleElementReferenceException):
            return False
        return text if expected in text else False

    return WebDriverWait(browser, 10).until(shown)


def message(browser, expected: str) -> None:
    """Wait for the confirmation the next page shows after a save."""
    WebDriverWait(browser, 10).until(
        lambda driver: any(
            expected in element.text
            for element in driver.find_elements(By.CSS_SELECTOR, ".message")
        )
    )


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


def log_in(browser, live_server, username: str, *, heading_text: str = "Home") -> None:
    """Log in through the form (its button is the page's only one in <main>)."""
    browser.get(f"{live_server.url}/workspace/login/")
    fill(browser, "username", username)
    fill(browser, "password", PASSWORD)
    browser.find_element(By.CSS_SELECTOR, "main button[type=submit]").click()
    heading(browser, heading_text)


def log_out(browser) -> None:
    browser.find_element(By.XPATH, "//header//button[normalize-space()='Log out']").click()
    heading(browser, "Log in")
