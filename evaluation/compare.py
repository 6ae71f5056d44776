"""Baseline against repeat: the change in % positive with a two-proportion z-test.

The pooled two-proportion z-test is the standard test for a difference between two independent
proportions with large samples; it is reported with a 95% interval for the difference (unpooled).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

import polars as pl

from evaluation.findings import Z95, Question
from evaluation.normal_tail import two_sided_p


@dataclass(frozen=True)
class Change:
    baseline_pct: float
    repeat_pct: float
    difference: float
    ci_low: float
    ci_high: float
    z: float
    p_value: float
    significant: bool


def _normal_sf(x: float) -> float:
    return 0.5 * math.erfc(x / math.sqrt(2))


def two_proportion_change(pos1: int, n1: int, pos2: int, n2: int) -> Change:
    """Change from proportion pos1/n1 (baseline) to pos2/n2 (repeat), tested at the 95% level."""
    if n1 <= 0 or n2 <= 0:
        raise ValueError("both groups need at least one response")
    if not (0 <= pos1 <= n1 and 0 <= pos2 <= n2):
        raise ValueError("positive counts must lie between 0 and their group's responses")
    p1, p2 = pos1 / n1, pos2 / n2
    pooled = (pos1 + pos2) / (n1 + n2)
    se_pooled = math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    diff = p2 - p1
    if se_pooled == 0:
        z, p = 0.0, 1.0
    else:
        z = diff / se_pooled
        p = 2 * _normal_sf(abs(z))
    se = math.sqrt(p1 * (1 - p1) / n1 + p2 * (1 - p2) / n2)
    return Change(p1, p2, diff, diff - Z95 * se, diff + Z95 * se, z, p, p < 0.05)


# --- which questions two surveys share --------------------------------------------------------------


def _words(text: str) -> str:
    """Wording as compared: runs of whitespace are one space (a re-wrapped line is not a new question)."""
    return " ".join(text.split())


def _why_not(before: Question, after: Question) -> str | None:
    """Why a question asked in both surveys cannot be compared, or None when it can."""
    reasons = []
    if _words(before.text) != _words(after.text):
        reasons.append("wording changed")
    if before.options != after.options:
        if sorted(before.options) == sorted(after.options):
            reasons.append(f"answer scale reordered ({' / '.join(before.options)} -> {' / '.join(after.options)})")
        else:
            reasons.append(f"answer scale changed ({' / '.join(before.options)} -> {' / '.join(after.options)})")
    elif before.positive != after.positive:
        was, now = (", ".join(sorted(p)) for p in (before.positive, after.positive))
        reasons.append(f"positive answers changed ({was} -> {now})")
    return "; ".join(reasons) or None


def _by_id(questions: Iterable[Question], which: str) -> dict[str, Question]:
    by_id: dict[str, Question] = {}
    for q in questions:
        if q.id in by_id:
            raise ValueError(f"the {which} survey lists question {q.id!r} twice")
        by_id[q.id] = q
    return by_id


def comparability(
    baseline_questions: Iterable[Question], repeat_questions: Iterable[Question]
) -> tuple[list[str], list[tuple[str, str]]]:
    """Split the questions of two surveys into those that can be compared and those that cannot, with why.

    Comparable: the same id in both, with the same wording (whitespace aside), the same answer scale in
    the same order, and the same positive answers. Anything else is listed as not comparable with every
    reason that applies (wording changed, answer scale changed or reordered, positive answers changed,
    only in the baseline, only in the repeat), so a change is never computed between different questions.
    Comparable ids come in the repeat survey's order; not comparable ones in the baseline's order, then
    the repeat's new questions. Raises ValueError when a survey lists an id twice.
    """
    before, after = _by_id(baseline_questions, "baseline"), _by_id(repeat_questions, "repeat")
    comparable = [qid for qid, q in after.items() if qid in before and _why_not(before[qid], q) is None]
    not_comparable = []
    for qid, q in before.items():
        why = _why_not(q, after[qid]) if qid in after else "only in the baseline"
        if why is not None:
            not_comparable.append((qid, why))
    not_comparable += [(qid, "only in the repeat") for qid in after if qid not in before]
    return comparable, not_comparable


# --- the change per group and question, and in response rates, vectorised ---------------------------


def _with_change(frame: pl.DataFrame, x1: pl.Expr, n1: pl.Expr, x2: pl.Expr, n2: pl.Expr, ok: pl.Expr) -> pl.DataFrame:
    """Add difference, ci_low, ci_high, z, p_value, significant: ``two_proportion_change`` per row where ``ok``.

    z is computed first and its p-value from the finished column (``two_sided_p``, one call per batch).
    """
    f1, f2 = n1.cast(pl.Float64), n2.cast(pl.Float64)
    p1, p2 = x1.cast(pl.Float64) / f1, x2.cast(pl.Float64) / f2
    pooled = (x1 + x2).cast(pl.Float64) / (n1 + n2).cast(pl.Float64)
    se_pooled = (pooled * (1 - pooled) * (1 / f1 + 1 / f2)).sqrt()
    se = (p1 * (1 - p1) / f1 + p2 * (1 - p2) / f2).sqrt()
    # all positive or none on both sides: no variance, so no evidence of change
    flat = se_pooled == 0

    def when_ok(expr: pl.Expr) -> pl.Expr:
        return pl.when(ok).then(expr).otherwise(None)

    diff = p2 - p1
    steps = frame.lazy().with_columns(
        when_ok(diff).alias("difference"),
        when_ok(diff - Z95 * se).alias("ci_low"),
        when_ok(diff + Z95 * se).alias("ci_high"),
        when_ok(pl.when(flat).then(0.0).otherwise(diff / se_pooled)).alias("z"),
        when_ok(flat).alias("__flat"),
    )
    p_of_z = pl.col("z").map_batches(two_sided_p, return_dtype=pl.Float64, is_elementwise=True)
    p = pl.when(pl.col("__flat")).then(1.0).otherwise(p_of_z)
    return steps.with_columns(p.alias("p_value")).with_columns(significant=pl.col("p_value") < 0.05).collect()


CHANGE_COLUMNS = ("difference", "ci_low", "ci_high", "z", "p_value", "significant")
CHANGE_SCHEMA = pl.Schema(
    {
        "breakdown": pl.String(),
        "group": pl.String(),
        "question": pl.String(),
        "baseline_n": pl.Int64(),
        "baseline_positive": pl.Int64(),
        "baseline_pct": pl.Float64(),
        "repeat_n": pl.Int64(),
        "repeat_positive": pl.Int64(),
        "repeat_pct": pl.Float64(),
        "difference": pl.Float64(),
        "ci_low": pl.Float64(),
        "ci_high": pl.Float64(),
        "z": pl.Float64(),
        "p_value": pl.Float64(),
        "significant": pl.Boolean(),
        "suppressed": pl.Boolean(),
        "why": pl.String(),
    }
)


def _need(frame: pl.DataFrame, which: str, columns: Iterable[str]) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(f"the {which} frame has no column(s) {missing}")


def _one_side(frame: pl.DataFrame, which: str, keys: list[str], values: list[str]) -> pl.DataFrame:
    """The side's keys and values, prefixed with ``which``, plus its row number ``__{which}``."""
    side = frame.select(*keys, *values).with_row_index(f"__{which}")
    return side.rename({v: f"{which}_{v}" for v in values})


