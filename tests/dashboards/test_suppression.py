"""Small-cell suppression: primary "<5", complementary so no hidden cell is recovered."""

import math

from hypothesis import given, settings
from hypothesis import strategies as st

from core.suppression import SUPPRESSED, SUPPRESSED_SECONDARY, publish_count, suppress
from dashboards.tables import Column, Row, Table, suppress_table

MARKERS = (SUPPRESSED, SUPPRESSED_SECONDARY)
T = "T"  # the key of the totals in the 2D tables below


# --- an independent reader: what a line gives away --------------------------------------


def known(published):
    """What a reader knows of a hidden cell from its marker."""
    return (1, 4) if published == SUPPRESSED else (5, math.inf)


def intervals(published, total, members):
    """For each hidden entry of ``total = sum(members)``, the values it can take given
    every published entry of the line and the markers of the hidden ones."""
    signed = [(-1, total), *((1, m) for m in members)]
    hidden = [(sign, key) for sign, key in signed if published[key] in MARKERS]
    rest = -sum(sign * published[key] for sign, key in signed if published[key] not in MARKERS)
    found = {}
    for sign, key in hidden:
        lo_others = hi_others = 0
        for other_sign, other in hidden:
            if other == key:
                continue
            lo, hi = known(published[other])
            lo_others += other_sign * (lo if other_sign > 0 else hi)
            hi_others += other_sign * (hi if other_sign > 0 else lo)
        # sign * x = rest - (sum of the others), with the others inside their bounds
        a, b = (rest - hi_others) * sign, (rest - lo_others) * sign
        lo, hi = known(published[key])
        found[key] = (max(lo, min(a, b)), min(hi, max(a, b)))
    return found


def unprotectable(values, total, members):
    """The one line no suppression of non-zero cells protects: 4 = 1 + 1 + 1 + 1."""
    non_zero = [values[m] for m in members if values[m]]
    return values[total] == 4 and non_zero == [1, 1, 1, 1]


# --- random 2D tables -------------------------------------------------------------------

small_counts = st.one_of(st.integers(1, 4), st.just(0), st.integers(0, 30))


@st.composite
def tables(draw):
    n_rows, n_cols = draw(st.integers(1, 5)), draw(st.integers(1, 5))
    values = {}
    for i in range(n_rows):
        for j in range(n_cols):
            values[(i, j)] = draw(small_counts)
    for i in range(n_rows):
        values[(i, T)] = sum(values[(i, j)] for j in range(n_cols))
    for j in range(n_cols):
        values[(T, j)] = sum(values[(i, j)] for i in range(n_rows))
    values[(T, T)] = sum(values[(i, T)] for i in range(n_rows))
    equations = [((i, T), [(i, j) for j in range(n_cols)]) for i in range(n_rows)]
    equations += [((T, j), [(i, j) for i in range(n_rows)]) for j in range(n_cols)]
    equations.append(((T, T), [(i, T) for i in range(n_rows)]))
    equations.append(((T, T), [(T, j) for j in range(n_cols)]))
    return values, equations


@settings(max_examples=400, deadline=None)
@given(tables())
def test_every_published_count_is_zero_at_least_five_or_hidden(table):
    values, equations = table
    published = suppress(values, equations)
    assert published.keys() == values.keys()
    for key, shown in published.items():
        assert shown in MARKERS or shown == 0 or shown >= 5
        if shown == SUPPRESSED:
            assert 0 < values[key] < 5  # "<5" is never false
        elif shown == SUPPRESSED_SECONDARY:
            assert values[key] >= 5
        else:
            assert shown == values[key]  # what is shown is the true value
        if 0 < values[key] < 5:
            assert shown == SUPPRESSED


@settings(max_examples=400, deadline=None)
@given(tables())
def test_no_hidden_cell_can_be_derived_from_its_row_or_column(table):
    values, equations = table
    published = suppress(values, equations)
    for total, members in equations:
        line = [total, *members]
        hidden = [key for key in line if published[key] in MARKERS]
        if unprotectable(values, total, members):
            continue
        assert len(hidden) != 1, (total, [published[k] for k in line])
        for key, (lo, hi) in intervals(published, total, members).items():
            # The true value is possible, and it is not the only one.
            assert lo <= values[key] <= hi
            assert lo < hi, (key, [published[k] for k in line])


@settings(max_examples=200, deadline=None)
@given(tables())
def test_suppression_is_deterministic_and_idempotent(table):
    values, equations = table
    published = suppress(values, equations)
    assert suppress(values, equations) == published
    assert suppress(published, equations) == published
    assert list(suppress(dict(values), list(equations))) == list(values)


