from django.db import migrations

from services.reference_data import sync_reference_data


def forward(apps, schema_editor):
    sync_reference_data(
        apps.get_model("services", "ServiceCategory"), apps.get_model("services", "Language")
    )


class Migration(migrations.Migration):
    dependencies = [("services", "0001_initial")]

    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