def _repeated_key(both: pl.DataFrame, heights: dict[str, int], keys: list[str]) -> None:
    """Refuse a key given twice on one side, found without hashing every key again (the join already did).

    A repeated key that the other side also has multiplies that side's matching row, so the other side
    shows more rows than it has; one the other side lacks leaves two one-sided rows with equal keys, and
    one-sided rows are few enough to check directly.
    """
    other = {"baseline": "repeat", "repeat": "baseline"}
    for which, height in heights.items():
        mine = pl.col(f"__{which}")
        if both.height - both.get_column(f"__{which}").null_count() > height:
            _refuse(other[which], both.filter(mine.is_not_null() & mine.is_duplicated()), keys)
    one_sided = both.filter(pl.col("__baseline").is_null() | pl.col("__repeat").is_null())
    for which in heights:
        mine_only = one_sided.filter(pl.col(f"__{which}").is_not_null())
        _refuse(which, mine_only.filter(pl.struct(keys).is_duplicated()), keys)


def _refuse(which: str, rows: pl.DataFrame, keys: list[str]) -> None:
    """Raise naming the first repeated key among ``rows`` and the rows (1-based) of ``which`` holding it."""
    if rows.is_empty():
        return
    index = f"__{which}"
    first = rows.sort(index).row(0, named=True)
    same = rows.filter(pl.all_horizontal(pl.col(k) == first[k] for k in keys))
    numbers = ", ".join(str(i + 1) for i in sorted(set(same.get_column(index).to_list())))
    where = ", ".join(f"{k}={first[k]!r}" for k in keys)
    raise ValueError(f"the {which} frame has more than one row for {where} (rows {numbers})")


