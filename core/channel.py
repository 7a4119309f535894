"""Through which door a write came: the workspace, the admin, the API, a job or a command.

Entry points set it (the middleware by URL, Celery tasks and commands by ``via``); the
actions read it when they write their audit row, so that no action takes it as an
argument and none can forget it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.http import HttpRequest, HttpResponse
from django.utils.translation import get_language_from_path

WORKSPACE, ADMIN, API, JOB, COMMAND = "workspace", "admin", "api", "job", "command"
CHANNELS = (WORKSPACE, ADMIN, API, JOB, COMMAND)

_current: ContextVar[str] = ContextVar("atlante_channel", default=JOB)


def current() -> str:
    return _current.get()


@contextmanager
def via(name: str) -> Iterator[None]:
    if name not in CHANNELS:
        raise ValueError(f"Unknown channel: {name}")
    token = _current.set(name)
    try:
        yield
    finally:
        _current.reset(token)


def channel_of_path(path: str) -> str:
    # Strip the language prefix of the i18n patterns (/en/workspace/ → /workspace/).
    parts = [part for part in path.split("/") if part]
    if parts and parts[0] == get_language_from_path(path):
        parts = parts[1:]
    head = parts[0] if parts else ""
    return {"api": API, "admin": ADMIN, "workspace": WORKSPACE}.get(head, WORKSPACE)


class ChannelMiddleware:
    """Sets the channel of every request from its URL."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        with via(channel_of_path(request.path_info)):
            return self.get_response(request)