@settings(max_examples=200, deadline=None)
@given(tables())
def test_published_tables_keep_the_property(table):
    values, _ = table
    rows = sorted({i for i, _ in values if i != T})
    cols = sorted({j for _, j in values if j != T})
    columns = (
        Column("name", "Name"),
        *(Column(f"c{j}", f"C{j}", people=True) for j in cols),
        Column("total", "Total", people=True),
    )

    def row(i):
        cells = {f"c{j}": values[(i, j)] for j in cols}
        return Row(str(i), str(i), {"name": f"area {i}", **cells, "total": values[(i, T)]})

    built = Table("t", "T", columns, tuple(row(i) for i in rows), total=row(T))
    published = built.publish()
    for shown_row in (*published.rows, published.total):
        assert shown_row.cells["name"] == f"area {shown_row.key}"
        for key, shown in shown_row.cells.items():
            if key != "name":
                assert shown in MARKERS or shown == 0 or shown >= 5
    assert suppress_table(published) == published


# --- by hand ----------------------------------------------------------------------------


def test_a_series_with_its_total():
    values = {"a": 3, "b": 10, "c": 12, "total": 25}
    published = suppress(values, [("total", ["a", "b", "c"])])
    # The 3 is small; the 10, the smallest other, is hidden with it so that 25 - 12
    # gives only their sum.
    assert published == {"a": "<5", "b": "n.d.", "c": 12, "total": 25}


def test_zeros_are_shown_and_never_protect_a_cell():
    values = {"a": 2, "b": 0, "c": 0, "total": 2}
    assert suppress(values, [("total", ["a", "b", "c"])]) == {
        "a": "<5",
        "b": 0,
        "c": 0,
        "total": "<5",
    }
    values = {"a": 7, "b": 0, "c": 3, "total": 10}
    assert suppress(values, [("total", ["a", "b", "c"])]) == {
        "a": "n.d.",
        "b": 0,
        "c": "<5",
        "total": 10,
    }


def test_markers_that_pin_the_hidden_cells_get_another_one():
    # 36 - 30 = 6 = "<5" + "n.d." would give away 1 and 5: the 30 is hidden too.
    values = {"a": 1, "b": 5, "c": 30, "total": 36}
    assert suppress(values, [("total", ["a", "b", "c"])]) == {
        "a": "<5",
        "b": "n.d.",
        "c": "n.d.",
        "total": 36,
    }


def test_ties_go_by_the_order_of_the_values():
    values = {"a": 2, "b": 8, "c": 8, "total": 18}
    assert suppress(values, [("total", ["a", "b", "c"])])["b"] == "n.d."
    assert suppress(values, [("total", ["a", "c", "b"])])["b"] == "n.d."
    values = {"a": 2, "c": 8, "b": 8, "total": 18}
    assert suppress(values, [("total", ["a", "b", "c"])])["c"] == "n.d."


def test_a_three_by_three_table_with_one_small_cell():
    rows = {"r1": (2, 10, 20), "r2": (8, 6, 15), "r3": (12, 9, 7)}
    columns = (
        Column("area", "Area"),
        Column("c1", "C1", people=True),
        Column("c2", "C2", people=True),
        Column("c3", "C3", people=True),
        Column("total", "Total", people=True),
        Column("average", "Average days", people=True, unit="days"),
    )

    def row(key, cells):
        return Row(
            key,
            key,
            {
                "area": key.upper(),
                **dict(zip(("c1", "c2", "c3"), cells, strict=True)),
                "total": sum(cells),
                "average": 2.5,
            },
        )

    table = Table(
        "casework",
        "Casework",
        columns,
        tuple(row(key, cells) for key, cells in rows.items()),
        total=row("total", (22, 25, 42)),
    )
    published = table.publish()
    shown = {r.key: [r.cells[c] for c in ("c1", "c2", "c3", "total")] for r in published.rows}
    # The 2 is hidden; 8 (smallest other in its column) and 10 (in its row) with it, and
    # 6 to close the rectangle: no row or column gives any of the four away.
    assert shown == {
        "r1": ["<5", "n.d.", 20, 32],
        "r2": ["n.d.", "n.d.", 15, 29],
        "r3": [12, 9, 7, 28],
    }
    assert [published.total.cells[c] for c in ("c1", "c2", "c3", "total")] == [22, 25, 42, 89]
    # An average is not a count; the other columns and the raw table are untouched.
    assert all(r.cells["average"] == 2.5 for r in published.rows)
    assert published.rows[0].cells["area"] == "R1"
    assert table.rows[0].cells["c1"] == 2
    assert published.published and not table.published
    assert published.publish() is published


def test_a_table_without_totals_gets_primary_suppression_only():
    table = Table(
        "t",
        "T",
        (Column("n", "N", people=True), Column("label", "Label")),
        (Row("a", "A", {"n": 3, "label": 3}), Row("b", "B", {"n": 40, "label": 1})),
    )
    published = table.publish()
    assert [r.cells["n"] for r in published.rows] == ["<5", 40]
    assert [r.cells["label"] for r in published.rows] == [3, 1]


def test_a_lone_count():
    assert [publish_count(v) for v in (0, 1, 4, 4.0, 5, 12.0)] == [0, "<5", "<5", "<5", 5, 12.0]