def _joined(baseline: pl.DataFrame, repeat: pl.DataFrame, keys: list[str], values: list[str]) -> pl.DataFrame:
    """Both sides on their keys, every key of either side kept: repeat order first, then baseline-only rows.

    Raises ValueError naming a side, key and row when a side has two rows for one key.
    """
    before = _one_side(baseline, "baseline", keys, values)
    after = _one_side(repeat, "repeat", keys, values)
    both = before.join(after, on=keys, how="full", coalesce=True, nulls_equal=True)
    _repeated_key(both, {"baseline": before.height, "repeat": after.height}, keys)
    return both.sort("__repeat", "__baseline", nulls_last=True)


def _one_sided(prefix_missing: str) -> pl.Expr:
    return pl.col(f"__{prefix_missing}").is_null()


def changes(baseline: pl.DataFrame, repeat: pl.DataFrame, comparable: Iterable[str]) -> pl.DataFrame:
    """The change in % positive from baseline to repeat for every group and comparable question.

    ``baseline`` and ``repeat`` are findings frames (breakdown, group, question, n, positive, suppressed);
    ``comparable`` the question ids ``comparability`` allows. Rows are matched on breakdown, group and
    question. Columns (``CHANGE_SCHEMA``): the keys; ``baseline_n``, ``baseline_positive``, ``baseline_pct``,
    the same for ``repeat``; ``difference`` = repeat - baseline with its Wald 95% interval ``ci_low``,
    ``ci_high``; the pooled two-proportion ``z``, its two-sided ``p_value`` and ``significant`` (p < 0.05),
    each exactly as ``two_proportion_change``; ``suppressed``; ``why``.

    Where either side is suppressed the row keeps its keys and each side's ``n`` as that side's frame
    gives it, with ``suppressed`` true and nothing else, so a change never reveals a hidden value. The
    analysis publishes no ``n`` for a hidden group (its respondents instead: docs/statistics.md section
    4), so the ``n`` of a suppressed side is null; whether a group is in a survey at all is read from
    the rows, never from ``n``. A group in only one survey, or with no responses on a side, has no
    change and says why. Rows follow the repeat frame's order, then the baseline's groups that the
    repeat lacks.
    """
    wanted = list(dict.fromkeys(comparable))
    keys, values = ["breakdown", "group", "question"], ["n", "positive", "suppressed"]
    for frame, which in ((baseline, "baseline"), (repeat, "repeat")):
        _need(frame, which, keys + values)
    pick = pl.col("question").is_in(wanted)
    both = _joined(baseline.filter(pick), repeat.filter(pick), keys, values)

    b_hidden = pl.col("baseline_suppressed").fill_null(False) | pl.col("baseline_positive").is_null()
    r_hidden = pl.col("repeat_suppressed").fill_null(False) | pl.col("repeat_positive").is_null()
    b_n, r_n = pl.col("baseline_n"), pl.col("repeat_n")
    why = (
        pl.when(_one_sided("repeat"))
        .then(pl.lit("only in the baseline"))
        .when(_one_sided("baseline"))
        .then(pl.lit("only in the repeat"))
        .when(b_hidden & r_hidden)
        .then(pl.lit("suppressed in both surveys"))
        .when(b_hidden)
        .then(pl.lit("suppressed in the baseline"))
        .when(r_hidden)
        .then(pl.lit("suppressed in the repeat"))
        .when(b_n == 0)
        .then(pl.lit("no responses in the baseline"))
        .when(r_n == 0)
        .then(pl.lit("no responses in the repeat"))
    )
    suppressed = (b_hidden | r_hidden) & ~_one_sided("repeat") & ~_one_sided("baseline")
    both = both.with_columns(why.alias("why"), suppressed.alias("suppressed"))
    b_x, r_x = pl.col("baseline_positive"), pl.col("repeat_positive")
    ok = pl.col("why").is_null()

    def shown(expr: pl.Expr) -> pl.Expr:
        return pl.when(ok).then(expr).otherwise(None)

    return (
        _with_change(both, b_x, b_n, r_x, r_n, ok)
        .select(
            *keys,
            b_n,
            shown(b_x).alias("baseline_positive"),
            shown(b_x.cast(pl.Float64) / b_n.cast(pl.Float64)).alias("baseline_pct"),
            r_n,
            shown(r_x).alias("repeat_positive"),
            shown(r_x.cast(pl.Float64) / r_n.cast(pl.Float64)).alias("repeat_pct"),
            *CHANGE_COLUMNS,
            "suppressed",
            "why",
        )
        .cast(CHANGE_SCHEMA)
    )


