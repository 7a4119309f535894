"""Importing population by group (women, 65 and over, 0-17) per municipality and year.

A CSV with the columns ``istat_code,group,year,population,source``, as ISTAT's demographic
tables give them. The file goes in whole or not at all: every row is checked first, and
any error is reported with its line and column while nothing is written.
"""

from __future__ import annotations

from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from gaps.csv_rows import ImportResult, read_rows
from gaps.models import PopulationFigure
from registry.models import Municipality

COLUMNS = ("istat_code", "group", "year", "population", "source")


def import_population(path: Path) -> ImportResult:
    rows, errors = read_rows(path, COLUMNS)
    if errors:
        return ImportResult(0, 0, errors)
    municipalities = {
        m.istat_code: m
        for m in Municipality.objects.filter(
            istat_code__in={row["istat_code"] for row in rows}
        ).only("id", "istat_code")
    }
    existing = {
        (figure.municipality_id, figure.group, figure.year): figure
        for figure in PopulationFigure.objects.filter(municipality__in=municipalities.values())
    }
    errors, figures = [], []
    for line, row in enumerate(rows, start=2):
        municipality = municipalities.get(row["istat_code"])
        if municipality is None:
            errors.append(
                _("line %(line)d, istat_code: unknown municipality %(code)s.")
                % {"line": line, "code": row["istat_code"]}
            )
            continue
        try:
            year, population = int(row["year"]), int(row["population"])
        except ValueError:
            errors.append(
                _("line %(line)d, year/population: whole numbers expected.") % {"line": line}
            )
            continue
        figure = existing.get((municipality.pk, row["group"], year)) or PopulationFigure(
            municipality=municipality, group=row["group"], year=year
        )
        figure.population, figure.source = population, row["source"]
        try:
            # The unique check would find the row being updated: the key is the look-up.
            figure.full_clean(validate_unique=False)
        except ValidationError as error:
            for field, messages in error.message_dict.items():
                errors += [f"line {line}, {field}: {message}" for message in messages]
            continue
        figures.append(figure)
    keys = [(f.municipality_id, f.group, f.year) for f in figures]
    if len(keys) != len(set(keys)):
        errors.append(_("The file gives the same municipality, group and year twice."))
    if errors:
        return ImportResult(0, 0, errors)
    with transaction.atomic():
        created = [f for f in figures if f._state.adding]
        for figure in figures:
            figure.save()
    return ImportResult(len(created), len(figures) - len(created), [])
