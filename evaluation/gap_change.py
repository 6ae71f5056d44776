"""How the gap between each group and a reference group changed from the baseline survey to the repeat.

The gap in each survey is ``evaluation.gaps``' difference in % positive (group - reference) with
Newcombe's hybrid score interval. The two surveys are independent samples, so the change in the gap,
d = gap_after - gap_before, takes its 95% interval by MOVER (the method of variance estimates recovery:
Zou and Donner 2008, as Newcombe 2011 applies it to a difference of differences), from the two gaps' own
intervals [l1, u1] (before) and [l2, u2] (after):

    low  = d - sqrt((gap_after - l2)^2 + (u1 - gap_before)^2)
    high = d + sqrt((u2 - gap_after)^2 + (gap_before - l1)^2)

A change is called real when its interval leaves out zero. A gap that narrowed moved towards zero: the
words say "narrowed" or "widened" only for a real change, and "reversed" when the sign flipped.
Only published counts are used, so nothing hidden in either survey shows through.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import polars as pl

from evaluation.findings import Z95
from evaluation.gaps import Difference, all_gaps

MOVER = "MOVER (Zou and Donner 2008) from the two Newcombe intervals of the gaps"

CHANGE_SCHEMA = pl.Schema(
    {
        "question": pl.String(),
        "group": pl.String(),
        "reference": pl.String(),
        "before": pl.Float64(),
        "before_low": pl.Float64(),
        "before_high": pl.Float64(),
        "after": pl.Float64(),
        "after_low": pl.Float64(),
        "after_high": pl.Float64(),
        "change": pl.Float64(),
        "change_low": pl.Float64(),
        "change_high": pl.Float64(),
        "why": pl.String(),
    }
)


@dataclass(frozen=True)
class GapChange:
    """after - before of two gaps, with its 95% interval; ``value`` None (with ``reason``) when a gap is."""

    value: float | None
    ci_low: float | None
    ci_high: float | None
    method: str = MOVER
    reason: str | None = None

    @property
    def real(self) -> bool | None:
        """Whether the interval leaves out zero; None when there is no change to judge."""
        if self.ci_low is None or self.ci_high is None:
            return None
        return self.ci_low > 0 or self.ci_high < 0


def gap_change(before: Difference, after: Difference) -> GapChange:
    """The change from one survey's gap to the other's, by MOVER (the scalar reference of
    ``gap_changes``)."""
    if before.value is None or after.value is None:
        which = "first" if before.value is None else "repeat"
        return GapChange(None, None, None, reason=f"no gap in the {which} survey")
    assert before.ci_low is not None and before.ci_high is not None
    assert after.ci_low is not None and after.ci_high is not None
    d = after.value - before.value
    low = d - math.sqrt((after.value - after.ci_low) ** 2 + (before.ci_high - before.value) ** 2)
    high = d + math.sqrt((after.ci_high - after.value) ** 2 + (before.value - before.ci_low) ** 2)
    return GapChange(d, max(-2.0, low), min(2.0, high))


def change_words(before: float, after: float, low: float, high: float) -> str:
    """The change in a gap in words: which way, and whether it is likely real."""
    if low <= 0 <= high:
        return "could be chance"
    if before != 0 and after != 0 and (before > 0) != (after > 0):
        return "reversed"
    return "narrowed" if abs(after) < abs(before) else "widened"


def _has(findings: pl.DataFrame, breakdown: str, group: str) -> bool:
    rows = findings.filter(pl.col("breakdown") == breakdown)
    return rows.height > 0 and group in rows.get_column("group").to_list()


def gap_changes(
    baseline: pl.DataFrame, repeat: pl.DataFrame, breakdown: str, reference: str, z: float = Z95
) -> pl.DataFrame:
    """Every other group of ``breakdown`` against ``reference``, question by question, in both surveys and
    the change between them. ``baseline`` and ``repeat`` are findings frames as ``all_gaps`` takes them.

    One row per group and question of the repeat survey (its order), with ``before``/``after`` (gaps as
    proportions, null where not shown), their intervals, ``change`` with its MOVER interval, and ``why``
    when there is no change: which survey had no gap, and why (a hidden or empty group, no row). Empty when
    either survey has no such breakdown or no such reference group: there is nothing to compare.
    """
    if not (_has(baseline, breakdown, reference) and _has(repeat, breakdown, reference)):
        return pl.DataFrame(schema=CHANGE_SCHEMA)
    after = all_gaps(repeat, breakdown, reference, z)
    before = all_gaps(baseline, breakdown, reference, z).select(
        "group_a",
        "question",
        pl.lit(True).alias("asked_before"),
        pl.col("difference").alias("g1"),
        pl.col("diff_low").alias("l1"),
        pl.col("diff_high").alias("u1"),
        pl.col("why").alias("why_before"),
    )
    joined = after.join(before, on=["group_a", "question"], how="left", maintain_order="left")
    g1, l1, u1 = pl.col("g1"), pl.col("l1"), pl.col("u1")
    g2, l2, u2 = pl.col("difference"), pl.col("diff_low"), pl.col("diff_high")
    d = g2 - g1
    low = d - ((g2 - l2) ** 2 + (u1 - g1) ** 2).sqrt()
    high = d + ((u2 - g2) ** 2 + (g1 - l1) ** 2).sqrt()
    shown = g1.is_not_null() & g2.is_not_null()
    why = (
        pl.when(g2.is_null())
        .then(pl.concat_str(pl.lit("repeat survey: "), pl.col("why").fill_null("no gap")))
        .when(pl.col("asked_before").is_null())
        .then(pl.lit("first survey: no row for this group and question"))
        .when(g1.is_null())
        .then(pl.concat_str(pl.lit("first survey: "), pl.col("why_before").fill_null("no gap")))
    )
    return joined.select(
        "question",
        pl.col("group_a").alias("group"),
        pl.col("group_b").alias("reference"),
        g1.alias("before"),
        l1.alias("before_low"),
        u1.alias("before_high"),
        g2.alias("after"),
        l2.alias("after_low"),
        u2.alias("after_high"),
        pl.when(shown).then(d).alias("change"),
        pl.when(shown).then(pl.max_horizontal(pl.lit(-2.0), low)).alias("change_low"),
        pl.when(shown).then(pl.min_horizontal(pl.lit(2.0), high)).alias("change_high"),
        why.alias("why"),
    ).cast(CHANGE_SCHEMA)
