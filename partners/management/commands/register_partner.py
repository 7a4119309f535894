from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from partners.onboarding import register_partner
from services.models import Organisation, Role


class Command(BaseCommand):
    help = (
        "Register a partner system for an organisation and print its OAuth2 client id and "
        "secret (shown once)."
    )

    def add_arguments(self, parser):
        parser.add_argument("name", help="name of the partner system")
        parser.add_argument("--organisation", required=True, help="tax code of the organisation")
        parser.add_argument("--role", required=True, choices=Role.values)
        parser.add_argument("--scopes", required=True, nargs="+", help="e.g. directory:read")

    def handle(self, *args, name, organisation, role, scopes, **options):
        try:
            owner = Organisation.objects.get(tax_code=organisation, active=True)
        except Organisation.DoesNotExist:
            raise CommandError(f"No active organisation with tax code {organisation}.") from None
        try:
            credentials = register_partner(name, owner, role, scopes)
        except ValidationError as error:
            raise CommandError("; ".join(error.messages)) from None
        self.stdout.write(f"client_id: {credentials.client_id}")
        self.stdout.write(f"client_secret: {credentials.client_secret}")
        self.stdout.write(f"service account: {credentials.account}")
