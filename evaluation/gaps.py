"""Gaps between two groups (e.g. BME and white staff): difference in % positive, and the ratio of rates.

The difference carries Newcombe's hybrid score interval (his method 10, 1998), built from the two
groups' Wilson intervals: it stays inside [-1, 1], keeps good coverage for small groups and rates
near 0% or 100%, and needs no special case for zero counts, where the simple Wald interval collapses.

The ratio is what the NHS Workforce Race Equality Standard calls a relative likelihood: rate of group
a divided by rate of group b, 1.0 meaning parity. Its interval is Katz's log method: log(ratio) is
near normal with variance 1/x_a - 1/n_a + 1/x_b - 1/n_b. That variance is undefined when either group
has no positives, so those cases return the ratio (when it exists) without an interval, with a reason,
rather than an invented continuity correction.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import polars as pl

from evaluation.breakdowns import with_rates
from evaluation.findings import Z95, wilson_interval

NEWCOMBE = "Newcombe hybrid score interval (method 10) from Wilson 95% intervals"
KATZ = "Katz log interval: exp(log(r) +/- 1.96 * sqrt(1/x_a - 1/n_a + 1/x_b - 1/n_b))"


@dataclass(frozen=True)
class Proportion:
    """``positive`` out of ``n``: the count behind a rate, checked on construction."""

    positive: int
    n: int

    def __post_init__(self) -> None:
        if self.n < 0:
            raise ValueError(f"n must not be negative (got {self.n})")
        if not 0 <= self.positive <= self.n:
            raise ValueError(f"positive must lie between 0 and n={self.n} (got {self.positive})")

    @property
    def rate(self) -> float | None:
        """positive / n, or None for an empty group."""
        return self.positive / self.n if self.n else None


@dataclass(frozen=True)
class Difference:
    """rate_a - rate_b with its 95% interval; ``value`` is None (with ``reason``) when a group is empty."""

    value: float | None
    ci_low: float | None
    ci_high: float | None
    method: str
    reason: str | None = None


@dataclass(frozen=True)
class Ratio:
    """rate_a / rate_b (1.0 = parity) with its 95% interval where computable, and why not where it is not."""

    value: float | None
    ci_low: float | None
    ci_high: float | None
    method: str
    reason: str | None = None


@dataclass(frozen=True)
class Gap:
    """Both ways of stating the gap between group a and group b."""

    a: Proportion
    b: Proportion
    difference: Difference
    ratio: Ratio


def newcombe_difference(a: Proportion, b: Proportion, z: float = Z95) -> Difference:
    """rate_a - rate_b with Newcombe's hybrid score interval (from the two Wilson intervals)."""
    if a.n == 0 or b.n == 0:
        which = "a" if a.n == 0 else "b"
        return Difference(None, None, None, NEWCOMBE, f"group {which} has no responses")
    pa, pb = a.positive / a.n, b.positive / b.n
    la, ua = wilson_interval(a.positive, a.n, z)
    lb, ub = wilson_interval(b.positive, b.n, z)
    d = pa - pb
    low = d - math.sqrt((pa - la) ** 2 + (ub - pb) ** 2)
    high = d + math.sqrt((ua - pa) ** 2 + (pb - lb) ** 2)
    return Difference(d, max(-1.0, low), min(1.0, high), NEWCOMBE)


def rate_ratio(a: Proportion, b: Proportion, z: float = Z95) -> Ratio:
    """rate_a / rate_b (relative likelihood) with Katz's log interval where both groups have positives."""
    if a.n == 0 or b.n == 0:
        which = "a" if a.n == 0 else "b"
        return Ratio(None, None, None, KATZ, f"group {which} has no responses")
    if b.positive == 0:
        return Ratio(None, None, None, KATZ, "group b has no positives: the ratio divides by zero")
    value = (a.positive / a.n) / (b.positive / b.n)
    if a.positive == 0:
        return Ratio(value, None, None, KATZ, "group a has no positives: log(0) leaves no Katz interval")
    se = math.sqrt(1 / a.positive - 1 / a.n + 1 / b.positive - 1 / b.n)
    log_r = math.log(value)
    return Ratio(value, math.exp(log_r - z * se), math.exp(log_r + z * se), KATZ)


def gap(a: Proportion, b: Proportion) -> Gap:
    """The difference (a - b) and the ratio (a / b) between two groups, each with a 95% interval."""
    return Gap(a, b, newcombe_difference(a, b), rate_ratio(a, b))


# --- vectorised: every question (and every group against a reference) at once, over a findings frame ---

