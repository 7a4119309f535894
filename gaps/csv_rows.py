"""Reading the rows of an import CSV, with the columns it must have."""

from __future__ import annotations

import csv
from pathlib import Path

from django.utils.translation import gettext as _


def read_rows(path: Path, columns: tuple[str, ...]) -> tuple[list[dict], list[str]]:
    """The file's rows, or the error naming the missing columns."""
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        missing = [column for column in columns if column not in (reader.fieldnames or [])]
        if missing:
            return [], [_("Missing columns: %s.") % ", ".join(missing)]
        return list(reader), []
