"""Who read which person's record, and when: one access-log row per record shown.

Personal records are the models scoped by ``objects.visible_to(user)``. Every API page or
detail and every back-office change page that shows such a record writes one
django-auditlog ``LogEntry`` with action ACCESS per record, in one query per request
(so a page of 100 costs as many queries as a page of 10). The row names the record by
model and id only, and the client's address behind the configured proxies
(``core.client_ip``).

The table is append-only in the database (``core.models.AccessLogEntry``: no UPDATE, no
TRUNCATE, no DELETE of a row younger than 24 months); ``beneficiaries/access_report.py``
reads it back per person for the data-protection officer.
"""

from __future__ import annotations

from collections.abc import Iterable

from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import models

from core.client_ip import client_ip


def is_personal(model: type[models.Model]) -> bool:
    return hasattr(model._default_manager, "visible_to")


def client_address(request) -> str | None:
    # The client as the configured proxies saw it (TRUSTED_PROXY_COUNT): behind them, not
    # the proxy's own address; without them, the peer (a forged X-Forwarded-For moves
    # nothing).
    return client_ip(request)


def log_access(request, records: Iterable[models.Model], *, via: str) -> None:
    records = [record for record in records if record.pk is not None and is_personal(type(record))]
    if not records:
        return
    user = request.user if request.user.is_authenticated else None
    details = {"via": via, "path": request.path}
    application = getattr(getattr(request, "auth", None), "application", None)
    if application is not None:
        details["partner"] = application.client_id
    address = client_address(request)
    entries = []
    for record in records:
        entries.append(
            LogEntry(
                content_type=ContentType.objects.get_for_model(record),
                object_pk=str(record.pk),
                # Model and id, not __str__: no name, and no query for related rows.
                object_repr=f"{record._meta.label_lower} {record.pk}",
                action=LogEntry.Action.ACCESS,
                actor=user,
                actor_email=(user.email or None) if user else None,
                remote_addr=address,
                additional_data=details,
                changes_text="",
            )
        )
    LogEntry.objects.bulk_create(entries)


class AccessLoggedMixin:
    """For API views of personal records: the page of a list, the object of a detail."""

    def paginate_queryset(self, queryset):
        page = super().paginate_queryset(queryset)
        if page is not None:
            log_access(self.request, page, via="api")
        return page

    def get_object(self):
        record = super().get_object()
        log_access(self.request, [record], via="api")
        return record