RATE_CHANGE_SCHEMA = pl.Schema(
    {
        "breakdown": pl.String(),
        "group": pl.String(),
        "baseline_responses": pl.Int64(),
        "baseline_eligible": pl.Int64(),
        "baseline_rate": pl.Float64(),
        "repeat_responses": pl.Int64(),
        "repeat_eligible": pl.Int64(),
        "repeat_rate": pl.Float64(),
        "difference": pl.Float64(),
        "ci_low": pl.Float64(),
        "ci_high": pl.Float64(),
        "z": pl.Float64(),
        "p_value": pl.Float64(),
        "significant": pl.Boolean(),
        "why": pl.String(),
    }
)


def _check_rates(frame: pl.DataFrame, which: str) -> None:
    """Refuse counts that cannot be right, naming the first bad row (1-based) and its group."""
    _need(frame, which, ("breakdown", "group", "responses", "eligible"))
    for col in ("responses", "eligible"):
        if not frame.schema[col].is_integer():
            raise ValueError(f"the {which} frame's {col!r} column must hold whole numbers (is {frame.schema[col]})")
    r, e = pl.col("responses"), pl.col("eligible")
    problem = (
        pl.when(r.is_null() | e.is_null())
        .then(pl.lit("responses and eligible must both be given"))
        .when((r < 0) | (e < 0))
        .then(pl.lit("counts must not be negative"))
        .when(r > e)
        .then(
            pl.concat_str(
                pl.lit("responses ("), r.cast(pl.String), pl.lit(") exceed eligible ("), e.cast(pl.String), pl.lit(")")
            )
        )
    )
    bad = frame.with_row_index("__row").select("__row", "breakdown", "group", problem.alias("problem"))
    bad = bad.filter(pl.col("problem").is_not_null())
    if bad.height:
        row = bad.row(0, named=True)
        more = f" (and {bad.height - 1} more row(s))" if bad.height > 1 else ""
        raise ValueError(
            f"the {which} frame, row {row['__row'] + 1} ({row['breakdown']} / {row['group']}): {row['problem']}{more}"
        )


def response_rate_changes(baseline_rates: pl.DataFrame, repeat_rates: pl.DataFrame) -> pl.DataFrame:
    """The change in response rate (responses / eligible) per breakdown and group, tested as ``changes``.

    Each frame has columns breakdown, group, responses, eligible (whole numbers, responses <= eligible).
    Response counts are never suppressed (docs/statistics.md section 4), so every group present in both
    with someone eligible gets a change; otherwise ``why`` says what is missing. Columns:
    ``RATE_CHANGE_SCHEMA``. Raises ValueError naming the frame, row and group of an impossible count.
    """
    _check_rates(baseline_rates, "baseline")
    _check_rates(repeat_rates, "repeat")
    both = _joined(baseline_rates, repeat_rates, ["breakdown", "group"], ["responses", "eligible"])
    b_x, b_n = pl.col("baseline_responses"), pl.col("baseline_eligible")
    r_x, r_n = pl.col("repeat_responses"), pl.col("repeat_eligible")
    why = (
        pl.when(_one_sided("repeat"))
        .then(pl.lit("only in the baseline"))
        .when(_one_sided("baseline"))
        .then(pl.lit("only in the repeat"))
        .when(b_n == 0)
        .then(pl.lit("nobody eligible in the baseline"))
        .when(r_n == 0)
        .then(pl.lit("nobody eligible in the repeat"))
    )
    both = both.with_columns(why.alias("why"))
    return (
        _with_change(both, b_x, b_n, r_x, r_n, pl.col("why").is_null())
        .select(
            "breakdown",
            "group",
            b_x,
            b_n,
            pl.when(b_n > 0).then(b_x.cast(pl.Float64) / b_n.cast(pl.Float64)).alias("baseline_rate"),
            r_x,
            r_n,
            pl.when(r_n > 0).then(r_x.cast(pl.Float64) / r_n.cast(pl.Float64)).alias("repeat_rate"),
            *CHANGE_COLUMNS,
            "why",
        )
        .cast(RATE_CHANGE_SCHEMA)
    )
