"""Shapes in and out of the expectations register, the investment ledger and sign-off: what the API
accepts (checked field by field by the domain rules, which name every bad field at once) and what the
pages and the API show of the plan document an approver signs off."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, Field

from plans.schemas import Strict

MAX_ID = 2**31 - 1  # ids are INTEGER columns
HASH = r"^[0-9a-f]{64}$"


# ---- in ---------------------------------------------------------------------------------------------


class ExpectationIn(Strict):
    """One expectation: what is expected, how it is measured, the Kirkpatrick level (1-4), the target."""

    text: str = Field(max_length=4000)
    measure: str = Field(max_length=4000)
    level: int = Field(description="Kirkpatrick level: 1 reaction, 2 learning, 3 behaviour, 4 results")
    target: str = Field(max_length=400)


class StakeholderExpectationIn(ExpectationIn):
    """An expectation the coordinator records for a key stakeholder (a member of the plan or its
    coordinator); ``id`` keeps an existing row of the register when the whole register is saved."""

    id: int | None = Field(default=None, ge=1, le=MAX_ID)
    stakeholder_id: int = Field(ge=1, le=MAX_ID)


class RegisterIn(Strict):
    """The whole register as it should be: rows with an ``id`` are kept (and edited), rows without one
    are added, register rows left out are removed. Expectations approvers added with their decision
    are theirs and stay as they are."""

    items: list[StakeholderExpectationIn] = Field(max_length=200)


class InvestmentItemIn(Strict):
    """One line of the ledger: staff time (hours and a rate in pence an hour), or a direct cost or an
    in-kind contribution (an amount in pence); optionally the learning activity it pays for."""

    kind: Literal["staff_time", "direct_cost", "in_kind"]
    description: str = Field(max_length=600)
    contributor: str = Field(default="", max_length=400)
    hours: float | None = Field(default=None, allow_inf_nan=False)
    rate_pence: int | None = None
    amount_pence: int | None = None
    activity_id: int | None = None


class LedgerIn(Strict):
    items: list[InvestmentItemIn] = Field(max_length=500)


class SendIn(Strict):
    deadline: date = Field(description="the last day approvers have to decide (at least tomorrow, within 90 days)")


class DecisionIn(Strict):
    version: int = Field(ge=1, le=1_000_000, description="the plan version reviewed; refused if the plan has moved on")
    content_hash: str = Field(pattern=HASH, description="the content hash of the version reviewed (from the sign-off)")
    decision: Literal["approve", "request_changes", "reject"]
    comment: str = Field(default="", max_length=4000, description="required to request changes or reject")
    expectations: list[ExpectationIn] = Field(
        default_factory=list, max_length=10, description="what the approver expects the plan to achieve"
    )


# ---- out --------------------------------------------------------------------------------------------


class ExpectationOut(BaseModel):
    id: int
    stakeholder_id: int
    stakeholder: str
    approver: bool
    text: str
    measure: str
    level: int
    level_label: str
    target: str
    added_by: str | None
    added_with_decision_on_version: int | None  # None: part of the register the coordinator keeps
    judgement: str | None


class StakeholderOut(BaseModel):
    person_id: int
    name: str
    capacities: list[str]  # "approver", "working party", "citizen panel", "coordinator"


class RegisterView(BaseModel):
    """The return-on-expectations register: approvers' expectations first, then other stakeholders'."""

    plan_id: int
    title: str
    stage: str
    version: int
    editable: bool
    expectations: list[ExpectationOut]
    stakeholders: list[StakeholderOut]


class InvestmentLineOut(BaseModel):
    id: int
    kind: str
    kind_label: str
    description: str
    contributor: str
    hours: float | None
    rate_pence: int | None
    amount_pence: int | None
    activity_id: int | None
    activity: str | None
    pence: int
    cost: str  # "£1,234.56"


class TotalsOut(BaseModel):
    staff_time_pence: int
    direct_cost_pence: int
    in_kind_pence: int
    cash_pence: int
    overall_pence: int
    staff_time: str
    direct_cost: str
    in_kind: str
    cash: str
    overall: str


class ActivityChoice(BaseModel):
    id: int
    title: str


class LedgerView(BaseModel):
    plan_id: int
    title: str
    stage: str
    version: int
    editable: bool
    lines: list[InvestmentLineOut]
    totals: TotalsOut
    activities: list[ActivityChoice]


class SentOut(BaseModel):
    plan_id: int
    version: int
    deadline: date
    content_hash: str


class SendView(BaseModel):
    """What the coordinator sees before sending: the version, whether it can go, and why not."""

    plan_id: int
    title: str
    stage: str
    version: int
    content_hash: str
    sent_version: int | None
    sent_deadline: date | None
    can_send: bool
    reasons: list[str]
    earliest: date
    latest: date


class EvidenceOut(BaseModel):
    ref: str
    label: str


class DocRecommendationOut(BaseModel):
    number: int
    title: str
    detail: str
    evidence: list[EvidenceOut]


class DocActivityOut(BaseModel):
    title: str
    kind: str
    format: str
    audience: str
    starts_on: date
    ends_on: date
    capacity: int


class DocObjectiveOut(BaseModel):
    text: str
    measure: str
    baseline: str
    target: str
    owner: str
    due_on: date
    delivers: list[int]  # the numbers of the recommendations it delivers
    activities: list[DocActivityOut]


class DocAimOut(BaseModel):
    title: str
    description: str
    objectives: list[DocObjectiveOut]


class PlanDocumentOut(BaseModel):
    """One version of the plan as approvers sign it off: everything its content hash covers."""

    version: int
    content_hash: str
    recommendations: list[DocRecommendationOut]
    aims: list[DocAimOut]
    expectations: list[ExpectationOut]
    investment: list[InvestmentLineOut]
    totals: TotalsOut
