"""Cells of the spreadsheets Atlante writes (CSV, XLSX): what comes from data stays data.

A spreadsheet program reads a cell that starts with ``=``, ``+``, ``-`` or ``@`` (or a
tab, a carriage return, a line feed or a NUL before one) as a formula, so a zone or
service named ``=HYPERLINK("http://x","y")`` would turn an official's export into a link
that leaks the sheet, or worse (CSV/formula injection: OWASP "CSV Injection", ASVS 5.0
1.2.10). Every text cell written from data therefore goes through :func:`safe_cell`: a
text that could be read as a formula gets a leading apostrophe, which spreadsheet
programs show as text. Leading spaces do not protect a formula in every program (some
trim them), so the first character after them counts too. The full-width forms of the
four signs are neutralised as well, since some programs normalise them.

Numbers stay numbers (a negative number written as a number is not a formula), and
``None`` stays empty. Only text is changed.

The change can be undone: a text that starts with an apostrophe is quoted too, so
:func:`restore_cell` gives back exactly what was written, for the programs that read our
own files back (the HSDS data package is a machine format: ``hsds.schemas.row_from_csv``).
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from django.utils.functional import Promise

QUOTE = "'"
# What a spreadsheet program may read as the start of a formula (OWASP, ASVS 1.2.10),
# with the full-width equals, plus, minus and commercial at.
FORMULA_PREFIXES = frozenset("=+-@\t\r\n\0\uff1d\uff0b\uff0d\uff20")
# Values written as they are: numbers, dates and empty cells are never formulas.
_AS_IS = (bool, int, float, Decimal, datetime.date, datetime.time, datetime.timedelta)
# Characters XML 1.0 cannot hold (openpyxl refuses them): dropped from XLSX text cells.
_XML_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def needs_quote(text: str) -> bool:
    """Whether ``text`` would be read as a formula, or starts with the quote itself."""
    if not text:
        return False
    if text[0] == QUOTE or text[0] in FORMULA_PREFIXES:
        return True
    return text.lstrip()[:1] in FORMULA_PREFIXES


def safe_cell(value: Any) -> Any:
    """The value as a spreadsheet cell may hold it: text neutralised, numbers untouched."""
    if value is None or isinstance(value, _AS_IS):
        return value
    text = str(value) if isinstance(value, Promise) or not isinstance(value, str) else value
    return QUOTE + text if needs_quote(text) else text


def safe_row(values: Iterable[Any]) -> list[Any]:
    """A row for ``csv.writer``."""
    return [safe_cell(value) for value in values]


def safe_record(record: Mapping[str, Any]) -> dict[str, Any]:
    """A row for ``csv.DictWriter`` (the column names are ours, the values neutralised)."""
    return {key: safe_cell(value) for key, value in record.items()}


def restore_cell(text: str) -> str:
    """The text :func:`safe_cell` was given, from the cell it wrote (a CSV reader's side)."""
    if text.startswith(QUOTE) and needs_quote(text[1:]):
        return text[1:]
    return text


def append_xlsx_row(sheet, values: Iterable[Any]) -> None:
    """Append a row to an openpyxl worksheet with every text cell stored as text.

    openpyxl stores a text that starts with ``=`` as a formula; after :func:`safe_cell`
    none does, and each text cell is still pinned to the string type (``"s"``) so that a
    later change of either cannot bring a live formula back."""
    row = []
    for value in values:
        if value is not None and not isinstance(value, _AS_IS):
            value = _XML_ILLEGAL.sub("", str(value))
        row.append(safe_cell(value))
    sheet.append(row)
    for cell in sheet[sheet.max_row]:
        if isinstance(cell.value, str):
            cell.data_type = "s"
