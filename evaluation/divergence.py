"""Which questions of a repeat survey diverge from its baseline, and why, in words a citizen can read.

The repeat survey opens with the baseline's questions so that every answer can be compared; when one is
changed anyway (reworded, its answers changed or reordered, different answers counted as positive, or it
is new or no longer asked), comparing it would set answers to two different questions against each other.
``evaluation.compare.comparability`` decides which questions those are; this module says why for each,
so the comparison can show what it left out instead of silently dropping it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from evaluation.compare import comparability
from evaluation.findings import Question


@dataclass(frozen=True)
class Exclusion:
    """A question left out of the comparison: its id, the wording people read (the repeat survey's, or the
    baseline's when the repeat does not ask it), each reason as a clause, and the whole as a sentence."""

    question_id: str
    question: str
    reasons: tuple[str, ...]

    @property
    def explanation(self) -> str:
        """ "Left out of the comparison: the wording changed since the first survey, which asked “…”."""
        return "Left out of the comparison: " + "; ".join(self.reasons) + "."


def _words(text: str) -> str:
    return " ".join(text.split())


def _answers(options: tuple[str, ...]) -> str:
    return " / ".join(options) if options else "none listed"


def _positive(q: Question) -> str:
    return ", ".join(sorted(q.positive)) or "none"


def _reasons(before: Question, after: Question) -> tuple[str, ...]:
    reasons = []
    if _words(before.text) != _words(after.text):
        reasons.append(f"the wording changed since the first survey, which asked “{_words(before.text)}”")
    scales = f"(first survey: {_answers(before.options)}; repeat survey: {_answers(after.options)})"
    if before.options != after.options:
        if sorted(before.options) == sorted(after.options):
            reasons.append(f"the answers were offered in a different order {scales}")
        else:
            reasons.append(f"the answers offered changed {scales}")
    elif before.positive != after.positive:
        reasons.append(
            f"different answers count as positive (first survey: {_positive(before)}; "
            f"repeat survey: {_positive(after)})"
        )
    return tuple(reasons)


def exclusions(baseline: Iterable[Question], repeat: Iterable[Question]) -> list[Exclusion]:
    """Every question the comparison leaves out, with why: changed ones and those only in the baseline in
    the baseline's order, then the repeat survey's new ones. Empty when the repeat asks exactly the
    baseline's questions. Raises ValueError when a survey lists a question id twice (as ``comparability``)."""
    before, after = tuple(baseline), tuple(repeat)
    _, not_comparable = comparability(before, after)
    by_id_before, by_id_after = {q.id: q for q in before}, {q.id: q for q in after}
    out = []
    for qid, _why in not_comparable:
        was, now = by_id_before.get(qid), by_id_after.get(qid)
        if was is not None and now is not None:
            out.append(Exclusion(qid, _words(now.text) or qid, _reasons(was, now)))
        elif was is not None:
            out.append(Exclusion(qid, _words(was.text) or qid, ("the repeat survey did not ask it",)))
        elif now is not None:
            out.append(Exclusion(qid, _words(now.text) or qid, ("it is new: the first survey did not ask it",)))
    return out
