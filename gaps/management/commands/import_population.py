from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from gaps.population_import import import_population


class Command(BaseCommand):
    help = (
        "Import population by group (CSV: istat_code,group,year,population,source); "
        "all rows or none."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)

    def handle(self, *args, file: Path, **options):
        if not file.exists():
            raise CommandError(f"No such file: {file}")
        result = import_population(file)
        if result.errors:
            for error in result.errors:
                self.stderr.write(error)
            raise CommandError(f"{len(result.errors)} errors: nothing was imported.")
        self.stdout.write(f"{result.created} created, {result.updated} updated.")
