from django.db import migrations


class Migration(migrations.Migration):
    """The catchment and the Gaussian spread are in the standard's catchment unit (km or
    minutes), not always km."""

    dependencies = [("gaps", "0004_travel_times")]

    operations = [
        migrations.RenameField("standard", "catchment_km", "catchment"),
        migrations.RenameField("standard", "sigma_km", "sigma"),
    ]
