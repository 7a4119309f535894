"""``manage.py load_territory [--metro roma ...]``: load the shipped territory data."""

from django.core.management.base import BaseCommand, CommandError

from registry.territory import load_territory, metro_slugs


class Command(BaseCommand):
    help = "Load metropolitan cities and municipalities (ISTAT, 2011 census); idempotent."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--metro",
            action="append",
            choices=metro_slugs(),
            help="Only this metropolitan city (repeatable). Default: all 14.",
        )

    def handle(self, *args, **options) -> None:
        try:
            report = load_territory(metro_slugs=set(options["metro"] or []))
        except ValueError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(
            f"Metropolitan cities: {report.cities_created} created, "
            f"{report.cities_updated} updated. Municipalities: "
            f"{report.municipalities_created} created, {report.municipalities_updated} updated, "
            f"{report.municipalities_unchanged} unchanged."
        )
        self.stdout.write(
            "Fonte: ISTAT (CC BY); boundaries © ISTAT, processed by Openpolis (CC BY 4.0)."
        )
