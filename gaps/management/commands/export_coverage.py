from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from gaps.exports import as_csv, as_geojson
from gaps.models import CoverageRun, RunStatus
from gaps.runs import latest_complete_run
from registry.models import MetropolitanCity


class Command(BaseCommand):
    help = "Write a coverage run's results as CSV or GeoJSON (the latest complete run by default)."

    def add_arguments(self, parser):
        parser.add_argument("output", type=Path)
        parser.add_argument("--format", choices=("csv", "geojson"), default="csv")
        parser.add_argument("--run", type=int, help="run id")
        parser.add_argument("--metro", help="metropolitan city slug (default: all cities)")

    def handle(
        self, *args, output: Path, format: str, run: int | None, metro: str | None, **options
    ):
        if run is not None:
            chosen = CoverageRun.objects.filter(pk=run, status=RunStatus.COMPLETE).first()
            if chosen is None:
                raise CommandError(f"No complete run with id {run}.")
        else:
            city = None
            if metro is not None:
                city = MetropolitanCity.objects.filter(slug=metro).first()
                if city is None:
                    raise CommandError(f"No metropolitan city {metro!r}.")
            chosen = latest_complete_run(city)
            if chosen is None:
                raise CommandError("No complete run yet for this scope.")
        output.write_text(
            as_csv(chosen) if format == "csv" else as_geojson(chosen), encoding="utf-8"
        )
        self.stdout.write(f"Run {chosen.pk} written to {output}.")