GAP_SCHEMA = pl.Schema(
    {
        "question": pl.String(),
        "group_a": pl.String(),
        "group_b": pl.String(),
        "n_a": pl.Int64(),
        "n_b": pl.Int64(),
        "pct_a": pl.Float64(),
        "pct_b": pl.Float64(),
        "difference": pl.Float64(),
        "diff_low": pl.Float64(),
        "diff_high": pl.Float64(),
        "ratio": pl.Float64(),
        "ratio_low": pl.Float64(),
        "ratio_high": pl.Float64(),
        "why": pl.String(),
    }
)
_NEEDED = ("breakdown", "group", "question", "n", "positive", "suppressed")


def _side(rows: pl.DataFrame, suffix: str, z: float) -> pl.DataFrame:
    """One side's published counts with its rate and Wilson interval recomputed from them.

    A suppressed row (or one with no published positive count) keeps no count, neither ``positive`` nor
    ``n`` (the analysis publishes neither for a hidden group, and a frame that still holds an ``n`` there
    is not repeated), so nothing below can use it; ``row`` marks that the group has a row for the
    question at all, and ``empty`` that the frame itself says nobody answered (an older findings frame
    gave every group's ``n``; the analysis now gives none where it hides a group, so ``empty`` is null
    there). The interval is recomputed from the counts rather than read from the frame so the
    gap rests on exactly the numbers the scalar reference would be given.
    """
    hidden = pl.col("suppressed").fill_null(True) | pl.col("positive").is_null()
    reason = pl.col("reason") if "reason" in rows.columns else pl.lit(None, pl.String)

    def shown(column: str) -> pl.Expr:
        return pl.when(hidden).then(None).otherwise(pl.col(column)).cast(pl.Int64).alias(column)

    counts = rows.select(
        "group",
        "question",
        shown("n"),
        shown("positive"),
        hidden.alias("hidden"),
        reason.cast(pl.String).alias("reason"),
        pl.lit(True).alias("row"),
        (pl.col("n") == 0).alias("empty"),
    )
    rated = with_rates(counts, threshold=1, z=z).drop("suppressed")
    return rated.rename({c: f"{c}_{suffix}" for c in rated.columns if c != "question"})


def _gaps(findings: pl.DataFrame, breakdown: str, a_groups: list[str], b_group: str, z: float) -> pl.DataFrame:
    """Each group in ``a_groups`` against ``b_group`` for every question of the breakdown: one join."""
    rows = findings.filter(pl.col("breakdown") == breakdown)
    questions = rows.select(pl.col("question").unique(maintain_order=True))
    grid = (
        pl.DataFrame({"group_a": a_groups}, schema={"group_a": pl.String})
        .with_row_index("__g")
        .join(questions.with_row_index("__q"), how="cross")
    )
    a = _side(rows.filter(pl.col("group").is_in(a_groups)), "a", z)
    b = _side(rows.filter(pl.col("group") == b_group), "b", z).drop("group_b")
    joined = grid.join(a, on=["group_a", "question"], how="left").join(b, on="question", how="left")

    ga, gb = pl.col("group_a"), pl.lit(b_group, pl.String)
    xa, na, xb, nb = (pl.col(c).cast(pl.Float64) for c in ("positive_a", "n_a", "positive_b", "n_b"))
    pa, pb = pl.col("pct_positive_a"), pl.col("pct_positive_b")

    def hidden_why(group: pl.Expr, side: str) -> pl.Expr:
        reason = pl.col(f"reason_{side}")
        detail = (
            pl.when(reason.is_not_null()).then(pl.concat_str(pl.lit(" ("), reason, pl.lit(")"))).otherwise(pl.lit(""))
        )
        return pl.concat_str(group, pl.lit(" is suppressed"), detail)

    # the first reason that applies, in the order a reader would want to hear it
    no_gap = (
        pl.when(pl.col("row_a").is_null())
        .then(pl.concat_str(pl.lit("no row for "), ga, pl.lit(" and this question")))
        .when(pl.col("row_b").is_null())
        .then(pl.concat_str(pl.lit("no row for "), gb, pl.lit(" and this question")))
        .when(pl.col("empty_a"))
        .then(pl.concat_str(ga, pl.lit(" has no responses")))
        .when(pl.col("empty_b"))
        .then(pl.concat_str(gb, pl.lit(" has no responses")))
        .when(pl.col("hidden_a"))
        .then(hidden_why(ga, "a"))
        .when(pl.col("hidden_b"))
        .then(hidden_why(gb, "b"))
    )
    no_ratio = (
        pl.when(pl.col("positive_b") == 0)
        .then(pl.concat_str(gb, pl.lit(" has no positive answers: the ratio divides by zero")))
        .when(pl.col("positive_a") == 0)
        .then(pl.concat_str(ga, pl.lit(" has no positive answers: log(0) leaves no Katz interval for the ratio")))
    )
    shown = no_gap.is_null()

    # Newcombe's hybrid score interval, as newcombe_difference
    la, ua, lb, ub = (pl.col(c) for c in ("ci_low_a", "ci_high_a", "ci_low_b", "ci_high_b"))
    d = pa - pb
    low = d - ((pa - la) * (pa - la) + (ub - pb) * (ub - pb)).sqrt()
    high = d + ((ua - pa) * (ua - pa) + (pb - lb) * (pb - lb)).sqrt()
    # Katz's log interval, as rate_ratio
    r = (xa / na) / (xb / nb)
    se = (1 / xa - 1 / na + 1 / xb - 1 / nb).sqrt()
    log_r = r.log()
    has_ratio = shown & (pl.col("positive_b") > 0)
    has_ratio_ci = has_ratio & (pl.col("positive_a") > 0)

    def when(cond: pl.Expr, expr: pl.Expr) -> pl.Expr:
        return pl.when(cond).then(expr).otherwise(None)

    return (
        joined.sort("__g", "__q")
        .select(
            "question",
            "group_a",
            gb.alias("group_b"),
            "n_a",
            "n_b",
            pa.alias("pct_a"),
            pb.alias("pct_b"),
            when(shown, d).alias("difference"),
            when(shown, pl.max_horizontal(pl.lit(-1.0), low)).alias("diff_low"),
            when(shown, pl.min_horizontal(pl.lit(1.0), high)).alias("diff_high"),
            when(has_ratio, r).alias("ratio"),
            when(has_ratio_ci, (log_r - z * se).exp()).alias("ratio_low"),
            when(has_ratio_ci, (log_r + z * se).exp()).alias("ratio_high"),
            pl.coalesce(no_gap, when(shown, no_ratio)).alias("why"),
        )
        .cast(GAP_SCHEMA)
    )


