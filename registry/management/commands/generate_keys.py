"""``manage.py generate_keys``: print fresh secrets for a production ``.env``."""

import base64
import secrets

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Print a new SECRET_KEY, FIELD_ENCRYPTION_KEYS and IDENTIFIER_HASH_KEY."
    requires_system_checks = []

    def handle(self, *args, **options) -> None:
        self.stdout.write(f"SECRET_KEY={secrets.token_urlsafe(50)}")
        fernet_key = base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()
        self.stdout.write(f"FIELD_ENCRYPTION_KEYS={fernet_key}")
        self.stdout.write(f"IDENTIFIER_HASH_KEY={secrets.token_urlsafe(32)}")
