"""Counting a survey's answers per group: the one part of the analysis that reads every response.

Each answer becomes its position on the question's scale (one small integer column per question, the
blank one past the end); a dense group number per response and one numpy ``bincount`` per question over
group x answer count every answer of every question for every group of a breakdown in one pass, and
organisational levels are summed from the next finer level with one ``add.reduceat``. Every breakdown
comes out as one wide frame of cells: its sorted key columns, respondents, the count of every answer,
``n{i}`` and ``p{i}`` per question and ``m``, the fewest answers any question got.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import polars as pl

from evaluation.cells import Breakdown
from evaluation.findings import Question


def answer_column(i: int, j: int) -> str:
    return f"__o{i}_{j}"


def code_column(i: int) -> str:
    return f"__c{i}"


def scale_of(q: Question) -> tuple[str, ...]:
    """The answers counted: the scale when given, else the positive answers plus one 'other' bucket."""
    return q.options if q.options else (*sorted(q.positive), "")


def code_exprs(questions: Sequence[Question]) -> list[pl.Expr]:
    """Per response and question, the answer's position on the question's scale, the blank being one
    past the end: one small integer column per question. Answers are cast once to an Enum of the scale
    (a hash lookup per value); an answer off the scale makes the cast fail. A question without a scale
    counts its positive answers one by one and every other answer together."""
    exprs = []
    for i, q in enumerate(questions):
        answer = pl.col(q.id).cast(pl.String)
        scale = scale_of(q)
        if q.options:
            code = pl.when(answer != "").then(answer).cast(pl.Enum(list(q.options))).to_physical()
        else:
            code = pl.lit(None, pl.UInt32)
            for j, opt in reversed(list(enumerate(sorted(q.positive)))):
                code = pl.when(answer == opt).then(pl.lit(j, pl.UInt32)).otherwise(code)
            other = answer.is_not_null() & (answer != "") & code.is_null()
            code = pl.when(other).then(pl.lit(len(q.positive), pl.UInt32)).otherwise(code)
        exprs.append(code.fill_null(len(scale)).cast(pl.UInt32).alias(code_column(i)))
    return exprs


def outside_scale(lf: pl.LazyFrame, questions: Sequence[Question]) -> ValueError:
    """The error for answers outside a question's scale, naming the question and a value (found only once
    the fast path has failed; the file readers check row by row before this)."""
    for q in questions:
        if not q.options:
            continue
        answer = pl.col(q.id).cast(pl.String)
        bad = lf.select(answer.filter(answer.is_not_null() & (answer != "") & ~answer.is_in(list(q.options))).first())
        value = bad.collect()[q.id][0]
        if value is not None:
            return ValueError(f"question {q.id!r}: answer {value!r} is not on its scale {list(q.options)}")
    return ValueError("an answer is not on its question's scale")


def count_cells(
    flags: pl.DataFrame,
    published: Sequence[Breakdown],
    levels: Sequence[str],
    mapping: pl.DataFrame | None,
    questions: Sequence[Question],
) -> dict[Breakdown, pl.DataFrame]:
    """One wide frame per breakdown: sorted key columns, respondents, n{i}, p{i}, the answer counts, m.

    The responses are counted once into the finest groups the organisational breakdowns need (``_count``);
    those breakdowns are summed up from there (``_roll_up``); any other is counted from the responses.
    """
    finest = levels[-1] if levels else None
    crossed_with_levels = {k for keys in published if len(keys) == 2 and set(keys) & set(levels) for k in keys}
    fine_keys = [finest, *sorted(crossed_with_levels - set(levels))] if finest else []
    rollable = set(levels) | set(fine_keys)
    names = ["respondents", *(answer_column(i, j) for i, q in enumerate(questions) for j in range(len(scale_of(q))))]
    fine: tuple[pl.DataFrame, np.ndarray] | None = None
    if fine_keys:
        groups, matrix = _count(flags, fine_keys, questions)
        if mapping is not None:
            groups = groups.join(mapping, on=finest, how="left", maintain_order="left")
        fine = (groups, matrix)
    # an organisational level is summed from the next finer one already summed (60,000 teams, not
    # 200,000 team x ethnicity groups, make the directorates), so the finest levels go first
    computed: dict[Breakdown, tuple[pl.DataFrame, np.ndarray]] = {}
    order = sorted(published, key=lambda keys: -max((levels.index(k) for k in keys if k in levels), default=-1))
    for keys in order:
        if fine is not None and set(keys) <= rollable:
            finer = [(k,) for k in levels if (k,) in computed and len(keys) <= 1 and set(keys) <= set(levels)]
            source = computed[finer[0]] if finer and keys != finer[0] else fine
            computed[keys] = _roll_up(*source, list(keys))
        else:
            computed[keys] = _count(flags, list(keys), questions)
    out = {}
    for keys in published:
        groups, matrix = computed[keys]
        counts = pl.DataFrame({name: matrix[:, j] for j, name in enumerate(names)}).cast(pl.Int64)
        frame = groups.select(keys).hstack(counts) if keys else counts
        out[keys] = frame.sort(list(keys)) if keys else frame
    return {keys: frame.with_columns(*derived_columns(questions)) for keys, frame in out.items()}


def _group_numbers(frame: pl.DataFrame, keys: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """A dense group number per row of ``frame`` by its ``keys``, and the first row of each group."""
    size = frame.height
    if not keys:
        return np.zeros(size, dtype=np.int64), np.zeros(min(size, 1), dtype=np.int64)
    combined = np.zeros(size, dtype=np.int64)
    for k in keys:
        _, codes = np.unique(frame[k].cast(pl.Categorical).to_physical().to_numpy(), return_inverse=True)
        combined = combined * (int(codes.max()) + 1 if size else 1) + codes
    _, first, group = np.unique(combined, return_index=True, return_inverse=True)
    return group.astype(np.int64), first


def _count(flags: pl.DataFrame, keys: list[str], questions: Sequence[Question]) -> tuple[pl.DataFrame, np.ndarray]:
    """Per group of ``keys``: its key values, and a matrix of respondents and every answer's count.

    The one place that reads every response: one ``bincount`` per question over group x answer, so
    counting 40 questions of a million responses into 200,000 groups takes a few hundred milliseconds,
    where a group-by summing 200 flag columns took seconds.
    """
    group, first = _group_numbers(flags, keys)
    count = len(first) if keys else 1  # no responses: no groups, but the whole still has its (zero) row
    widths = [len(scale_of(q)) for q in questions]
    # int32: counts never reach 2**31, and half the bytes make the sums below twice as fast
    matrix = np.empty((count, 1 + sum(widths)), dtype=np.int32)
    matrix[:, 0] = np.bincount(group, minlength=count)
    at = 1
    for i, width in enumerate(widths):
        codes = flags[code_column(i)].to_numpy()  # 0 .. width - 1, the blank is width
        table = np.bincount(group * (width + 1) + codes, minlength=count * (width + 1)).reshape(count, width + 1)
        matrix[:, at : at + width] = table[:, :width]
        at += width
    groups = flags.select(keys)[first] if keys else pl.DataFrame()
    return groups, matrix


def _roll_up(groups: pl.DataFrame, matrix: np.ndarray, keys: list[str]) -> tuple[pl.DataFrame, np.ndarray]:
    """Sum the finest groups' counts up to coarser ``keys`` (counts are additive): one sorted
    ``add.reduceat`` over the whole matrix."""
    if not keys:
        return groups.clear(), matrix.sum(axis=0, keepdims=True)
    group, first = _group_numbers(groups, keys)
    if len(group) > 1 and bool((group[1:] >= group[:-1]).all()):
        # already in group order (teams from team x ethnicity, counted in that order): no reordering
        return groups[first], np.add.reduceat(matrix, first, axis=0)
    order = np.argsort(group, kind="stable")
    starts = np.searchsorted(group[order], np.arange(len(first)))
    return groups[first], np.add.reduceat(matrix[order], starts, axis=0)


def derived_columns(questions: Sequence[Question]) -> list[pl.Expr]:
    """n{i} (answers given) and p{i} (positive answers) from the answer counts, and m (the fewest n)."""
    exprs = []
    for i, q in enumerate(questions):
        scale = scale_of(q)
        exprs.append(
            pl.sum_horizontal([pl.col(answer_column(i, j)) for j in range(len(scale))]).cast(pl.Int64).alias(f"n{i}")
        )
        exprs.append(
            pl.sum_horizontal([pl.col(answer_column(i, j)) for j, a in enumerate(scale) if a in q.positive])
            .cast(pl.Int64)
            .alias(f"p{i}")
        )
    n_cols = [
        pl.sum_horizontal([pl.col(answer_column(i, j)) for j in range(len(scale_of(q)))])
        for i, q in enumerate(questions)
    ]
    exprs.append((pl.min_horizontal(n_cols) if n_cols else pl.col("respondents")).cast(pl.Int64).alias("m"))
    return exprs
