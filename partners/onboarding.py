"""Registering a partner system: a service account, its membership and an OAuth2 client."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils.text import slugify
from oauth2_provider.models import Application

from partners.models import PartnerClient
from services.models import Membership, Organisation


@dataclass(frozen=True)
class Credentials:
    client_id: str
    client_secret: str
    account: str


@transaction.atomic
def register_partner(
    name: str, organisation: Organisation, role: str, scopes: list[str]
) -> Credentials:
    """Create the partner's account (no password: it never signs in), its membership with
    ``role`` in ``organisation`` and a confidential client-credentials application.

    The secret is returned once; only its hash is stored."""
    account = get_user_model().objects.create_user(
        username=f"partner-{slugify(name)}-{secrets.token_hex(3)}", password=None
    )
    Membership.objects.create(user=account, organisation=organisation, role=role)
    secret = secrets.token_urlsafe(32)
    application = Application.objects.create(
        name=name,
        user=account,
        client_type=Application.CLIENT_CONFIDENTIAL,
        authorization_grant_type=Application.GRANT_CLIENT_CREDENTIALS,
        client_secret=secret,
    )
    partner = PartnerClient(
        application=application, organisation=organisation, allowed_scopes=" ".join(scopes)
    )
    partner.full_clean()
    partner.save()
    return Credentials(application.client_id, secret, account.username)
