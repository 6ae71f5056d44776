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
