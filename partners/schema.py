"""How the OpenAPI schema describes partner authentication: OAuth2 client credentials,
with the scope each operation needs (from the same rules the permission class applies)."""

from django.conf import settings
from drf_spectacular.extensions import OpenApiAuthenticationExtension


class PartnerTokenScheme(OpenApiAuthenticationExtension):
    target_class = "partners.authentication.PartnerTokenAuthentication"
    name = "partnerToken"

    def get_security_requirement(self, auto_schema):
        from core.api.permissions import rule_for

        view = auto_schema.view
        rule = rule_for(view, view.request)
        return {self.name: [rule.scope]} if rule is not None else {self.name: []}

    def get_security_definition(self, auto_schema):
        return {
            "type": "oauth2",
            "flows": {
                "clientCredentials": {
                    "tokenUrl": "/api/v1/oauth/token/",
                    "scopes": {
                        scope: str(label)
                        for scope, label in settings.OAUTH2_PROVIDER["SCOPES"].items()
                    },
                }
            },
        }
