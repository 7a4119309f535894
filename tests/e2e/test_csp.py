"""The Content-Security-Policy in a real headless Chromium (issue 13, item 1).

Every main page — workspace, admin, the officials' dashboard with its map and charts, the
API documentation — loads under the policy with no violation reported and no script error
in the browser's console; and a zone named like an XSS payload stays text in the map's
tooltip: nothing runs, nothing is parsed as HTML.

The browser is logged in with a session made by Django's test client (the second factor,
when a role needs one, is marked verified by tests.auth.verified_login): the login forms
are not what these tests are about, and each is visited on its own, logged out.
"""

import pytest
from django.conf import settings
from django.test import Client
from selenium.common.exceptions import TimeoutException
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from registry.models import ZoneKind
from services.models import Role
from services.roles import grant_role_group
from tests.dashboards.page_fixture import member
from tests.e2e.dashboard_fixture import SHELTER, build_first_city
from tests.factories import (
    BeneficiaryFactory,
    CapacityFactory,
    CaseFactory,
    MembershipFactory,
    NeedFactory,
    OpeningHoursFactory,
    ReferralFactory,
)

pytestmark = pytest.mark.django_db(transaction=True)

WAIT = 15
ZONE_PAYLOAD = "<img src=x onerror=\"document.title='pwned'\">"
TOWN_PAYLOAD = "<b>bold</b>"

# What Chromium writes to the console when the policy blocks something.
VIOLATION_MARKERS = ("Content Security Policy", "Content-Security-Policy", "Refused to")


def session_for(user) -> str:
    """A logged-in session's key, second factor verified where the project has one."""
    client = Client()
    try:
        from tests.auth import verified_login
    except ImportError:  # before the second factor exists
        client.force_login(user)
    else:
        verified_login(client, user)
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def log_in_as(browser, live_server, user) -> None:
    browser.delete_all_cookies()
    # A cookie is set on the page's own origin: first any page of the server.
    browser.get(f"{live_server.url}/static/workspace/workspace.css")
    browser.add_cookie(
        {"name": settings.SESSION_COOKIE_NAME, "value": session_for(user), "path": "/"}
    )
    console(browser)  # drop what that page logged


def console(browser) -> list[dict]:
    """The console's entries since the last call (Chromium hands each one out once)."""
    return browser.get_log("browser")


def problems(entries: list[dict], known: tuple[str, ...] = ()) -> list[str]:
    """CSP violations at any level, and every error but a missing favicon and the ``known``
    ones (a part of their message)."""
    found = []
    for entry in entries:
        text = entry.get("message", "")
        if any(part in text for part in known):
            continue
        violation = any(marker in text for marker in VIOLATION_MARKERS)
        error = entry.get("level") == "SEVERE" and "favicon.ico" not in text
        if violation or error:
            found.append(text)
    return found


def wait_for(browser, css: str, label: str):
    try:
        return WebDriverWait(browser, WAIT).until(lambda d: d.find_element(By.CSS_SELECTOR, css))
    except TimeoutException:
        pytest.fail(f"{label}: no {css}; console: {console(browser)}")


def visit(browser, live_server, path: str, ready: str, label: str, known=()) -> None:
    """Open the page, wait for what shows it works (``ready``: a CSS selector), let its
    scripts finish, and fail on any violation or error the console reports."""
    browser.get(f"{live_server.url}{path}")
    wait_for(browser, ready, label)
    WebDriverWait(browser, WAIT).until(
        lambda d: d.execute_script("return document.readyState") == "complete"
    )
    # A policy violation is reported asynchronously; a round trip lets it reach the log.
    browser.execute_script("return new Promise((done) => setTimeout(done, 300))")
    found = problems(console(browser), known)
    assert not found, f"{label} ({path}): {found}"


def header_policy(browser, live_server) -> None:
    """The page really ran under the policy (the header reached the browser): an inline
    script injected now is refused and reported."""
    browser.execute_script(
        "const s = document.createElement('script');"
        "s.textContent = 'window.atlanteInline = true';"
        "document.body.appendChild(s);"
    )
    assert browser.execute_script("return window.atlanteInline === undefined")
    entries = console(browser)
    assert any("Content Security Policy" in e["message"] for e in entries), entries


