"""Through which door a write came (core/channel.py): set per request from the URL
(language prefix included), by ``via`` for jobs and commands, and always reset."""

import pytest
from django.conf import settings
from django.http import HttpResponse
from django.test import RequestFactory

from core import channel
from core.channel import ChannelMiddleware, channel_of_path, via


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/api/v1/referrals/", "api"),
        ("/api/v1/referrals/0f7e/", "api"),
        ("/api/hsds/services/", "api"),
        ("/admin/", "admin"),
        ("/admin/beneficiaries/referral/", "admin"),
        ("/it/admin/beneficiaries/case/add/", "admin"),
        ("/en/admin/beneficiaries/case/add/", "admin"),
        ("/workspace/", "workspace"),
        ("/workspace/cases/0f7e/needs/new/", "workspace"),
        ("/en/workspace/referrals/0f7e/move/", "workspace"),
        ("/it/workspace/", "workspace"),
        # Anything else a browser reaches is the workspace's (the home redirect, i18n).
        ("/", "workspace"),
        ("/i18n/setlang/", "workspace"),
        ("/en/", "workspace"),
    ],
)
def test_the_channel_of_a_path(path, expected):
    assert channel_of_path(path) == expected


def test_a_door_is_a_whole_first_segment():
    assert channel_of_path("/apix/") == "workspace"
    assert channel_of_path("/administration/") == "workspace"


def test_outside_any_request_the_channel_is_job():
    assert channel.current() == "job"


def test_via_sets_the_channel_and_restores_the_one_before():
    with via("command"):
        assert channel.current() == "command"
        with via("admin"):
            assert channel.current() == "admin"
        assert channel.current() == "command"
    assert channel.current() == "job"


def test_via_restores_the_channel_after_an_error():
    with pytest.raises(RuntimeError), via("api"):
        raise RuntimeError("boom")
    assert channel.current() == "job"


def test_via_refuses_an_unknown_channel():
    with pytest.raises(ValueError, match="Unknown channel: email"), via("email"):
        pass


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/api/v1/referrals/", "api"),
        ("/en/admin/beneficiaries/referral/", "admin"),
        ("/en/workspace/cases/", "workspace"),
    ],
)
def test_the_middleware_sets_the_channel_for_the_request_only(path, expected):
    seen = []

    def view(request):
        seen.append(channel.current())
        return HttpResponse("ok")

    response = ChannelMiddleware(view)(RequestFactory().get(path))
    assert response.status_code == 200
    assert seen == [expected]
    assert channel.current() == "job"


def test_the_middleware_resets_the_channel_when_the_view_raises():
    def view(request):
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        ChannelMiddleware(view)(RequestFactory().get("/admin/"))
    assert channel.current() == "job"


def test_the_middleware_is_installed():
    assert "core.channel.ChannelMiddleware" in settings.MIDDLEWARE
