"""Which scopes a partner's token may carry: those granted to the partner, no more."""

from oauth2_provider.scopes import SettingsScopes


class PartnerScopes(SettingsScopes):
    def get_available_scopes(self, application=None, request=None, *args, **kwargs) -> list[str]:
        everything = super().get_available_scopes(application, request, *args, **kwargs)
        partner = getattr(application, "partner", None) if application is not None else None
        if partner is None or not partner.active:
            return []
        return [scope for scope in everything if scope in partner.scopes]

    def get_default_scopes(self, application=None, request=None, *args, **kwargs) -> list[str]:
        available = self.get_available_scopes(application, request, *args, **kwargs)
        defaults = super().get_default_scopes(application, request, *args, **kwargs)
        return [scope for scope in defaults if scope in available]
