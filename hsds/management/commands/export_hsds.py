"""``manage.py export_hsds --format json|datapackage OUTPUT``."""

from pathlib import Path

from django.core.management.base import BaseCommand

from hsds import export


class Command(BaseCommand):
    help = (
        "Export the public directory as HSDS 3.1: a JSON file of fully nested services, "
        "or a tabular data package (a directory of CSV files and datapackage.json)."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--format", choices=("json", "datapackage"), default="json")
        parser.add_argument("output", help="JSON file, or directory for the data package.")

    def handle(self, *args, **options) -> None:
        output = Path(options["output"])
        if options["format"] == "json":
            count = export.write_json(output)
            self.stdout.write(f"{count} services written to {output}")
            return
        counts = export.write_datapackage(output)
        for name, count in counts.items():
            if count:
                self.stdout.write(f"{name}: {count}")
        self.stdout.write(f"Data package written to {output}")
