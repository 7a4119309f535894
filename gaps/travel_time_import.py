"""Importing a travel-time matrix (municipality centroid → site, minutes), as a routing
engine exports it: CSV ``istat_code,site_id,minutes,source``. All rows or none; each
error is reported with its line and column."""

from __future__ import annotations

import math
from pathlib import Path

from django.db import transaction
from django.utils.translation import gettext as _

from gaps.csv_rows import ImportResult, read_rows
from gaps.models import TravelTime
from registry.models import Municipality
from services.models import Site

COLUMNS = ("istat_code", "site_id", "minutes", "source")


def import_travel_times(path: Path) -> ImportResult:
    rows, errors = read_rows(path, COLUMNS)
    if errors:
        return ImportResult(0, 0, errors)
    municipalities = dict(
        Municipality.objects.filter(istat_code__in={row["istat_code"] for row in rows}).values_list(
            "istat_code", "pk"
        )
    )
    site_ids = {row["site_id"] for row in rows if row["site_id"].isdigit()}
    sites = set(Site.objects.filter(pk__in=site_ids).values_list("pk", flat=True))
    errors, parsed = [], {}
    for line, row in enumerate(rows, start=2):
        municipality = municipalities.get(row["istat_code"])
        if municipality is None:
            errors.append(
                _("line %(line)d, istat_code: unknown municipality %(code)s.")
                % {"line": line, "code": row["istat_code"]}
            )
            continue
        if not row["site_id"].isdigit() or int(row["site_id"]) not in sites:
            errors.append(
                _("line %(line)d, site_id: unknown site %(site)s.")
                % {"line": line, "site": row["site_id"]}
            )
            continue
        try:
            minutes = float(row["minutes"])
        except ValueError:
            minutes = math.nan
        if not (math.isfinite(minutes) and minutes >= 0):
            errors.append(
                _("line %(line)d, minutes: a number of minutes, 0 or more.") % {"line": line}
            )
            continue
        key = (municipality, int(row["site_id"]))
        if key in parsed:
            errors.append(_("line %(line)d: this pair is given twice.") % {"line": line})
            continue
        parsed[key] = (minutes, row["source"])
    if errors:
        return ImportResult(0, 0, errors)
    with transaction.atomic():
        existing = {
            (t.municipality_id, t.site_id): t
            for t in TravelTime.objects.filter(
                municipality_id__in={m for m, _s in parsed}, site_id__in={s for _m, s in parsed}
            )
        }
        new, changed = [], []
        for (municipality, site), (minutes, source) in parsed.items():
            current = existing.get((municipality, site))
            if current is None:
                new.append(
                    TravelTime(
                        municipality_id=municipality, site_id=site, minutes=minutes, source=source
                    )
                )
            else:
                current.minutes, current.source = minutes, source
                changed.append(current)
        TravelTime.objects.bulk_create(new, batch_size=5000)
        TravelTime.objects.bulk_update(changed, ["minutes", "source"], batch_size=5000)
    return ImportResult(len(new), len(changed), [])
