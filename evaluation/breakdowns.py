"""Per-group counts for every question and breakdown, computed column-wise with Polars.

``findings.finding`` answers one question for one group from a Python iterable; at national scale
(a million responses, dozens of questions, thousands of groups) that loop is far too slow. This module
produces the same numbers in bulk, using the approach measured fastest in ``bench/analysis/engines.py``
(the ``polars`` / ``polars_rollup`` engines):

* the two flags per question (answered, positive) are computed **once**, over all responses, and
  collected; left lazy, every breakdown would recompute them from the answer strings;
* the flags are aggregated **wide** (one ``group_by(keys).sum()`` over all flag columns per breakdown)
  rather than unpivoting the responses to a responses x questions long frame first;
* the responses are aggregated once at the finest level (all breakdown keys together) and every
  breakdown, including the overall row, is summed up from that much smaller frame (counts are additive).

Only the small result is turned into long format. ``with_rates`` then adds % positive and the Wilson
interval with the same formula and edges as ``findings.wilson_interval``, and primary suppression.
"""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from evaluation.findings import Z95, Question

OVERALL = "overall"
OVERALL_GROUP = "all"
BREAKDOWN_SEP = " x "
GROUP_SEP = " / "
#: Label of the group of respondents whose key value is null (they are counted, not dropped).
MISSING_KEY = "(missing)"

COUNT_SCHEMA = pl.Schema(
    {"breakdown": pl.String(), "group": pl.String(), "question": pl.String(), "n": pl.Int64(), "positive": pl.Int64()}
)


def _n(i: int) -> str:
    return f"__n{i}"


def _p(i: int) -> str:
    return f"__p{i}"


def _validate(
    columns: Sequence[str], questions: Sequence[Question], breakdowns: Sequence[tuple[str, ...]]
) -> list[tuple[str, ...]]:
    """Check every key and question has a column; return the breakdowns deduplicated, overall included."""
    present = set(columns)
    for keys in breakdowns:
        if len(set(keys)) != len(keys):
            raise ValueError(f"breakdown {BREAKDOWN_SEP.join(keys)!r} repeats a key column")
        for key in keys:
            if key not in present:
                raise ValueError(f"breakdown key column {key!r} is missing from the responses")
    ids = [q.id for q in questions]
    for qid in ids:
        if qid not in present:
            raise ValueError(f"question {qid!r} has no column in the responses")
    if len(set(ids)) != len(ids):
        raise ValueError("question ids must be unique")
    wanted = list(dict.fromkeys(tuple(keys) for keys in breakdowns))
    if () not in wanted:
        wanted.append(())
    return wanted


def _flags(lf: pl.LazyFrame, keys: Sequence[str], questions: Sequence[Question]) -> pl.DataFrame:
    """Per response: the keys plus, per question, answered (not null, not "") and positive, as booleans.

    Blank means null or the empty string, exactly as in ``findings.finding``. Answers are compared as
    strings so categorical or other typed columns behave like the text the positive sets are written in.
    """
    exprs: list[pl.Expr] = [pl.col(k) for k in keys]
    for i, q in enumerate(questions):
        answer = pl.col(q.id).cast(pl.String)
        answered = answer.is_not_null() & (answer != "")
        exprs.append(answered.alias(_n(i)))
        # null & False is False under Kleene logic, so blanks never count as positive
        exprs.append((answered & answer.is_in(sorted(q.positive))).fill_null(False).alias(_p(i)))
    return lf.select(exprs).collect()


def _label(keys: Sequence[str]) -> pl.Expr:
    if not keys:
        return pl.lit(OVERALL_GROUP, pl.String)
    parts = [pl.col(k).cast(pl.String).fill_null(MISSING_KEY) for k in keys]
    return pl.concat_str(parts, separator=GROUP_SEP)


def _to_long(wide: pl.LazyFrame, keys: tuple[str, ...], questions: Sequence[Question]) -> pl.LazyFrame:
    """Wide (keys, __n0.., __p0..) -> long rows, group-major with questions in the given order."""
    per_question = [
        pl.struct(
            pl.lit(q.id, pl.String).alias("question"),
            pl.col(_n(i)).cast(pl.Int64).alias("n"),
            pl.col(_p(i)).cast(pl.Int64).alias("positive"),
        )
        for i, q in enumerate(questions)
    ]
    name = BREAKDOWN_SEP.join(keys) if keys else OVERALL
    return (
        wide.select(
            pl.lit(name, pl.String).alias("breakdown"),
            _label(keys).alias("group"),
            pl.concat_list(per_question).alias("__cells"),
        )
        .explode("__cells")
        .unnest("__cells")
    )


