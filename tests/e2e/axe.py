"""Accessibility checks with axe-core, shipped under tests/e2e/vendor/ (MPL-2.0).

Runs every rule axe enables by default (WCAG 2.0/2.1 A and AA plus best practices) on the
page the browser shows, and returns the violations of the impacts asked for.
"""

from pathlib import Path

AXE = Path(__file__).parent / "vendor" / "axe-4.14.1.min.js"
BLOCKING = ("serious", "critical")

_RUN = """
const done = arguments[arguments.length - 1];
axe.run(document).then(
  (result) => done(result.violations.map((v) => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.map((n) => n.target.join(" ")).slice(0, 5),
  }))),
  (error) => done([{id: "axe-error", impact: "critical", help: String(error), nodes: []}]),
);
"""


def violations(browser, impacts: tuple[str, ...] = BLOCKING) -> list[dict]:
    if not browser.execute_script("return typeof window.axe !== 'undefined'"):
        browser.execute_script(AXE.read_text())
    browser.set_script_timeout(30)
    found = browser.execute_async_script(_RUN)
    return [violation for violation in found if violation["impact"] in impacts]


def assert_accessible(browser) -> None:
    """No serious or critical violation on the current page (the list says which)."""
    found = violations(browser)
    assert found == [], f"{browser.current_url}: {found}"