def _groups_of(findings: pl.DataFrame, breakdown: str) -> list[str]:
    missing = [c for c in _NEEDED if c not in findings.columns]
    if missing:
        raise ValueError(f"findings have no column(s) {missing}")
    known = findings.get_column("breakdown").unique(maintain_order=True).to_list()
    if breakdown not in known:
        raise ValueError(f"no breakdown {breakdown!r} in the findings (there are: {', '.join(map(str, known))})")
    rows = findings.filter(pl.col("breakdown") == breakdown)
    return [str(g) for g in rows.get_column("group").unique(maintain_order=True).to_list()]


def _check_group(groups: list[str], breakdown: str, group: str) -> None:
    if group not in groups:
        raise ValueError(f"no group {group!r} in the breakdown {breakdown!r} (groups: {', '.join(groups)})")


def group_gaps(findings: pl.DataFrame, breakdown: str, group_a: str, group_b: str, z: float = Z95) -> pl.DataFrame:
    """The gap between two groups of one breakdown for every question: difference and ratio (a vs b).

    ``findings`` is the analysis' findings frame (columns breakdown, group, question, n, positive,
    suppressed, and optionally reason). One row per question, in the frame's order, with columns:

    - ``question``, ``group_a``, ``group_b``; ``n_a``, ``n_b``: each group's answers to the question as
      published, null where that group is suppressed (the analysis shows a hidden group's respondents,
      not its ``n``, and a gap shows no more than the findings do) or has no row for the question;
    - ``pct_a``, ``pct_b``: each group's % positive (proportion), null where that group is suppressed;
    - ``difference`` = pct_a - pct_b with ``diff_low``, ``diff_high``: Newcombe's hybrid score 95% interval
      (as ``newcombe_difference``);
    - ``ratio`` = pct_a / pct_b, the relative likelihood (1.0 = parity), with ``ratio_low``, ``ratio_high``:
      Katz's log 95% interval (as ``rate_ratio``);
    - ``why``: null when everything is shown, else why not: either group suppressed (with the frame's
      reason), empty, or missing for the question (no difference and no ratio then); or the ratio not
      computable (group b has no positives: no ratio; group a has none: ratio 0 without an interval).

    A gap is only computed from published counts, so it reveals nothing the findings do not.
    Raises ValueError naming a missing column, an unknown breakdown or group, or the same group twice.
    """
    groups = _groups_of(findings, breakdown)
    _check_group(groups, breakdown, group_a)
    _check_group(groups, breakdown, group_b)
    if group_a == group_b:
        raise ValueError(f"group_a and group_b are both {group_a!r}: compare two different groups")
    return _gaps(findings, breakdown, [group_a], group_b, z)


def all_gaps(findings: pl.DataFrame, breakdown: str, reference: str, z: float = Z95) -> pl.DataFrame:
    """Every other group of the breakdown against ``reference`` (e.g. each ethnic group against "White").

    Same columns as ``group_gaps`` with ``group_b`` = ``reference``; rows group by group (in the frame's
    order, the reference left out), questions in the frame's order within each group.
    """
    groups = _groups_of(findings, breakdown)
    _check_group(groups, breakdown, reference)
    return _gaps(findings, breakdown, [g for g in groups if g != reference], reference, z)
