"""Which hidden counts the published sums pin down, by exact reduced row echelon form.

Each relation (parent = sum of children) restricted to the hidden cells is a row with +1 for the parent
and -1 for each child; the published cells are known and move to the right-hand side. A hidden count x
is determined iff the unit vector e_x lies in the row space, which in reduced row echelon form happens
iff some row is exactly e_x. Rows are sparse dicts and the arithmetic is exact (integers, fractions
where a pivot is not a unit), so the answer never depends on rounding.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from fractions import Fraction

Row = dict[int, Fraction | int]


def echelon(rows: Iterable[Row]) -> dict[int, Row]:
    """The reduced row echelon form of ``rows``, as pivot column -> row.

    Pivots are taken on unit coefficients where the row has one, so the arithmetic stays in integers.
    """
    pivot_row: dict[int, Row] = {}
    where: dict[int, set[int]] = {}  # column -> pivot columns whose row holds it
    for given in rows:
        row = dict(given)
        for col in [c for c in row if c in pivot_row]:
            factor = row.get(col, 0)
            if factor:
                _axpy(row, -factor, pivot_row[col], where=None, owner=-1)
        if not row:
            continue
        p = min(row, key=lambda c: (abs(row[c]) != 1, c))  # prefer a unit pivot: stays in integers
        scale = row[p]
        if scale != 1:
            row = {c: (v * scale if abs(scale) == 1 else Fraction(v) / scale) for c, v in row.items()}
        for other in list(where.get(p, ())):
            _axpy(pivot_row[other], -pivot_row[other][p], row, where=where, owner=other)
        pivot_row[p] = row
        for c in row:
            where.setdefault(c, set()).add(p)
    return pivot_row


def relation_rows(members: Sequence[Sequence[int]], column: Callable[[int], bool]) -> list[Row]:
    """The relations restricted to the ``column`` cells, shortest first (a team's row before a whole
    column of a two-way table), which keeps the fill-in small."""
    rows = []
    for cells in members:
        row: Row = {}
        for pos, i in enumerate(cells):
            if column(i):
                row[i] = 1 if pos == 0 else -1
        if row:
            rows.append(row)
    rows.sort(key=len)
    return rows


def pinned_solid(members: Sequence[Sequence[int]], unknown: Callable[[int], bool]) -> list[int]:
    """The unknowns the relations determine, when every ``unknown`` cell is unknown for every question."""
    pivots = echelon(relation_rows(members, unknown))
    return sorted(p for p, row in pivots.items() if len(row) == 1)


def _axpy(
    target: Row,
    factor: Fraction | int,
    source: Mapping[int, Fraction | int],
    where: dict[int, set[int]] | None,
    owner: int,
) -> None:
    """target += factor * source on sparse rows, keeping the column index ``where`` in step."""
    for c, v in source.items():
        value = target.get(c, 0) + factor * v
        if value:
            if c not in target and where is not None:
                where.setdefault(c, set()).add(owner)
            target[c] = value
        elif c in target:
            del target[c]
            if where is not None:
                where[c].discard(owner)
