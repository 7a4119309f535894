"""A dashboard table as pages and exports both use it: columns, rows, totals.

Columns that count people are published only after small-cell suppression
(``dashboards.suppression``): a table is built with raw counts, ``publish()`` returns the
copy that may leave the server. Exports (CSV, XLSX) and pages render the published copy.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace


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
        from dashboards.suppression import suppress_table

        if self.published:
            return self
        return replace(suppress_table(self), published=True)
