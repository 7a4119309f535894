"""Where browsers report what the Content-Security-Policy refused (the policy's report-uri).

A report is written to the ``security.csp`` log with what tells a developer where to look
— the directive, the page's path, what was blocked (only "inline", "eval" or an origin),
the script file and line — and nothing about who: no query string (a search may carry a
codice fiscale), no address, no user, no sample of the blocked code. Anyone can post here,
so the body is capped and whatever does not parse is dropped quietly.
"""

import json
import logging
from urllib.parse import urlsplit

from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

logger = logging.getLogger("security.csp")

MAX_BODY = 8 * 1024
KEYWORDS = {"inline", "eval", "wasm-eval", "data", "blob", "self", "trusted-types-policy"}


def _path(url: object) -> str:
    """A URL's path only (scheme, host, query and fragment dropped)."""
    return urlsplit(str(url or "")).path[:200]


def _blocked(url: object) -> str:
    """What was blocked: a keyword such as "inline", or the origin it came from."""
    text = str(url or "")
    if text in KEYWORDS or not text:
        return text
    parts = urlsplit(text)
    return f"{parts.scheme}://{parts.netloc}" if parts.netloc else parts.scheme[:20]


def _reports(body: bytes) -> list[dict]:
    """The reports in a body: the report-uri form ({"csp-report": {...}}) or the Reporting
    API's list of {"type": "csp-violation", "body": {...}}."""
    data = json.loads(body)
    if isinstance(data, dict) and isinstance(data.get("csp-report"), dict):
        return [data["csp-report"]]
    if isinstance(data, list):
        return [
            item["body"]
            for item in data
            if isinstance(item, dict) and isinstance(item.get("body"), dict)
        ]
    return []


@csrf_exempt
@require_POST
def csp_report(request: HttpRequest) -> HttpResponse:
    body = request.read(MAX_BODY + 1)
    if len(body) > MAX_BODY:
        return HttpResponse(status=413)
    try:
        reports = _reports(body)
    except (ValueError, UnicodeDecodeError, KeyError, TypeError):
        return HttpResponse(status=400)
    for report in reports[:10]:
        get = report.get
        directive = get("effective-directive") or get("effectiveDirective")
        logger.warning(
            "CSP violation: %s on %s, blocked %s (%s:%s)",
            str(directive or get("violated-directive") or "")[:60],
            _path(get("document-uri") or get("documentURL")),
            _blocked(get("blocked-uri") or get("blockedURL")),
            _path(get("source-file") or get("sourceFile")),
            str(get("line-number") or get("lineNumber") or "")[:10],
        )
    return HttpResponse(status=204)