# --- Pages -----------------------------------------------------------------------------------


def test_login_pages_and_api_docs_report_no_violation(reference_data, browser, live_server):
    visit(browser, live_server, "/workspace/login/", "main form input[name=password]", "login")
    header_policy(browser, live_server)
    visit(browser, live_server, "/admin/login/", "#login-form", "admin login")
    visit(browser, live_server, "/api/v1/docs/", "#swagger-ui .info .title", "Swagger UI")
    # Redoc's bundle always asks the vendor's CDN for its logo: refused, as it should be.
    visit(
        browser,
        live_server,
        "/api/v1/redoc/",
        "#redoc-container .api-info h1",
        "Redoc",
        known=("Loading the image 'https://cdn.redoc.ly/redoc/logo-mini.svg'",),
    )
    # Its search (a worker of its own) works on that page.
    search = wait_for(browser, "#redoc-container input[role=search], .search-input", "search")
    search.send_keys("organis")
    wait_for(browser, "[data-role='search:results'] li", "results")
    assert not problems(console(browser))


def test_workspace_pages_report_no_violation(reference_data, browser, live_server):
    membership = MembershipFactory(role=Role.SOCIAL_WORKER)
    worker, organisation = membership.user, membership.organisation
    person = BeneficiaryFactory(registered_by=organisation, given_name="Anna", family_name="Rossi")
    case = CaseFactory(beneficiary=person, lead_worker=worker)
    NeedFactory(case=case, domain="housing", severity=3)
    provider = MembershipFactory(role=Role.PROVIDER_STAFF)
    offering = CapacityFactory(
        offering__service__organisation=provider.organisation,
        offering__site__organisation=provider.organisation,
    ).offering
    OpeningHoursFactory(offering=offering)
    ReferralFactory(case=case, service=offering.service)

    log_in_as(browser, live_server, worker)
    visit(browser, live_server, "/workspace/", "#caseload", "home")
    header_policy(browser, live_server)
    visit(browser, live_server, "/workspace/intake/", "main form", "intake")
    visit(browser, live_server, f"/workspace/cases/{case.pk}/", "#needs-title", "case")
    visit(browser, live_server, f"/workspace/cases/{case.pk}/refer/", "#referral-results", "refer")
    # The search through htmx (its swap, its history) stays within the policy too.
    browser.find_element(By.CSS_SELECTOR, "main form[hx-get] button[type=submit]").click()
    WebDriverWait(browser, WAIT).until(
        lambda d: d.execute_script(
            "return !document.querySelector('.htmx-request, .htmx-settling, .htmx-swapping')"
        )
    )
    assert not problems(console(browser))
    visit(browser, live_server, f"/workspace/cases/{case.pk}/housing/", "main form", "housing")

    log_in_as(browser, live_server, provider.user)
    visit(browser, live_server, "/workspace/provider/", "main form", "places and hours")
    visit(browser, live_server, "/workspace/referrals/incoming/", "main h1", "incoming")


@pytest.fixture
def city(reference_data, administrator):
    city = build_first_city()
    grant_role_group(administrator, Role.ADMINISTRATOR)
    return city


def test_admin_pages_and_dashboards_report_no_violation(city, administrator, browser, live_server):
    zone = city["ambito"]
    log_in_as(browser, live_server, administrator)
    visit(browser, live_server, "/admin/", "ul.dashboard-cities a", "admin index")
    header_policy(browser, live_server)
    visit(
        browser,
        live_server,
        f"/admin/dashboard/piccola/?standard={SHELTER}",
        "#atl-coverage-map path.atl-area",
        "city dashboard with its map",
    )
    visit(
        browser,
        live_server,
        f"/admin/dashboard/piccola/zone/{zone.code}/?standard={SHELTER}",
        "#atl-coverage-map path.atl-area",
        "Ambito dashboard",
    )
    visit(browser, live_server, "/admin/registry/zone/", "#result_list", "zone changelist")
    visit(
        browser,
        live_server,
        f"/admin/registry/zone/{zone.pk}/change/",
        "#zone_form",
        "zone change form",
    )
    visit(
        browser,
        live_server,
        "/admin/services/organisation/add/",
        "#organisation_form",
        "organisation add form",
    )
    # Its municipality is chosen with the admin's autocomplete (select2): open it, search.
    browser.find_element(By.CSS_SELECTOR, ".field-municipality .select2-selection").click()
    wait_for(browser, ".select2-search__field", "autocomplete").send_keys("Apr")
    wait_for(browser, ".select2-results__option", "autocomplete results")
    assert not problems(console(browser))
    # The service form's two-pane category chooser (SelectFilter2) and date shortcuts.
    visit(browser, live_server, "/admin/services/service/add/", "#service_form", "service add")
    wait_for(browser, ".selector-available, .selector", "two-pane chooser")
    assert not problems(console(browser))

    official = city["official"]
    log_in_as(browser, live_server, official)
    visit(browser, live_server, "/admin/", "#atl-coverage-map path.atl-area", "official's home")


