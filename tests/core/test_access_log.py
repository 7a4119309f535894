"""The access log records the client's address as the configured proxies saw it."""

from __future__ import annotations

import pytest
from auditlog.models import LogEntry
from django.contrib.auth.models import AnonymousUser
from django.test import RequestFactory
from django.urls import reverse

from core.access_log import client_address, log_access
from tests.auth import verified_login
from tests.factories import BeneficiaryFactory, CaseFactory

pytestmark = pytest.mark.django_db


def request_from(peer: str, forwarded: str | None = None, user=None):
    extra = {"REMOTE_ADDR": peer}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    request = RequestFactory().get("/api/v1/beneficiaries/", **extra)
    request.user = user or AnonymousUser()
    return request


def test_behind_one_trusted_proxy_the_row_has_the_client_not_the_proxy(settings, social_worker):
    settings.TRUSTED_PROXY_COUNT = 1
    person = BeneficiaryFactory()
    # The caller forged the first entry; the proxy appended the address it saw.
    request = request_from("10.0.0.2", "203.0.113.99, 198.51.100.7", user=social_worker)
    log_access(request, [person], via="api")
    row = LogEntry.objects.get()
    assert row.remote_addr == "198.51.100.7"
    assert (row.object_pk, row.actor) == (str(person.pk), social_worker)


def test_without_a_trusted_proxy_a_forwarded_header_moves_nothing(settings):
    settings.TRUSTED_PROXY_COUNT = 0
    assert client_address(request_from("192.0.2.1", "203.0.113.99")) == "192.0.2.1"
    settings.TRUSTED_PROXY_COUNT = 2
    # Fewer entries than proxies: the request did not come through them all.
    assert client_address(request_from("10.0.0.2", "198.51.100.7")) == "10.0.0.2"
    assert client_address(request_from("10.0.0.2", "203.0.113.5, 198.51.100.7")) == ("203.0.113.5")


def test_a_page_read_through_the_proxy_logs_the_client(
    settings, client, social_worker, organisation
):
    settings.TRUSTED_PROXY_COUNT = 1
    case = CaseFactory(lead_worker=social_worker, organisation=organisation)
    verified_login(client, social_worker)
    response = client.get(
        reverse("workspace:person", args=[case.beneficiary_id]),
        REMOTE_ADDR="10.0.0.2",
        HTTP_X_FORWARDED_FOR="1.2.3.4, 198.51.100.23",
    )
    assert response.status_code == 200
    row = LogEntry.objects.get(object_pk=str(case.beneficiary_id))
    assert row.remote_addr == "198.51.100.23"
