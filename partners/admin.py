from django.contrib import admin

from partners.models import PartnerClient
from registry.admin import AtlanteModelAdmin


@admin.register(PartnerClient)
class PartnerClientAdmin(AtlanteModelAdmin):
    list_display = ("application", "organisation", "allowed_scopes", "active")
    list_filter = ("active",)
    list_select_related = ("application", "organisation")
    raw_id_fields = ("application", "organisation")
