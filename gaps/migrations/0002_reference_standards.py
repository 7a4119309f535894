from django.db import migrations


def seed(apps, schema_editor):
    from gaps.reference_standards import sync_standards

    sync_standards(
        apps.get_model("gaps", "Standard"), apps.get_model("services", "ServiceCategory")
    )


class Migration(migrations.Migration):
    dependencies = [
        ("gaps", "0001_initial"),
        ("services", "0002_reference_data"),
    ]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
