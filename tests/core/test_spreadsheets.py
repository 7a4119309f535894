"""Spreadsheet cells (core/spreadsheets.py): formula-like text is written as text, numbers
as numbers, and a reader of our own files gets the text back exactly (issue 13, item 7)."""

import csv
import datetime
import io
from decimal import Decimal

import pytest
from django.utils.translation import gettext_lazy
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook

from core.spreadsheets import append_xlsx_row, restore_cell, safe_cell, safe_record, safe_row

PAYLOADS = [
    '=HYPERLINK("http://x","y")',
    "+1+1",
    "-2+3",
    "@SUM(A1)",
    "\t=1+1",
    "\r=1+1",
    "  =cmd|' /C calc'!A0",
    "\uff1d1+1",  # full-width equals sign
]


@pytest.mark.parametrize("payload", PAYLOADS)
def test_formula_like_text_gets_a_leading_apostrophe(payload):
    assert safe_cell(payload) == "'" + payload


@pytest.mark.parametrize(
    "text", ["Roma", "Ambito 1 - Centro", "D'Amico", "<5", "n.d.", "", " ", "a=b", "1+1"]
)
def test_ordinary_text_is_left_alone(text):
    assert safe_cell(text) == text


@pytest.mark.parametrize(
    "value",
    [None, 0, -2, -2.5, 3.0, Decimal("-1.25"), True, datetime.date(2026, 1, 1)],
)
def test_numbers_dates_and_empty_cells_are_written_as_they_are(value):
    assert safe_cell(value) is value


def test_a_text_that_starts_with_the_apostrophe_is_quoted_too_so_reading_is_exact():
    assert safe_cell("'=1") == "''=1"
    assert restore_cell("''=1") == "'=1"
    assert safe_cell("'plain") == "''plain"
    assert restore_cell(safe_cell("'plain")) == "'plain"


def test_lazy_translations_and_other_objects_are_written_as_their_text():
    assert safe_cell(gettext_lazy("Total")) == "Total"

    class Named:
        def __str__(self) -> str:
            return "=1+1"

    assert safe_cell(Named()) == "'=1+1"


@given(st.text())
def test_restore_cell_undoes_safe_cell_for_every_text(text):
    assert restore_cell(safe_cell(text)) == text


@given(st.text())
def test_no_written_text_starts_a_formula(text):
    written = safe_cell(text)
    assert not written.lstrip().startswith(("=", "+", "-", "@"))
    assert not written.startswith(("\t", "\r", "\n", "\0"))


def test_csv_rows_and_records_read_back_as_text_and_numbers():
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(safe_row(["+1+1", -3, 2.5, None]))
    dict_writer = csv.DictWriter(buffer, fieldnames=["name", "gap"])
    dict_writer.writerow(safe_record({"name": "@SUM(A1)", "gap": -4.0}))
    rows = list(csv.reader(io.StringIO(buffer.getvalue())))
    assert rows == [["'+1+1", "-3", "2.5", ""], ["'@SUM(A1)", "-4.0"]]


def test_xlsx_text_cells_are_strings_never_formulas():
    workbook = Workbook()
    sheet = workbook.active
    append_xlsx_row(sheet, ["Area", "people"])
    for payload in PAYLOADS:
        append_xlsx_row(sheet, [payload, -7])
    append_xlsx_row(sheet, ["bad\x00char\x1b", 3])
    buffer = io.BytesIO()
    workbook.save(buffer)

    read = load_workbook(io.BytesIO(buffer.getvalue())).active
    rows = list(read.iter_rows(min_row=2))
    for payload, (name, figure) in zip(PAYLOADS, rows, strict=False):
        assert name.data_type == "s"
        # XML reads a carriage return back as a line feed; the rest is kept as written.
        assert name.value == "'" + payload.replace("\r", "\n")
        assert figure.data_type == "n" and figure.value == -7
    assert rows[-1][0].value == "badchar"
    assert not any(cell.data_type == "f" for row in read.iter_rows() for cell in row)
