"""The officials' dashboards in a real headless Chromium, on two seeded cities.

An administrator opens the dashboard, chooses a city, reads its key figures, tables and
coverage map, changes the coverage standard and lens, moves to the other city, and drills
down city → Ambito → municipality → category. An official of one city lands on it, cannot
open the other, and never sees a person. The figures are those of
tests/e2e/dashboard_fixture.py, as published ("<5" and "n.d." where suppressed).

The pages are read by their markup (data-key attributes, ids), never by their wording:
the browser asks for Italian.
"""

import pytest
from selenium.common.exceptions import JavascriptException, StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait

from tests.e2e.axe import assert_accessible
from tests.e2e.dashboard_fixture import SHELTER, build_two_cities
from tests.e2e.pages import browser_login

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "password"  # tests.factories.UserFactory
WAIT = 15


@pytest.fixture
def cities(reference_data, administrator):
    return build_two_cities(administrator)


def log_in(browser, live_server, user) -> None:
    """The admin's login form, then the second factor (enrolment at the first login)."""
    browser_login(browser, live_server, user.username, PASSWORD, login_path="/admin/login/")
    WebDriverWait(browser, WAIT).until(lambda d: "/login/" not in d.current_url)


def until(browser, condition, message: str = ""):
    """Wait for ``condition(browser)`` to be truthy, tolerating a page still loading."""

    def check(driver):
        try:
            return condition(driver)
        except (StaleElementReferenceException, JavascriptException):
            return False

    return WebDriverWait(browser, WAIT).until(check, message)


def on_page(browser, heading: str) -> None:
    until(
        browser,
        lambda d: heading in d.find_element(By.TAG_NAME, "h1").text,
        f"no page titled {heading!r} (at {browser.current_url})",
    )


# --- Reading the page ------------------------------------------------------------------------

_HEADLINE = """
return Object.fromEntries(Array.from(
  document.querySelectorAll('ul.dashboard-headline li[data-key]'),
  (li) => [li.dataset.key, li.querySelector('.figure').textContent.trim()]));
"""

_TABLE = """
const figure = document.getElementById('table-' + arguments[0]);
if (!figure) return null;
const keys = Array.from(figure.querySelectorAll('thead th[data-key]'), (th) => th.dataset.key);
const rows = {};
for (const tr of figure.querySelectorAll('tbody tr, tfoot tr')) {
  const label = tr.querySelector('th');
  if (!label) continue;
  const cells = Array.from(tr.querySelectorAll('td'), (td) => td.textContent.trim());
  rows[label.textContent.trim()] = Object.fromEntries(keys.map((k, i) => [k, cells[i]]));
}
return rows;
"""

# The ranked gaps table of the coverage section, in its order: [area, its cells] (the last
# cell is the people waiting). An array: the driver does not keep an object's key order.
_GAPS = """
return Array.from(document.querySelectorAll('#atl-table-gaps tbody tr'), (tr) => [
  tr.querySelector('th').textContent.trim(),
  Array.from(tr.querySelectorAll('td'), (td) => td.textContent.trim()),
]);
"""

# The areas Leaflet has drawn: name (from the path's label) → class.
_MAP = """
const map = document.getElementById('atl-coverage-map');
if (!map || map.dataset.drawn === undefined) return null;
return Array.from(map.querySelectorAll('path.atl-area'), (path) => [
  path.getAttribute('aria-label'),
  Array.from(path.classList).find((c) => c.startsWith('atl-class-')).slice(10),
]);
"""

_LEGEND = """
return Object.fromEntries(Array.from(
  document.querySelectorAll('#atl-coverage-legend li[data-class]'),
  (li) => [li.dataset.class,
           parseInt(li.querySelector('.atl-legend-count').textContent, 10)]));
"""


def headline(browser) -> dict[str, str]:
    return browser.execute_script(_HEADLINE)


def table(browser, key: str) -> dict[str, dict[str, str]]:
    return browser.execute_script(_TABLE, key)


def gaps(browser) -> dict[str, list[str]]:
    return dict(browser.execute_script(_GAPS))


def legend(browser) -> dict[str, int]:
    return browser.execute_script(_LEGEND)


def drawn_map(browser, expected: dict[str, str]) -> None:
    """Wait until Leaflet has drawn exactly the areas expected (name → class), one SVG
    path each, each labelled with its name and value."""

    def shown(driver):
        areas = driver.execute_script(_MAP)
        if areas is None or len(areas) != len(expected):
            return False
        classes = {}
        for label, klass in areas:
            name = label.split(":")[0]
            classes[name] = klass
        return classes == expected

    until(browser, shown, f"map never showed {expected}: {browser.execute_script(_MAP)}")


def tooltip_of(browser, name: str) -> str:
    """Focus an area of the map (as the keyboard does) and read its tooltip."""
    path = browser.find_element(
        By.CSS_SELECTOR, f"#atl-coverage-map path.atl-area[aria-label^='{name}:']"
    )
    browser.execute_script("arguments[0].focus()", path)
    return until(
        browser,
        lambda d: next(
            (
                t.text
                for t in d.find_elements(By.CSS_SELECTOR, ".leaflet-tooltip")
                if name in t.text
            ),
            False,
        ),
        f"no tooltip for {name}",
    )


