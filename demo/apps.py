from django.apps import AppConfig


class DemoConfig(AppConfig):
    """Demo data for the quick start and the benchmarks: the top of the house, imported by
    nothing else (``manage.py seed_demo``)."""

    name = "demo"
    verbose_name = "Atlante demo data"
