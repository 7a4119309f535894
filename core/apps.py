from django.apps import AppConfig


class CoreConfig(AppConfig):
    """What every app stands on: the domain's error type, the change audit, locking."""

    name = "core"
    verbose_name = "Atlante core"