def choose_coverage(browser, *, standard: str | None = None, lens: str | None = None) -> None:
    form = browser.find_element(By.CSS_SELECTOR, "form.atl-coverage-controls")
    if standard:
        Select(form.find_element(By.NAME, "standard")).select_by_value(standard)
    if lens:
        Select(form.find_element(By.NAME, "lens")).select_by_value(lens)
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    until(
        browser,
        lambda d: (
            (not standard or f"standard={standard}" in d.current_url)
            and (not lens or f"lens={lens}" in d.current_url)
        ),
        "the coverage form did not reload the page",
    )


def choose_city(browser, slug: str) -> None:
    form = browser.find_element(By.CSS_SELECTOR, "form.dashboard-selector")
    Select(form.find_element(By.NAME, "city")).select_by_value(slug)
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    until(browser, lambda d: f"/admin/dashboard/{slug}/" in d.current_url)


def click_link(browser, css: str) -> None:
    link = until(browser, lambda d: d.find_element(By.CSS_SELECTOR, css))
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", link)
    link.click()


def check_page(browser, screenshot, label: str) -> None:
    screenshot(label)
    assert_accessible(browser)


# --- The administrator -----------------------------------------------------------------------


def test_administrator_explores_two_cities_map_tables_and_drill_down(
    cities, browser, live_server, screenshot
):
    first = cities["first"]
    log_in(browser, live_server, cities["administrator"])

    # A national role lands on the list of cities.
    until(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "ul.dashboard-cities a"))
    listed = [a.text for a in browser.find_elements(By.CSS_SELECTOR, "ul.dashboard-cities a")]
    assert "Piccola" in listed and "Seconda" in listed
    check_page(browser, screenshot, "home")

    # City 1: key figures and the casework table as published.
    click_link(browser, "ul.dashboard-cities a[href$='/dashboard/piccola/']")
    on_page(browser, "Piccola")
    figures = headline(browser)
    assert (figures["people"], figures["available"], figures["waiting_now"]) == ("9", "4", "7")
    casework = table(browser, "casework")
    # 2 people of Cerveteri: "<5"; Aprilia's 7 hidden too, or 9 - 7 would give the 2 away.
    assert casework["Ambito Nord"]["people"] == "n.d."
    assert casework["Ambito Sud"]["people"] == "<5"
    assert [
        row["people"]
        for label, row in casework.items()
        if label not in ("Ambito Nord", "Ambito Sud")
    ] == ["9"]  # the total row
    referrals = table(browser, "referrals")
    assert referrals["Ambito Nord"]["waiting"] == "6"
    assert referrals["Ambito Sud"]["waiting"] == "0"

    # The map of the default standard (women's counselling centres: none anywhere).
    drawn_map(browser, {"Aprilia": "0", "Bracciano": "0", "Cerveteri": "0"})
    assert legend(browser) == {"0": 3, "1": 0, "2": 0, "3": 0, "4": 0, "none": 0}

    # Another standard: the shelter of Aprilia (6 places, 1 per 10,000 inhabitants).
    choose_coverage(browser, standard=SHELTER)
    drawn_map(browser, {"Aprilia": "4", "Bracciano": "0", "Cerveteri": "0"})
    assert legend(browser) == {"0": 2, "1": 0, "2": 0, "3": 0, "4": 1, "none": 0}
    assert "300%" in tooltip_of(browser, "Aprilia")
    ranked = gaps(browser)
    assert list(ranked) == ["Bracciano", "Ambito Sud", "Cerveteri", "Ambito Nord", "Aprilia"]
    # supply, requirement, gap of the first two
    assert ranked["Bracciano"][2:5] == ["0", "1", "1"]
    assert ranked["Aprilia"][2:6] == ["6", "2", "0", "300"]

    # The waiting-demand lens: 6 of Aprilia and 1 of Bracciano wait for the shelter.
    choose_coverage(browser, lens="demand")
    drawn_map(browser, {"Aprilia": "none", "Bracciano": "1", "Cerveteri": "0"})
    assert legend(browser) == {"0": 1, "1": 1, "2": 0, "3": 0, "4": 0, "none": 1}
    ranked = gaps(browser)
    waiting = {area: cells[-1] for area, cells in ranked.items()}
    assert waiting == {
        "Ambito Nord": "7",
        "Aprilia": "n.d.",
        "Bracciano": "<5",
        "Ambito Sud": "0",
        "Cerveteri": "0",
    }
    check_page(browser, screenshot, "dashboard-piccola")

    # City 2 through the selector: its own figures, map and gaps.
    choose_city(browser, "seconda")
    on_page(browser, "Seconda")
    figures = headline(browser)
    assert (figures["people"], figures["available"]) == ("18", "3")
    casework = table(browser, "casework")
    assert casework["Ambito Est"]["people"] == "12"
    assert casework["Ambito Ovest"]["people"] == "6"
    assert "Ambito Nord" not in casework
    drawn_map(browser, {"Dorgali": "0", "Esine": "0"})
    choose_coverage(browser, standard=SHELTER, lens="normative")
    # Dorgali: 3 places for 40,000 inhabitants, 75% of the standard; Esine: none.
    drawn_map(browser, {"Dorgali": "3", "Esine": "0"})
    assert legend(browser) == {"0": 1, "1": 0, "2": 0, "3": 1, "4": 0, "none": 0}
    assert "75%" in tooltip_of(browser, "Dorgali")
    ranked = gaps(browser)
    assert ranked["Dorgali"][2:5] == ["3", "4", "1"]
    assert ranked["Esine"][2:5] == ["0", "1", "1"]
    check_page(browser, screenshot, "dashboard-seconda")

    # Back to city 1, and down: city → Ambito → municipality → category.
    choose_city(browser, "piccola")
    on_page(browser, "Piccola")
    click_link(browser, f"#table-casework tbody a[href*='/zone/{first['ambito'].code}/']")
    on_page(browser, "Ambito Nord")
    casework = table(browser, "casework")
    # Aprilia's 7 is the Ambito's 7, hidden on the city page so that the city's 9 does not
    # give away Ambito Sud's 2: the same figure stays hidden on every page down.
    assert casework["Aprilia"]["people"] == "n.d."
    assert casework["Bracciano"]["people"] == "0"
    drawn_map(browser, {"Aprilia": "0", "Bracciano": "0"})  # the zone's municipalities only
    check_page(browser, screenshot, "zone")

    click_link(browser, f"#table-casework tbody a[href*='/municipality/{first['a'].istat_code}/']")
    on_page(browser, "Aprilia")
    figures = headline(browser)
    # The municipality page's own headline is the same hidden figure, not a way round it.
    assert (figures["people"], figures["referrals"], figures["available"]) == ("n.d.", "6", "4")
    check_page(browser, screenshot, "municipality")

    click_link(browser, "#table-services tbody a[href*='/category/gender-violence']")
    until(browser, lambda d: "/category/gender-violence" in d.current_url)
    on_page(browser, "Aprilia")
    figures = headline(browser)
    assert figures["referrals"] == "6"  # to the shelter, all from Aprilia
    services = table(browser, "services")
    assert [row["services"] for row in services.values()][-1] == "1"  # total: the shelter
    check_page(browser, screenshot, "category")


