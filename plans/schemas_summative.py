"""The summative evaluation as pages and the API show it: every expectation with its evidence, its chain
up the Kirkpatrick levels and its judgement; the benefits claimed and the return on the investment; and
the retrospective."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from evaluation.roi import IsolationMethod
from plans.schemas_delivery import EvidenceItemOut


class ChainOut(BaseModel):
    """The chain of evidence behind one expectation: the levels it needs (1 up to its own), the levels
    with evidence, and the gaps."""

    needed: list[int]
    evidenced: list[int]
    gaps: list[int]
    complete: bool
    words: str = Field(description="the chain in a sentence, e.g. 'evidence at levels 1 and 2; none yet at 3'")


class ExpectationJudgedOut(BaseModel):
    """One expectation of the register with everything its judgement rests on."""

    id: int
    stakeholder: str
    text: str
    measure: str
    target: str
    level: int
    level_label: str
    evidence: list[EvidenceItemOut] = Field(description="evidence items given for this expectation, newest first")
    chain: ChainOut
    judgement: Literal["met", "partly_met", "not_met"] | None
    judgement_label: str | None
    judgement_evidence: str = Field(description="the coordinator's account of the evidence, written when judging")
    caution: str | None = Field(
        description="why the linked evidence cannot yet carry the judgement (or 'met'), when it cannot"
    )


class JudgementIn(BaseModel):
    judgement: Literal["met", "partly_met", "not_met"]
    evidence: str = Field(description="what the evidence shows, in words: the judgement's reason")


class JudgementOf(JudgementIn):
    """A judgement of one expectation of the plan's register (the API names it in the body)."""

    expectation_id: int


class BenefitIn(BaseModel):
    """One benefit claimed. Leave ``value_pence`` out for an intangible benefit (listed, never converted
    to money); a benefit with a money value needs an isolation method and says how it was valued."""

    description: str
    value_pence: int | None = Field(default=None, description="the benefit's money value in whole pence")
    isolation_method: IsolationMethod | None = None
    contribution_pct: int = Field(default=100, description="the share of the benefit the plan caused, 0-100")
    confidence_pct: int = Field(default=100, description="how sure the estimate is, 0-100")
    how_valued: str = Field(default="", description="how the money value was worked out")
    expectation_id: int | None = Field(default=None, description="the expectation the benefit answers, if any")


class BenefitsIn(BaseModel):
    benefits: list[BenefitIn]


class BenefitOut(BaseModel):
    id: int
    description: str
    value_pence: int | None
    value: str | None
    isolation_method: str | None
    isolation_label: str | None
    contribution_pct: int
    confidence_pct: int
    adjusted_pence: int | None = Field(description="value x contribution x confidence, to the penny")
    adjusted: str | None
    how_valued: str
    expectation_id: int | None
    intangible: bool


class RoiOut(BaseModel):
    """Phillips ROI against the investment ledger: ROI% = (benefits - costs) / costs x 100."""

    costs_pence: int
    costs: str
    benefits_pence: int
    benefits: str
    net_pence: int
    net: str
    roi_pct: float | None = Field(description="None when nothing was spent")
    roi: str
    benefit_cost_ratio: float | None
    participants: int = Field(description="people counted by the attendance evidence (or checkpoint attendance)")
    participants_from: str = Field(description="where the participant count comes from, in words")
    cost_per_participant_pence: int | None
    cost_per_participant: str | None
    counted: list[BenefitOut] = Field(description="benefits with a money value, counted in ROI")
    intangible: list[BenefitOut] = Field(description="benefits without a money value, listed beside ROI")


class RetrospectiveIn(BaseModel):
    what_we_did: str
    what_we_learned: str
    pleased_about: str
    could_have_been_different: str


class RetrospectiveOut(RetrospectiveIn):
    recorded_at: datetime


class SummativeView(BaseModel):
    """The summative evaluation of a plan, whole."""

    plan_id: int
    title: str
    stage: str
    editable: bool = Field(description="judgements, benefits and the retrospective are recorded in this stage")
    expectations: list[ExpectationJudgedOut]
    judged: int
    unjudged: int
    by_judgement: dict[str, int]
    complete_chains: int
    roi: RoiOut
    retrospective: RetrospectiveOut | None
    isolation_methods: list[tuple[str, str]] = Field(description="(value, words) of every isolation method")
