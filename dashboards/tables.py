"""A dashboard table as pages and exports both use it: columns, rows, totals.

Columns that count people are published only after small-cell suppression
(``core.suppression``): a table is built with raw counts, ``publish()`` returns the
copy that may leave the server. Exports (CSV, XLSX) and pages render the published copy.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace

from core.suppression import MARKERS, Number, Published, suppress

# A people column keyed so is the sum of the row's other people columns.
TOTAL_COLUMN = "total"


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    people: bool = False  # a count of people: suppressed below 5, with its totals
    unit: str = ""  # e.g. "%", "days", "km" for display


@dataclass(frozen=True)
class Row:
    key: str
    label: str
    cells: dict[str, object]
    link: str | None = None  # the drill-down page of the row, if any


@dataclass(frozen=True)
class Table:
    key: str  # a slug, unique on its page: the export's file name
    title: str
    columns: tuple[Column, ...]
    rows: tuple[Row, ...]
    # The sum of the rows for the columns that add up (None: no total row).
    total: Row | None = None
    note: str = ""
    published: bool = field(default=False, compare=False)

    def column(self, key: str) -> Column:
        return next(column for column in self.columns if column.key == key)

    def publish(self) -> Table:
        """The copy that may leave the server: people columns suppressed."""
        if self.published:
            return self
        return replace(suppress_table(self), published=True)

    def published_as(self, cells: Mapping[tuple[str, str], Published]) -> Table:
        """The copy that may leave the server, its people cells published by whoever
        suppressed them over a family of tables (``dashboards.periods``): ``cells`` maps
        ``(row key, column key)`` to the published value of every people cell."""
        people = [column.key for column in self.columns if column.people]

        def publish_row(row: Row) -> Row:
            values = dict(row.cells)
            for key in people:
                if row.cells.get(key) is not None:
                    values[key] = cells[(row.key, key)]  # a missing cell is a bug: KeyError
            return replace(row, cells=values)

        return replace(
            self,
            rows=tuple(publish_row(row) for row in self.rows),
            total=None if self.total is None else publish_row(self.total),
            published=True,
        )


def _is_count(value: object) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return True
    return isinstance(value, float) and value.is_integer()


def _is_published_count(value: object) -> bool:
    return value in MARKERS or _is_count(value)


def suppress_table(table: Table) -> Table:
    """The table with its people columns published (see the module docstring).

    Equations: each people column's total row is the sum of the rows; when the table has
    a people column keyed ``"total"``, each row's total is the sum of its other people
    columns. A people column holding a value that is not a whole number (an average) is
    not a count: it is left as it is and takes part in no equation. A missing cell
    (``None``) is left as it is and drops the equations it is part of.
    """
    all_rows = [*table.rows, *([table.total] if table.total is not None else [])]
    people = [
        column.key
        for column in table.columns
        if column.people
        and all(
            row.cells.get(column.key) is None or _is_published_count(row.cells[column.key])
            for row in all_rows
        )
    ]
    if not people:
        return table
    row_keys = [row.key for row in table.rows]

    values: dict[tuple[str, str], Number | str] = {}
    for row in all_rows:
        for key in people:
            value = row.cells.get(key)
            if value is not None:
                values[(row.key, key)] = value  # type: ignore[assignment]

    equations: list[tuple[tuple[str, str], list[tuple[str, str]]]] = []
    if table.total is not None:
        for key in people:
            total = (table.total.key, key)
            members = [(row_key, key) for row_key in row_keys]
            if total in values and all(member in values for member in members):
                equations.append((total, members))
    if TOTAL_COLUMN in people:
        parts = [key for key in people if key != TOTAL_COLUMN]
        for row in all_rows:
            total = (row.key, TOTAL_COLUMN)
            members = [(row.key, key) for key in parts]
            if parts and total in values and all(member in values for member in members):
                equations.append((total, members))

    published = suppress(values, equations)

    def publish_row(row):
        cells = dict(row.cells)
        for key in people:
            if (row.key, key) in published:
                cells[key] = published[(row.key, key)]
        return replace(row, cells=cells)

    return replace(
        table,
        rows=tuple(publish_row(row) for row in table.rows),
        total=None if table.total is None else publish_row(table.total),
    )
