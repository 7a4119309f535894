"""What the import commands share: a CSV file in, all rows or none, errors on stderr."""

from collections.abc import Callable
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from gaps.csv_rows import ImportResult


class CsvImportCommand(BaseCommand):
    importer: Callable[[Path], ImportResult]

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)

    def handle(self, *args, file: Path, **options):
        if not file.exists():
            raise CommandError(f"No such file: {file}")
        result = type(self).importer(file)
        if result.errors:
            for error in result.errors:
                self.stderr.write(error)
            raise CommandError(f"{len(result.errors)} errors: nothing was imported.")
        self.stdout.write(f"{result.created} created, {result.updated} updated.")
