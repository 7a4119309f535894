"""``auditlogflush``, as the access log allows it: only rows past the retention.

django-auditlog's command empties the whole table (DELETE or TRUNCATE). The access log is
append-only and kept at least 24 months (core/append_only.py; the database refuses the
rest on PostgreSQL), so this command, which shadows auditlog's (``core`` comes before
``auditlog`` in INSTALLED_APPS), refuses plainly instead of failing in the database, and
purges only what the retention lets go: rows older than ``ACCESS_LOG_RETENTION_DAYS``.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from core.append_only import MIN_RETENTION_DAYS
from core.models import AccessLogEntry


def retention_days() -> int:
    """The purge's retention: the setting, never below what the database enforces."""
    configured = int(getattr(settings, "ACCESS_LOG_RETENTION_DAYS", MIN_RETENTION_DAYS))
    return max(configured, MIN_RETENTION_DAYS)


class Command(BaseCommand):
    help = (
        "Deletes access-log entries older than the retention (ACCESS_LOG_RETENTION_DAYS, at "
        "least 730 days). The log is append-only: it is never emptied or truncated."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--expired",
            action="store_true",
            help="Delete the entries older than the retention (nothing younger).",
        )
        # auditlog's own options, kept so that a habit gets an explanation, not a usage error.
        parser.add_argument("-y", "--yes", action="store_true", help="Ask no confirmation.")
        parser.add_argument(
            "-b",
            "--before-date",
            dest="before_date",
            type=datetime.date.fromisoformat,
            help="Delete the entries before this date (ISO 8601), if it is past the retention.",
        )
        parser.add_argument(
            "-t", "--truncate", action="store_true", help="Refused: the log is append-only."
        )

    def handle(self, *args, **options) -> None:
        days = retention_days()
        cutoff = timezone.localdate() - datetime.timedelta(days=days)
        explanation = (
            f"The access log is append-only: every entry is kept at least {days} days "
            f"(ACCESS_LOG_RETENTION_DAYS; never less than {MIN_RETENTION_DAYS}, 24 months), "
            "and the database refuses to change, truncate or delete younger entries. "
            f"Only entries from before {cutoff.isoformat()} may be deleted: "
            "run `manage.py auditlogflush --expired`."
        )
        if options["truncate"]:
            raise CommandError(explanation)
        before = options["before_date"]
        if before is None and not options["expired"]:
            raise CommandError(explanation)
        if before is not None and before > cutoff:
            raise CommandError(explanation)
        until = min(before or cutoff, cutoff)
        if not options["yes"]:
            answer = input(f"Delete the access-log entries from before {until}? [y/N]: ")
            if answer.strip().lower() != "y":
                self.stdout.write("Aborted.")
                return
        deleted, _ = AccessLogEntry.objects.filter(timestamp__date__lt=until).delete()
        self.stdout.write(f"Deleted {deleted} access-log entries from before {until}.")
