"""The OpenAPI schema and its documentation pages are public and load nothing from outside."""

import re

import pytest
from django.contrib.staticfiles import finders

pytestmark = pytest.mark.django_db


def external_references(html: str) -> list[str]:
    return [
        url
        for url in re.findall(r"""(?:src|href)=["']([^"']+)["']""", html)
        if url.startswith(("http:", "https:", "//"))
    ]


def test_schema_is_public_openapi_3(client):
    response = client.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    assert "/api/v1/services/" in schema["paths"]


@pytest.mark.parametrize("page", ["/api/v1/docs/", "/api/v1/redoc/"])
def test_documentation_pages_use_only_assets_shipped_here(client, page):
    response = client.get(page)
    html = response.content.decode()

    assert response.status_code == 200
    assert external_references(html) == []
    local = re.findall(r"""(?:src|href)=["']/static/([^"']+)["']""", html)
    assert local, "the page loads its viewer from /static/"
    assert all(finders.find(path) for path in local)
