"""The HSDS 3.1 publication of the directory, ``/api/hsds/``."""

app_name = "hsds"
urlpatterns: list = []