# --- An official of one city -----------------------------------------------------------------


def test_official_lands_on_the_city_cannot_open_another_and_sees_nobody(
    cities, browser, live_server, screenshot
):
    first, second = cities["first"], cities["second"]
    log_in(browser, live_server, cities["official"])

    # Straight to the city page: no list of cities, no city selector.
    on_page(browser, "Piccola")
    assert headline(browser)["people"] == "9"
    assert not browser.find_elements(By.CSS_SELECTOR, "form.dashboard-selector [name=city]")
    drawn_map(browser, {"Aprilia": "0", "Bracciano": "0", "Cerveteri": "0"})
    check_page(browser, screenshot, "official-home")

    # The other city does not exist for them: its pages answer 404.
    for path in (
        "/admin/dashboard/seconda/",
        f"/admin/dashboard/seconda/zone/{second['east'].code}/",
        f"/admin/dashboard/seconda/municipality/{second['d'].istat_code}/",
    ):
        browser.get(f"{live_server.url}{path}")
        until(browser, lambda d: "Not Found" in d.page_source, f"{path} is not a 404")
        assert "Dorgali" not in browser.page_source

    # No personal data on any page of their city, the map data included.
    people = first["people"] + second["people"]
    secrets = [
        secret
        for person in people
        for secret in (person.given_name + " " + person.family_name, person.codice_fiscale)
    ]
    slug = first["metro"].slug
    pages = [
        "/admin/",
        f"/admin/dashboard/{slug}/?standard={SHELTER}&lens=demand",
        f"/admin/dashboard/{slug}/zone/{first['ambito'].code}/",
        f"/admin/dashboard/{slug}/zone/{first['second'].code}/",
        f"/admin/dashboard/{slug}/municipality/{first['a'].istat_code}/",
        f"/admin/dashboard/{slug}/municipality/{first['b'].istat_code}/",
        f"/admin/dashboard/{slug}/category/gender-violence/",
        f"/admin/dashboard/{slug}/map.geojson?standard={SHELTER}&lens=demand",
    ]
    for path in pages:
        browser.get(f"{live_server.url}{path}")
        until(browser, lambda d: d.execute_script("return document.readyState") == "complete")
        source = browser.page_source
        assert "Not Found" not in source and "Forbidden" not in source, path
        for secret in secrets:
            assert secret not in source, (path, secret)
    # The beneficiaries' list stays closed to them.
    browser.get(f"{live_server.url}/admin/beneficiaries/beneficiary/")
    until(browser, lambda d: "403 Forbidden" in d.page_source)
