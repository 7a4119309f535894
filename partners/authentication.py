"""Bearer tokens of partner systems, acting as the partner's service account."""

from django.utils.translation import gettext_lazy as _
from oauth2_provider.contrib.rest_framework import OAuth2Authentication
from rest_framework.exceptions import AuthenticationFailed


class PartnerTokenAuthentication(OAuth2Authentication):
    """A client-credentials token has no user of its own; it acts as the user its
    application belongs to (the partner's service account). A token of a deactivated
    partner or account authenticates nobody, and neither does a token that is no longer
    valid: both answer 401 instead of an anonymous reading."""

    def authenticate(self, request):
        if not request.headers.get("Authorization", "").lower().startswith("bearer "):
            return None  # no token: nothing for OAuth to parse (most directory reads)
        result = super().authenticate(request)
        if result is None:
            # A caller who presents a token that is expired, revoked or unknown is told
            # so, rather than being served silently as an anonymous caller.
            raise AuthenticationFailed(_("The token is invalid, expired or revoked."))
        user, token = result
        application = token.application
        partner = getattr(application, "partner", None)
        account = user or application.user
        if partner is None or not partner.active or account is None or not account.is_active:
            raise AuthenticationFailed(_("This partner system is not active."))
        return account, token
