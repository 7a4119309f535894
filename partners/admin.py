"""Partner systems in the back office.

Only client credentials are used, so django-oauth-toolkit's pages for grants, refresh and
ID tokens have nothing to show, and its application page would let anyone create a client
outside a partner (with no scopes, no organisation): they are replaced by this one page.
Partners are registered with ``manage.py register_partner`` (the secret is shown once);
here they are reviewed, narrowed and switched off, which stops their tokens at once.
"""

from django.contrib import admin
from oauth2_provider.models import (
    get_access_token_model,
    get_application_model,
    get_grant_model,
    get_id_token_model,
    get_refresh_token_model,
)

from partners.models import PartnerClient
from registry.admin import AtlanteModelAdmin

for model in (
    get_application_model(),
    get_access_token_model(),
    get_grant_model(),
    get_id_token_model(),
    get_refresh_token_model(),
):
    if admin.site.is_registered(model):
        admin.site.unregister(model)


@admin.register(PartnerClient)
class PartnerClientAdmin(AtlanteModelAdmin):
    list_display = ("application", "organisation", "allowed_scopes", "active", "updated_at")
    list_filter = ("active",)
    list_select_related = ("application", "organisation")
    search_fields = ("application__name", "organisation__name")
    fields = ("application", "organisation", "allowed_scopes", "active")
    readonly_fields = ("application", "organisation")

    def has_add_permission(self, request) -> bool:
        return False
