"""Partner systems: OAuth2 client-credentials applications that act for one organisation.

A partner's token acts as the partner's service account, so it reaches exactly what a
member of that organisation with the account's role reaches (the one scoping function),
and never more than the scopes granted to the partner allow.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from oauth2_provider.models import Application

from core.tracking import Tracked
from services.models import Organisation


def validate_scopes(value: str) -> None:
    known = settings.OAUTH2_PROVIDER["SCOPES"]
    unknown = sorted(set(value.split()) - set(known))
    if unknown:
        raise ValidationError(
            _("Unknown scopes: %(scopes)s. Known: %(known)s."),
            code="unknown_scope",
            params={"scopes": ", ".join(unknown), "known": ", ".join(sorted(known))},
        )


class PartnerClient(Tracked):
    application = models.OneToOneField(
        Application,
        on_delete=models.CASCADE,
        related_name="partner",
        verbose_name=_("OAuth2 application"),
    )
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="partner_clients",
        verbose_name=_("organisation"),
    )
    allowed_scopes = models.CharField(
        _("allowed scopes"),
        max_length=200,
        validators=[validate_scopes],
        help_text=_("Space-separated: the most a token of this partner can be granted."),
    )
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("partner system")
        verbose_name_plural = _("partner systems")

    def __str__(self) -> str:
        return self.application.name

    @property
    def scopes(self) -> list[str]:
        return self.allowed_scopes.split()
