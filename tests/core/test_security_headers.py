"""The browser-side defences every response carries (issue 13, item 1): a strict
Content-Security-Policy, a Permissions-Policy switching off unused features and, behind
TLS in production, HSTS with includeSubDomains; and the rules that keep pages within the
policy — no inline script, style or handler in any template, no HTML built from data in
our JavaScript — checked on the files themselves so that a regression fails here."""

import json
import re
from pathlib import Path

import pytest
from django.contrib import admin

from services.models import Role
from services.roles import grant_role_group
from tests.auth import verified_login

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
DISABLED_FEATURES = ("camera", "geolocation", "microphone", "payment", "usb")


def policy(response) -> dict[str, list[str]]:
    """The Content-Security-Policy header as directive → sources."""
    header = response.headers["Content-Security-Policy"]
    directives = {}
    for part in header.split(";"):
        name, *sources = part.split()
        directives[name] = sources
    return directives


def assert_strict(response) -> dict[str, list[str]]:
    directives = policy(response)
    header = response.headers["Content-Security-Policy"]
    assert "'unsafe-inline'" not in header
    assert "'unsafe-eval'" not in header
    assert directives["default-src"] == ["'self'"]
    assert directives["script-src"] == ["'self'"]
    assert directives["object-src"] == ["'none'"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert directives["base-uri"] == ["'none'"]
    assert directives["form-action"] == ["'self'"]
    return directives


@pytest.fixture
def pages(client, administrator, social_worker):
    """A workspace page, an admin page and the API, each as someone who may open it."""
    grant_role_group(administrator, Role.ADMINISTRATOR)

    def get(user, path, **extra):
        client.logout()
        if user is not None:
            verified_login(client, user)
        response = client.get(path, **extra)
        assert response.status_code == 200, (path, response.status_code)
        return response

    return {
        "workspace login": lambda **extra: get(None, "/workspace/login/", **extra),
        "workspace home": lambda **extra: get(social_worker, "/workspace/", **extra),
        "admin index": lambda **extra: get(administrator, "/admin/", **extra),
        "admin changelist": lambda **extra: get(administrator, "/admin/registry/zone/", **extra),
        "API": lambda **extra: get(None, "/api/v1/services/", **extra),
        "API docs": lambda **extra: get(None, "/api/v1/docs/", **extra),
    }


@pytest.mark.parametrize(
    "page",
    [
        "workspace login",
        "workspace home",
        "admin index",
        "admin changelist",
        "API",
        "API docs",
    ],
)
def test_every_kind_of_page_carries_the_strict_policies(pages, page):
    response = pages[page]()
    directives = assert_strict(response)
    assert directives["style-src"] == ["'self'"]
    assert directives["worker-src"] == ["'none'"]

    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["Cross-Origin-Opener-Policy"] == "same-origin"
    permissions = response.headers["Permissions-Policy"]
    for feature in DISABLED_FEATURES:
        assert f"{feature}=()" in permissions
    # Without TLS (or with HSTS off) no Strict-Transport-Security is sent.
    assert "Strict-Transport-Security" not in response.headers


@pytest.mark.parametrize("page", ["workspace login", "admin index", "API"])
def test_hsts_with_subdomains_behind_tls_in_production(pages, page, settings):
    settings.SECURE_HSTS_SECONDS = 31_536_000
    settings.SECURE_SSL_REDIRECT = False  # the test client speaks to Django directly
    response = pages[page](secure=True)
    hsts = response.headers["Strict-Transport-Security"]
    assert hsts.startswith("max-age=31536000")
    assert "includeSubDomains" in hsts


def test_the_api_answers_json_not_pages_styled_inline(client):
    response = client.get("/api/v1/services/", HTTP_ACCEPT="text/html")
    assert response.status_code == 406  # no browsable API: it would style itself inline
    response = client.get("/api/v1/services/")
    assert response.headers["Content-Type"] == "application/json"


def test_swagger_ui_starts_from_a_script_file_of_its_own(client):
    page = client.get("/api/v1/docs/")
    html = page.content.decode()
    assert "<script>" not in html and "<style" not in html
    script_url = re.search(r'<script src="([^"]*script=[^"]*)"', html).group(1)
    script = client.get(script_url.replace("&amp;", "&"))
    assert script.status_code == 200
    assert script.headers["Content-Type"].startswith("application/javascript")
    assert "SwaggerUIBundle" in script.content.decode()


def test_only_redocs_page_adds_its_own_style_hashes_and_search_worker(client):
    page = client.get("/api/v1/redoc/")
    html = page.content.decode()
    assert "<script>" not in html and "<style" not in html
    directives = assert_strict(page)
    assert directives["style-src"][0] == "'self'"
    assert len(directives["style-src"]) == 3
    assert all(source.startswith("'sha256-") for source in directives["style-src"][1:])
    assert directives["worker-src"] == ["blob:"]
    assert directives["img-src"] == ["'self'", "data:"]  # Redoc's CDN logo stays refused


# --- The files themselves --------------------------------------------------------------------

TEMPLATE_RULES = {
    "inline <script>": re.compile(r"<script\b(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE),
    "<style> element": re.compile(r"<style\b", re.IGNORECASE),
    "style attribute": re.compile(r"\sstyle\s*=", re.IGNORECASE),
    "inline event handler": re.compile(r"\son[a-z]+\s*=", re.IGNORECASE),
    "htmx inline handler": re.compile(r"\shx-on[:-]", re.IGNORECASE),
    "javascript: URL": re.compile(r"javascript:", re.IGNORECASE),
}


def project_files(folder: str, pattern: str) -> list[Path]:
    """Our files under every ``folder`` of the project (templates/, */templates/, …)."""
    found = []
    for path in ROOT.rglob(pattern):
        parts = path.relative_to(ROOT).parts
        if parts[0].startswith(".") or parts[0] in ("node_modules", "staticfiles", "var"):
            continue
        if folder in parts[:-1] and "vendor" not in parts:
            found.append(path)
    return found


def test_no_template_has_inline_script_style_or_handlers():
    templates = project_files("templates", "*.html")
    assert len(templates) > 20
    offences = [
        f"{path.relative_to(ROOT)}:{text[: match.start()].count(chr(10)) + 1}: {rule}"
        for path in templates
        for text in [path.read_text()]
        for rule, pattern in TEMPLATE_RULES.items()
        for match in pattern.finditer(text)
    ]
    assert offences == []


def test_the_template_scan_would_catch_each_kind_of_inline_code():
    samples = {
        "inline <script>": '<script>alert(1)</script> <script type="module">',
        "<style> element": "<style>body{}</style>",
        "style attribute": '<p class="x" style="color: red">',
        "inline event handler": '<img src=x onerror="alert(1)"> <a onclick=go()>',
        "htmx inline handler": '<button hx-on:click="go()">',
        "javascript: URL": '<a href="javascript:go()">',
    }
    for rule, sample in samples.items():
        assert TEMPLATE_RULES[rule].search(sample), rule
    assert not TEMPLATE_RULES["inline <script>"].search('<script src="/static/a.js" defer>')


# Ways JavaScript turns a string into markup; ours never does (text goes in textContent, a
# Leaflet tooltip or popup gets an element made by a function, never a string or variable).
HTML_SINKS = re.compile(
    r"\.innerHTML\b|\.outerHTML\b|insertAdjacentHTML|document\.write|"
    r"\.(bindTooltip|bindPopup|setTooltipContent|setPopupContent|setContent)\(\s*"
    r"([\w.]+\s*[,)+]|[\"'`])|"
    r"createContextualFragment|DOMParser|\beval\(|new Function\(|setTimeout\(\s*[\"']"
)


def test_our_javascript_never_builds_html_from_data():
    scripts = project_files("static", "*.js")
    assert {path.name for path in scripts} >= {"map.js", "charts.js", "workspace.js"}
    offences = [
        f"{path.relative_to(ROOT)}: {match.group(0)}"
        for path in scripts
        for match in HTML_SINKS.finditer(path.read_text())
    ]
    assert offences == []
    assert HTML_SINKS.search("layer.bindTooltip(text, { sticky: true })")
    assert HTML_SINKS.search("layer.bindPopup('<b>' + name)")
    assert HTML_SINKS.search("element.innerHTML = name;")
    assert not HTML_SINKS.search("layer.bindTooltip(tooltipContent(text), { sticky: true })")


def test_no_admin_shows_djangos_inline_changelist_style():
    """Django's change list adds a <style> when a ModelAdmin has no action bar at all."""
    for model_admin in admin.site._registry.values():
        assert model_admin.actions_on_top or model_admin.actions_on_bottom, model_admin


# --- Violation reports -----------------------------------------------------------------------


def test_a_violation_report_is_logged_without_personal_data(client, caplog):
    report = {
        "csp-report": {
            "document-uri": "https://atlante.example/workspace/intake/?q=RSSMRA80A01H501U#top",
            "referrer": "https://atlante.example/workspace/?name=Rossi",
            "violated-directive": "script-src-elem",
            "effective-directive": "script-src-elem",
            "original-policy": "default-src 'self'",
            "blocked-uri": "https://evil.example/x.js?user=mario.rossi",
            "source-file": "https://atlante.example/static/dashboards/map.js?v=1",
            "line-number": 42,
            "script-sample": "document.title='RSSMRA80A01H501U'",
        }
    }
    with caplog.at_level("WARNING", logger="security.csp"):
        response = client.post(
            "/csp-report/",
            json.dumps(report),
            content_type="application/csp-report",
            REMOTE_ADDR="203.0.113.7",
        )
    assert response.status_code == 204
    (record,) = [r for r in caplog.records if r.name == "security.csp"]
    message = record.getMessage()
    assert "script-src-elem" in message
    assert "/workspace/intake/" in message
    assert "https://evil.example" in message
    assert "/static/dashboards/map.js:42" in message
    for secret in ("RSSMRA80A01H501U", "Rossi", "mario.rossi", "203.0.113.7", "?", "#top"):
        assert secret not in message


def test_reports_in_the_reporting_api_form_and_bad_posts(client, caplog):
    reports = [
        {
            "type": "csp-violation",
            "body": {
                "documentURL": "https://atlante.example/admin/?e=1",
                "effectiveDirective": "style-src-attr",
                "blockedURL": "inline",
            },
        }
    ]
    with caplog.at_level("WARNING", logger="security.csp"):
        response = client.post(
            "/csp-report/", json.dumps(reports), content_type="application/reports+json"
        )
    assert response.status_code == 204
    assert "style-src-attr on /admin/, blocked inline" in caplog.text
    assert (
        client.post("/csp-report/", "{not json", content_type="application/json").status_code == 400
    )
    too_big = json.dumps({"csp-report": {"x": "a" * 10_000}})
    assert client.post("/csp-report/", too_big, content_type="application/json").status_code == 413
    assert client.get("/csp-report/").status_code == 405


def test_the_policy_names_the_report_endpoint(client):
    assert policy(client.get("/workspace/login/"))["report-uri"] == ["/csp-report/"]
