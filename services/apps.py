from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ServicesConfig(AppConfig):
    name = "services"
    verbose_name = _("Service directory")

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        post_migrate.connect(_sync_role_groups, sender=self)


def _sync_role_groups(sender, using="default", **kwargs) -> None:
    # Runs after every migrate. Permissions of apps migrated after this one do not exist
    # yet on a fresh database, so create them all first (idempotent).
    from django.apps import apps as global_apps
    from django.contrib.auth.management import create_permissions

    from services.roles import sync_role_groups

    for app_config in global_apps.get_app_configs():
        create_permissions(app_config, verbosity=0, using=using, apps=global_apps)
    sync_role_groups()