def breakdown_counts(
    responses: pl.DataFrame | pl.LazyFrame,
    questions: Sequence[Question],
    breakdowns: Sequence[tuple[str, ...]],
) -> pl.DataFrame:
    """``n`` (non-blank answers) and ``positive`` per breakdown, group and question, in long format.

    Columns: ``breakdown`` (key names joined by " x ", "overall" for ``()``), ``group`` (key values joined
    by " / ", "all" for overall, ``MISSING_KEY`` for a null key value), ``question``, ``n``, ``positive``
    (both Int64). The overall breakdown is always included. Every observed group gets a row per question,
    even when n is 0. Rows come breakdown by breakdown (in the given order), groups sorted by key values,
    questions in the given order.

    Raises ValueError naming a breakdown key or question id that has no column in ``responses``.
    """
    lf = responses.lazy()
    wanted = _validate(lf.collect_schema().names(), questions, breakdowns)
    if not questions:
        return pl.DataFrame(schema=COUNT_SCHEMA)
    all_keys = list(dict.fromkeys(k for keys in wanted for k in keys))
    measures = [name for i in range(len(questions)) for name in (_n(i), _p(i))]

    flags = _flags(lf, all_keys, questions)
    # the finest level: every breakdown below is a sum over these groups, so the responses are read once
    fine = flags.group_by(all_keys).agg(pl.col(measures).sum().cast(pl.Int64)).lazy() if all_keys else flags.lazy()
    sums = pl.col(measures).sum()
    parts = []
    for keys in wanted:
        wide = fine.group_by(list(keys)).agg(sums).sort(list(keys), nulls_last=True) if keys else fine.select(sums)
        parts.append(_to_long(wide, keys, questions))
    return pl.concat(parts).collect().cast(COUNT_SCHEMA)


def wilson_bounds(n: pl.Expr, pos: pl.Expr, z: float = Z95) -> tuple[pl.Expr, pl.Expr]:
    """The Wilson interval as two expressions, with the same operations in the same order as
    ``findings.wilson_interval`` (so the values agree to the last bit or nearly so) and its exact 0 and 1
    bounds at 0% and 100%. Rows with ``n == 0`` give nulls or NaN: the caller hides them."""
    nf = n.cast(pl.Float64)
    p = pos.cast(pl.Float64) / nf
    zz = z * z
    denom = 1 + zz / nf
    centre = (p + zz / (2 * n).cast(pl.Float64)) / denom
    half = z * (p * (1 - p) / nf + zz / (4 * n * n).cast(pl.Float64)).sqrt() / denom
    low = pl.when(pos == 0).then(0.0).otherwise(pl.max_horizontal(pl.lit(0.0), centre - half))
    high = pl.when(pos == n).then(1.0).otherwise(pl.min_horizontal(pl.lit(1.0), centre + half))
    return low, high


def with_rates(counts: pl.DataFrame, threshold: int, z: float = Z95) -> pl.DataFrame:
    """Add ``pct_positive``, ``ci_low``, ``ci_high`` (Wilson) and ``suppressed`` to ``breakdown_counts``.

    A row is suppressed when ``n < threshold`` or ``n == 0`` (as in ``findings.finding``, an empty group
    has no rate); there ``positive`` and the rates are null while ``n`` stays, since counts are not answers.
    The interval is vectorised with the same operations, in the same order, as
    ``findings.wilson_interval``, so the values agree to the last bit or nearly so, and it keeps the exact
    0 and 1 bounds at 0% and 100%. This is primary suppression only: see ``evaluation.suppression``.
    """
    for col in ("n", "positive"):
        if col not in counts.columns:
            raise ValueError(f"counts have no {col!r} column")
    n = pl.col("n")
    pos = pl.col("positive")
    suppressed = (n < threshold) | (n == 0)
    p = pos.cast(pl.Float64) / n.cast(pl.Float64)
    low, high = wilson_bounds(n, pos, z)

    def shown(expr: pl.Expr) -> pl.Expr:
        return pl.when(suppressed).then(None).otherwise(expr)

    return counts.with_columns(
        shown(pos).cast(pl.Int64).alias("positive"),
        shown(p).alias("pct_positive"),
        shown(low).cast(pl.Float64).alias("ci_low"),
        shown(high).cast(pl.Float64).alias("ci_high"),
        suppressed.alias("suppressed"),
    )
