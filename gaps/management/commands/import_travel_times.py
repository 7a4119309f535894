from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from gaps.travel_time_import import import_travel_times


class Command(BaseCommand):
    help = (
        "Import travel times from municipalities to sites (CSV: istat_code,site_id,minutes,"
        "source); all rows or none."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)

    def handle(self, *args, file: Path, **options):
        if not file.exists():
            raise CommandError(f"No such file: {file}")
        result = import_travel_times(file)
        if result.errors:
            for error in result.errors:
                self.stderr.write(error)
            raise CommandError(f"{len(result.errors)} errors: nothing was imported.")
        self.stdout.write(f"{result.created} created, {result.updated} updated.")
