"""Baseline against repeat: the change in % positive with a two-proportion z-test.

The pooled two-proportion z-test is the standard test for a difference between two independent
proportions with large samples; it is reported with a 95% interval for the difference (unpooled).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from evaluation.findings import Z95


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
