"""Per-question findings: % positive with a Wilson 95% interval, suppressed below the threshold.

The Wilson score interval is used because it stays inside [0, 1] and behaves well for small groups
and rates near 0% or 100%, where the normal approximation does not.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

Z95 = 1.959963984540054


@dataclass(frozen=True)
class Question:
    """A closed question and the answers that count as positive.

    ``options`` is the answer scale in order (the distribution of answers is reported in that order, and a
    repeat survey is comparable only on the same scale); ``section`` and ``text`` place and word it.
    """

    id: str
    positive: frozenset[str]
    options: tuple[str, ...] = ()
    section: str = ""
    text: str = ""


@dataclass(frozen=True)
class Finding:
    question_id: str
    responses: int
    positive: int
    suppressed: bool
    pct_positive: float | None
    ci_low: float | None
    ci_high: float | None


def wilson_interval(positive: int, n: int, z: float = Z95) -> tuple[float, float]:
    """The Wilson score interval for ``positive`` successes out of ``n`` (as proportions)."""
    if n <= 0:
        raise ValueError("n must be positive")
    if not 0 <= positive <= n:
        raise ValueError("positive must be between 0 and n")
    p = positive / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    # at 0% and 100% the exact bound is 0 or 1; floating point would leave it a hair inside
    low = 0.0 if positive == 0 else max(0.0, centre - half)
    high = 1.0 if positive == n else min(1.0, centre + half)
    return low, high


def finding(question: Question, answers: Iterable[str | None], threshold: int) -> Finding:
    """The finding for one question over the given answers (blank answers do not count)."""
    given = [a for a in answers if a is not None and a != ""]
    n = len(given)
    pos = sum(1 for a in given if a in question.positive)
    if n < threshold or n == 0:
        return Finding(question.id, n, pos if n >= threshold else 0, True, None, None, None)
    low, high = wilson_interval(pos, n)
    return Finding(question.id, n, pos, False, pos / n, low, high)


def findings(questions: Sequence[Question], responses: Iterable[Mapping[str, str]], threshold: int) -> list[Finding]:
    """Findings for every question over all responses."""
    rows = list(responses)
    return [finding(q, (r.get(q.id) for r in rows), threshold) for q in questions]
