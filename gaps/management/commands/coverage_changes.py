import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from gaps.comparison import differences, run_before
from gaps.runs import latest_complete_run
from registry.models import MetropolitanCity


class Command(BaseCommand):
    help = "What changed in a scope's coverage since a date (default: 30 days ago)."

    def add_arguments(self, parser):
        parser.add_argument("--metro", help="metropolitan city slug (default: all cities)")
        parser.add_argument("--since", type=datetime.date.fromisoformat, help="YYYY-MM-DD")
        parser.add_argument("--limit", type=int, default=50)

    def handle(self, *args, metro, since, limit, **options):
        city = None
        if metro is not None:
            city = MetropolitanCity.objects.filter(slug=metro).first()
            if city is None:
                raise CommandError(f"No metropolitan city {metro!r}.")
        latest = latest_complete_run(city)
        if latest is None:
            raise CommandError("No complete run yet for this scope.")
        moment = (
            timezone.make_aware(datetime.datetime.combine(since, datetime.time.max))
            if since
            else timezone.now() - datetime.timedelta(days=30)
        )
        older = run_before(latest, moment)
        if older is None:
            raise CommandError("No complete run of this scope that old to compare with.")
        found = differences(older, latest)
        self.stdout.write(f"Run {older.pk} -> run {latest.pk}: {len(found)} changes.")
        for difference in found[:limit]:
            self.stdout.write(
                f"{difference.standard} {difference.area_kind} {difference.area} "
                f"{difference.figure}: {difference.before} -> {difference.after}"
            )
