"""Reading the rows of an import CSV, with the columns it must have, and what an
import answers."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from django.utils.translation import gettext as _


@dataclass(frozen=True)
class ImportResult:
    created: int
    updated: int
    errors: list[str]


def read_rows(path: Path, columns: tuple[str, ...]) -> tuple[list[dict], list[str]]:
    """The file's rows, or the error naming the missing columns."""
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        missing = [column for column in columns if column not in (reader.fieldnames or [])]
        if missing:
            return [], [_("Missing columns: %s.") % ", ".join(missing)]
        return list(reader), []
