"""The plan lifecycle as data: the stages, the transitions between them, and the rule for each move.

A plan moves forward one stage at a time when the stage's gate passes (or a coordinator overrides it
with a written reason), and it moves from sign-off back to recommendations when an approver asks for
changes. Every other move is illegal; ``refusal`` says why in words.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Literal


class Stage(StrEnum):
    VISION = "vision"
    EVIDENCE_SURVEY = "evidence_survey"
    RECOMMENDATIONS = "recommendations"
    SIGN_OFF = "sign_off"
    DELIVERY = "delivery"
    SUMMATIVE_EVALUATION = "summative_evaluation"
    REPEAT_SURVEY = "repeat_survey"
    CLOSED = "closed"

    @property
    def label(self) -> str:
        """The stage as a person would say it."""
        return _LABELS[self]


_LABELS = {
    Stage.VISION: "Vision",
    Stage.EVIDENCE_SURVEY: "Evidence survey",
    Stage.RECOMMENDATIONS: "Recommendations",
    Stage.SIGN_OFF: "Sign-off",
    Stage.DELIVERY: "Delivery and formative evaluation",
    Stage.SUMMATIVE_EVALUATION: "Summative evaluation",
    Stage.REPEAT_SURVEY: "Repeat survey",
    Stage.CLOSED: "Closed",
}

ORDER: tuple[Stage, ...] = tuple(Stage)

TransitionKind = Literal["advance", "changes_requested"]


@dataclass(frozen=True)
class Transition:
    """One allowed move. ``advance`` needs the source stage's gate; ``changes_requested`` needs an
    approver's request for changes (or a rejection) on the version under sign-off."""

    source: Stage
    target: Stage
    kind: TransitionKind


TRANSITIONS: tuple[Transition, ...] = (
    Transition(Stage.VISION, Stage.EVIDENCE_SURVEY, "advance"),
    Transition(Stage.EVIDENCE_SURVEY, Stage.RECOMMENDATIONS, "advance"),
    Transition(Stage.RECOMMENDATIONS, Stage.SIGN_OFF, "advance"),
    Transition(Stage.SIGN_OFF, Stage.DELIVERY, "advance"),
    Transition(Stage.SIGN_OFF, Stage.RECOMMENDATIONS, "changes_requested"),
    Transition(Stage.DELIVERY, Stage.SUMMATIVE_EVALUATION, "advance"),
    Transition(Stage.SUMMATIVE_EVALUATION, Stage.REPEAT_SURVEY, "advance"),
    Transition(Stage.REPEAT_SURVEY, Stage.CLOSED, "advance"),
)

_BY_PAIR = {(t.source, t.target): t for t in TRANSITIONS}


def transition(source: Stage, target: Stage) -> Transition | None:
    """The allowed move from ``source`` to ``target``, or None when the table forbids it."""
    return _BY_PAIR.get((source, target))


def next_stage(stage: Stage) -> Stage | None:
    """The stage a plan advances to when its gate passes; None once closed."""
    for t in TRANSITIONS:
        if t.source is stage and t.kind == "advance":
            return t.target
    return None


def refusal(source: Stage, target: Stage) -> str | None:
    """Why the table forbids moving from ``source`` to ``target``, or None when it allows it."""
    if (source, target) in _BY_PAIR:
        return None
    if source is Stage.CLOSED:
        return "the plan is closed; a closed plan does not move"
    if source is target:
        return f"the plan is already in {source.value}"
    ahead = next_stage(source)
    if ORDER.index(target) > ORDER.index(source):
        return (
            f"stages cannot be skipped: from {source.value} the plan can only advance to "
            f"{ahead.value if ahead else 'nothing'}"
        )
    if source is Stage.SIGN_OFF:
        return "from sign_off a plan can only go back to recommendations, when changes are requested"
    return f"a plan cannot go back from {source.value} to {target.value}"
