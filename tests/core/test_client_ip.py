"""The client's address behind a configured number of proxies, and never from a forged
header when no proxy is trusted."""

import pytest
from django.test import RequestFactory

from core.client_ip import client_ip


def _request(remote: str, forwarded: str | None = None):
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **extra)


def test_without_a_trusted_proxy_the_header_is_ignored(settings):
    settings.TRUSTED_PROXY_COUNT = 0
    assert client_ip(_request("10.0.0.5", "203.0.113.9")) == "10.0.0.5"


@pytest.mark.parametrize(
    ("forwarded", "expected"),
    [
        ("203.0.113.9", "203.0.113.9"),
        # The caller wrote the leftmost entry; the proxy appended what it saw.
        ("1.2.3.4, 203.0.113.9", "203.0.113.9"),
        ("", "10.0.0.5"),
        ("not-an-address", "10.0.0.5"),
    ],
)
def test_behind_one_proxy_the_address_it_saw(settings, forwarded, expected):
    settings.TRUSTED_PROXY_COUNT = 1
    assert client_ip(_request("10.0.0.5", forwarded)) == expected


def test_behind_two_proxies_the_outer_ones_entry(settings):
    settings.TRUSTED_PROXY_COUNT = 2
    assert client_ip(_request("10.0.0.5", "6.6.6.6, 198.51.100.7, 10.0.0.4")) == "198.51.100.7"
    # Too few entries: not through both proxies.
    assert client_ip(_request("10.0.0.5", "198.51.100.7")) == "10.0.0.5"
