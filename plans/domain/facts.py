"""A plan's data as the gates see it: plain, immutable values gathered by the repositories.

Gates are pure functions of these facts, so the same check runs in a flow, on the dashboard and in a
test without a database. ``now`` is a fact too: a gate never reads the clock.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from plans.domain.quorum import QuorumRule
from plans.domain.stages import Stage


class MemberKind(StrEnum):
    CITIZEN = "citizen"
    STAFF = "staff"


class Decision(StrEnum):
    APPROVE = "approve"
    REQUEST_CHANGES = "request_changes"
    REJECT = "reject"


class Judgement(StrEnum):
    MET = "met"
    PARTLY_MET = "partly_met"
    NOT_MET = "not_met"


@dataclass(frozen=True)
class MemberFacts:
    name: str
    kind: MemberKind
    agreed: bool
    contributed: bool


@dataclass(frozen=True)
class SurveyFacts:
    title: str
    opens_at: datetime
    closes_at: datetime
    closed_at: datetime | None
    target_rate: float
    responses: int
    eligible: int
    question_ids: tuple[str, ...]
    close_when_target_met: bool = True
    # closed with no stored analysis: a run killed between closing the survey and analysing it leaves
    # this, and only the lifecycle flow can finish it (nobody's decision is waited for)
    awaiting_analysis: bool = False

    @property
    def rate(self) -> float:
        """Responses over eligible headcount (0 when nobody is eligible)."""
        return self.responses / self.eligible if self.eligible else 0.0

    def close_reason(self, now: datetime) -> str | None:
        """Why an open survey is due to close now ("end date reached", "target rate met"), or None
        while it stays open. The one definition the gate, the reconciler and the flow all use."""
        if self.closed_at is not None:
            return None
        if now >= self.closes_at:
            return "end date reached"
        if self.close_when_target_met and self.eligible > 0 and self.rate >= self.target_rate:
            return "target rate met"
        return None


@dataclass(frozen=True)
class RecommendationFacts:
    title: str
    evidence_links: int


@dataclass(frozen=True)
class DecisionFacts:
    approver: str
    decision: Decision
    version: int


@dataclass(frozen=True)
class SignOffFacts:
    """The open sign-off round (if any), the decisions recorded on it, and the version the coordinator
    last sent for sign-off (``sent_version``; None: never sent)."""

    round_version: int | None
    approvers: tuple[str, ...]
    rule: QuorumRule
    decisions: tuple[DecisionFacts, ...] = ()
    sent_version: int | None = None


@dataclass(frozen=True)
class ExpectationFacts:
    stakeholder: str
    text: str
    judgement: Judgement | None


SUMMATIVE_OUTPUT = "summative"


@dataclass(frozen=True)
class PanelFacts:
    """The citizen panel: its size, its reviews of the summative report (``reviews``, with the names of
    members yet to review it in ``awaiting_review``), the names of members yet to review the repeat
    survey's comparison with the baseline (``awaiting_repeat_review``), and challenges on any output not
    yet answered."""

    members: int
    reviews: int
    unanswered_challenges: tuple[str, ...] = ()
    awaiting_review: tuple[str, ...] = ()
    awaiting_repeat_review: tuple[str, ...] = ()


@dataclass(frozen=True)
class PlanFacts:
    """Everything a gate may look at, for one plan at one moment."""

    stage: Stage
    version: int
    now: datetime
    members: tuple[MemberFacts, ...] = ()
    aspirations: int = 0
    current_state_statements: int = 0
    baseline: SurveyFacts | None = None
    recommendations: tuple[RecommendationFacts, ...] = ()
    sign_off: SignOffFacts | None = None
    checkpoints_planned: int = 0
    checkpoints_scheduled: int = 0
    checkpoints_recorded: int = 0
    expectations: tuple[ExpectationFacts, ...] = ()
    summative_report: bool = False
    panel: PanelFacts = field(default_factory=lambda: PanelFacts(members=0, reviews=0))
    repeat: SurveyFacts | None = None
    baseline_question_ids: tuple[str, ...] = ()