# --- The stored XSS of the map ---------------------------------------------------------------


def hover_tooltip(browser, label_start: str) -> object:
    """Hover the area whose label starts with ``label_start`` and return its tooltip."""
    path = WebDriverWait(browser, WAIT).until(
        lambda d: d.execute_script(
            "return Array.from(document.querySelectorAll('#atl-coverage-map path.atl-area'))"
            ".find((p) => (p.getAttribute('aria-label') || '').startsWith(arguments[0]))",
            label_start,
        ),
        f"no area labelled {label_start!r}",
    )
    ActionChains(browser).move_to_element(path).perform()
    return WebDriverWait(browser, WAIT).until(
        lambda d: next(
            (t for t in d.find_elements(By.CSS_SELECTOR, ".leaflet-tooltip") if t.is_displayed()),
            None,
        ),
        f"no tooltip over {label_start!r}",
    )


def test_an_ambito_named_like_a_script_stays_text_on_the_map(city, browser, live_server):
    zone, town = city["ambito"], city["a"]
    assert zone.kind == ZoneKind.AMBITO
    zone.name = ZONE_PAYLOAD
    zone.save()
    town.name = TOWN_PAYLOAD
    town.save()
    official = member(Role.OFFICIAL, city["office"])
    log_in_as(browser, live_server, official)

    # The map of the Ambiti: hovering the renamed one opens its tooltip.
    path = f"/admin/dashboard/piccola/?standard={SHELTER}&level=zone"
    visit(browser, live_server, path, "#atl-coverage-map path.atl-area", "map of the Ambiti")
    title = browser.title
    tooltip = hover_tooltip(browser, ZONE_PAYLOAD)
    assert ZONE_PAYLOAD in tooltip.text
    assert tooltip.find_elements(By.TAG_NAME, "img") == []
    assert not browser.find_elements(By.CSS_SELECTOR, "#atl-coverage-map img[src='x']")
    # Had the markup been parsed, the broken image's handler would have run by now (or the
    # policy would have refused it and said so).
    browser.execute_script("return new Promise((done) => setTimeout(done, 500))")
    assert browser.title == title != "pwned"
    assert not problems(console(browser))

    # The keyboard's way: focusing the area opens the same text.
    browser.execute_script(
        "Array.from(document.querySelectorAll('#atl-coverage-map path.atl-area'))"
        ".find((p) => p.getAttribute('aria-label').startsWith(arguments[0])).focus()",
        ZONE_PAYLOAD,
    )
    WebDriverWait(browser, WAIT).until(
        lambda d: any(
            ZONE_PAYLOAD in t.text for t in d.find_elements(By.CSS_SELECTOR, ".leaflet-tooltip")
        )
    )

    # The municipalities' map: a name with markup is shown as written, not in bold.
    path = f"/admin/dashboard/piccola/?standard={SHELTER}&level=municipality"
    visit(browser, live_server, path, "#atl-coverage-map path.atl-area", "map of the towns")
    tooltip = hover_tooltip(browser, TOWN_PAYLOAD)
    assert TOWN_PAYLOAD in tooltip.text
    assert tooltip.find_elements(By.TAG_NAME, "b") == []
    assert browser.title != "pwned"
    assert not problems(console(browser))
