"""Smoke run of the pages on the embedded default (SQLite), after ``make smoke`` seeds it.

The test suite runs on PostgreSQL; this run catches SQL that only PostgreSQL understands in
the pages the quick start serves. Each demo login opens its landing page, and the official
opens every dashboard page, every export and the map data of the seeded city. Any answer
other than 200 is printed with its path, and the run exits 1.

Run with ``make smoke`` (``python -m tests.smoke_pages``, with ``ATLANTE_VAR_DIR`` set to
the smoke database's folder).
"""

from __future__ import annotations

import os
import sys


def paths_of_the_official(city) -> list[str]:
    """The dashboard of ``city``, one page of each drill-down level, every export."""
    from django.urls import reverse

    from dashboards.views.pages import TABLE_KEYS
    from registry.models import Municipality, Zone
    from services.models import ServiceCategory

    slug = city.slug
    zone = Zone.objects.filter(metropolitan_city=city).order_by("code").first()
    municipality = Municipality.objects.filter(metropolitan_city=city).order_by("-population")[0]
    category = ServiceCategory.objects.filter(parent=None).order_by("code").first()
    paths = [
        reverse("admin:index"),
        reverse("admin:dashboard-city", args=[slug]) + "?months=24",
        reverse("admin:dashboard-city", args=[slug]) + "?lens=demand&level=zone",
        reverse("admin:dashboard-zone", args=[slug, zone.code]),
        reverse("admin:dashboard-municipality", args=[slug, municipality.istat_code]),
        reverse("admin:dashboard-category", args=[slug, category.code]),
        reverse("admin:dashboard-map", args=[slug]),
    ]
    for key in TABLE_KEYS:
        for fmt in ("csv", "xlsx"):
            paths.append(reverse("admin:dashboard-export", args=[slug, key, fmt]))
    return paths


def main() -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.test import Client
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from demo.users import DEMO_PASSWORD
    from registry.models import MetropolitanCity
    from tests.auth import verified_login

    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.sqlite3":
        print("smoke_pages: the embedded default (SQLite) is expected", file=sys.stderr)
        return 2
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    seeded = MetropolitanCity.objects.filter(municipalities__organisations__isnull=False)
    city = seeded.distinct().first()
    visits = {
        "demo-social-worker": ["/workspace/"],
        "demo-provider": ["/workspace/"],
        "demo-admin": ["/admin/"],
        "demo-official": paths_of_the_official(city),
    }
    failed = 0
    for username, paths in visits.items():
        client = Client(raise_request_exception=False)
        user = get_user_model().objects.filter(username=username).first()
        if user is None or not user.check_password(DEMO_PASSWORD):
            print(f"FAIL {username}: cannot log in")
            failed += 1
            continue
        # Past the second factor as after a code; a device made for the run is removed
        # after it, so that the demo login still enrols its own at its first sign-in.
        had_device = TOTPDevice.objects.filter(user=user).exists()
        verified_login(client, user)
        for path in paths:
            status = client.get(path).status_code
            if status != 200:
                failed += 1
            print(f"{'ok  ' if status == 200 else 'FAIL'} {status} {username:<20} {path}")
        if not had_device:
            TOTPDevice.objects.filter(user=user).delete()
    print(f"smoke_pages: {failed} failed" if failed else "smoke_pages: every page answered 200")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
