from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SecurityConfig(AppConfig):
    """Who may sign in and how: second factor, lockout, security events, sessions,
    re-authentication and the client's address (docs/security.md)."""

    name = "security"
    verbose_name = _("Security")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from security import signals

        signals.connect()
