from django.core.management.base import BaseCommand, CommandError

from gaps.models import Standard
from gaps.whatif import AddCapacity, NewSite, UnknownSite, what_if
from registry.models import MetropolitanCity, Municipality


def pair(text: str) -> tuple[str, float]:
    key, _, units = text.partition(":")
    try:
        return key, float(units)
    except ValueError:
        raise CommandError(f"{text!r}: give KEY:UNITS, e.g. 1234:20") from None


class Command(BaseCommand):
    help = (
        "Show how a standard's coverage would change with more capacity at a site or a new "
        "site in a municipality; nothing is saved."
    )

    def add_arguments(self, parser):
        parser.add_argument("--metro", required=True, help="metropolitan city slug")
        parser.add_argument("--standard", required=True, help="standard code")
        parser.add_argument("--add-capacity", nargs="*", default=[], help="SITE_ID:UNITS")
        parser.add_argument("--new-site", nargs="*", default=[], help="ISTAT_CODE:UNITS")

    def handle(self, *args, metro, standard, add_capacity, new_site, **options):
        city = MetropolitanCity.objects.filter(slug=metro).first()
        if city is None:
            raise CommandError(f"No metropolitan city {metro!r}.")
        chosen = Standard.objects.filter(code=standard).first()
        if chosen is None:
            raise CommandError(f"No standard {standard!r}.")
        additions = []
        for key, units in map(pair, add_capacity):
            if not key.isdigit():
                raise CommandError(f"{key!r}: a site id is a number.")
            additions.append(AddCapacity(int(key), units))
        sites = []
        for key, units in map(pair, new_site):
            municipality = Municipality.objects.filter(istat_code=key).only("id").first()
            if municipality is None:
                raise CommandError(f"No municipality with ISTAT code {key}.")
            sites.append(NewSite(municipality.pk, units))
        try:
            changes = what_if(city, chosen, add_capacity=tuple(additions), new_sites=tuple(sites))
        except UnknownSite as error:
            raise CommandError(
                f"Site {error} does not offer this standard's category in this city."
            ) from None
        if not changes:
            self.stdout.write("No area would change.")
        for change in changes:
            self.stdout.write(
                f"{change.area_kind} {change.area_id}: supply {change.supply_before:g} -> "
                f"{change.supply_after:g}, gap {change.gap_before} -> {change.gap_after}, "
                f"accessibility {change.accessibility_before:.6g} -> "
                f"{change.accessibility_after:.6g}"
            )
