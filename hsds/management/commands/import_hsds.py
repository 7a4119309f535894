"""``manage.py import_hsds FILE [--source NAME]``."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from hsds.importer import import_publication, read_publication


class Command(BaseCommand):
    help = (
        "Import an HSDS 3.1 JSON publication (a list of fully nested services). Each "
        "invalid record is reported and skipped; importing again updates the same rows."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("file")
        parser.add_argument(
            "--source", help="Name of the source directory (default: the file name stem)."
        )

    def handle(self, *args, **options) -> None:
        path = Path(options["file"])
        try:
            records = read_publication(path)
        except (OSError, ValueError) as error:
            raise CommandError(str(error)) from error
        report = import_publication(records, source=options["source"] or path.stem)
        for problem in report.problems:
            stream = self.stdout if problem.warning else self.stderr
            stream.write(str(problem))
        self.stdout.write(
            f"{len(report.imported)} imported, {len(report.rejected)} rejected "
            f"({len(records)} records)."
        )
