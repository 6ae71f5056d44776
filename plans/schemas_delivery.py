"""Pydantic shapes of delivery: what the JSON API takes in (``...In``) and what the pages and the API show
(``...Out``, ``...View``): evidence requests and evidence, objectives' progress and milestones, the
delivery overview, an evidence owner's own view and the formative report of a checkpoint.

Ids and numbers in bodies are bounded to the database's INTEGER range, so one no row can have is refused
as input; the rules themselves (scales, percentages, notes) are the domain's, which name each field."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from plans.domain.delivery import EvidenceType, Rag

Id = Annotated[int, Field(ge=1, le=2**31 - 1)]
Number = Annotated[int, Field(ge=-(2**31), le=2**31 - 1)]


class In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class EvidenceIn(In):
    type: EvidenceType = Field(
        description="attendance, reaction (1), learning (2), behaviour (3), results (4), quote or story"
    )
    summary: str = Field(max_length=10_000, description="what the evidence is; for a quote or a story, the words")
    value: float | None = Field(default=None, description="the figure: a score, a percentage, a count")
    unit: str = Field(default="", max_length=200, description='"%", "out of 5", or what the figure counts')
    participants: Number | None = Field(default=None, description="how many people the evidence covers")
    checkpoint: Number | None = Field(default=None, description="the number of the checkpoint it is for")
    objective_id: Id | None = None
    expectation_id: Id | None = None
    activity_id: Id | None = None
    on_behalf_of: Id | None = Field(default=None, description="coordinators: the evidence owner it comes from")


class NothingIn(In):
    checkpoint: Number = Field(description="the number of the checkpoint you have no evidence for")
    note: str = Field(default="", max_length=10_000)
    on_behalf_of: Id | None = Field(default=None, description="coordinators: the evidence owner who said so")


class ProgressIn(In):
    objective_id: Id
    status: Rag
    percent_complete: Number = Field(description="from 0 to 100")
    note: str = Field(default="", max_length=10_000, description="required when red or amber, or going backwards")


class MilestoneIn(In):
    objective_id: Id
    title: str = Field(max_length=1000)
    due_on: date


class MilestoneDoneIn(In):
    milestone_id: Id
    done_on: date


class OwnerIn(In):
    email: str = Field(max_length=320, description="the email address of a person known here")


class CheckpointIn(In):
    number: Number = Field(description="which checkpoint")
    did: str = Field(max_length=20_000, description="what we did")
    learned: str = Field(max_length=20_000, description="what we learned")
    change: str = Field(max_length=20_000, description="what we will change")
    attendance: Number | None = Field(default=None, description="how many attended the checkpoint's review")


class OwnerOut(BaseModel):
    person_id: int
    name: str
    email: str
    objectives: int = Field(description="how many of the plan's objectives they own")
    named: bool = Field(description="named by the coordinator (objective owners are asked anyway)")


class EvidenceRequestOut(BaseModel):
    id: int
    plan_id: int
    plan_title: str
    checkpoint: int
    checkpoint_due_on: date
    owner_id: int
    owner: str
    asked_at: datetime
    due_on: date
    answered_at: datetime | None
    state: str = Field(description="waiting, overdue, evidence, nothing or unanswered")
    status: str = Field(description="the state in words")
    days_overdue: int
    evidence: int = Field(description="pieces of evidence the owner gave at this checkpoint")


class EvidenceItemOut(BaseModel):
    id: int
    type: EvidenceType
    type_label: str
    level: int | None
    summary: str
    value: float | None
    unit: str
    figure: str | None = Field(description="the value as people read it")
    participants: int | None
    checkpoint: int | None
    objective_id: int | None
    expectation_id: int | None
    activity_id: int | None
    given_by: str
    given_at: datetime


class ProgressOut(BaseModel):
    id: int
    objective_id: int
    checkpoint: int | None
    status: Rag
    percent_complete: int
    note: str
    recorded_by: str
    recorded_at: datetime


class MilestoneOut(BaseModel):
    id: int
    objective_id: int
    title: str
    due_on: date
    done_on: date | None
    state: str = Field(description="done, done_late, overdue, due_soon or upcoming")
    status: str


class ObjectiveDeliveryOut(BaseModel):
    id: int
    text: str
    measure: str
    baseline: str
    target: str
    owner_id: int
    owner: str
    due_on: date
    status: Rag | None = Field(description="the latest update's; None before any")
    percent_complete: int | None
    note: str
    updated_at: datetime | None
    suggested: Rag = Field(description="what the dates and milestones suggest")
    history: list[ProgressOut] = Field(description="every update, newest first")
    milestones: list[MilestoneOut]


class CheckpointDeliveryOut(BaseModel):
    number: int
    due_on: date
    ask_on: date
    recorded_at: datetime | None
    asked: int
    answered: int
    overdue: int
    evidence: int


class TypeSummaryOut(BaseModel):
    type: EvidenceType
    label: str
    level: int | None
    items: int
    participants: int
    figures: list[str]


class ObjectiveAtCheckpointOut(BaseModel):
    id: int
    text: str
    owner: str
    status: Rag | None
    percent_complete: int | None
    note: str


class FormativeReportOut(BaseModel):
    """What one formative checkpoint found: the coordinator's account, the evidence by type and level,
    the objectives as they stood when it was recorded, and who answered the request for evidence."""

    plan_id: int
    plan_title: str
    output: str = Field(description='the name the citizen panel reviews it by: "formative-<number>"')
    number: int
    due_on: date
    recorded_at: datetime
    what_we_did: str
    what_we_learned: str
    what_we_will_change: str
    attendance: int | None
    evidence_summary: list[TypeSummaryOut]
    levels: list[int] = Field(description="Kirkpatrick levels with evidence at this checkpoint")
    evidence: list[EvidenceItemOut]
    objectives: list[ObjectiveAtCheckpointOut]
    rag: dict[str, int]
    requests: list[EvidenceRequestOut]


class Choice(BaseModel):
    id: int
    label: str


class DeliveryView(BaseModel):
    """A plan's delivery for its coordinator: checkpoints, who was asked and who is overdue, evidence,
    objectives with their RAG history and milestones, and the evidence owners."""

    plan_id: int
    title: str
    stage: str
    stage_label: str
    open: bool = Field(description="in the delivery stage (progress, milestones and requests can change)")
    starts_on: date
    checkpoints: list[CheckpointDeliveryOut]
    next_checkpoint: int | None = Field(description="the earliest checkpoint not yet recorded")
    requests: list[EvidenceRequestOut]
    overdue: list[EvidenceRequestOut]
    owners: list[OwnerOut]
    evidence: list[EvidenceItemOut]
    evidence_summary: list[TypeSummaryOut]
    objectives: list[ObjectiveDeliveryOut]
    rag: dict[str, int]
    expectations: list[Choice]
    activities: list[Choice]


class OwnerView(BaseModel):
    """One evidence owner's part of a plan: what they were asked, their objectives, what they gave."""

    plan_id: int
    title: str
    stage: str
    stage_label: str
    open: bool
    can_give: bool = Field(description="evidence can be given now (delivery or summative evaluation)")
    coordinator: bool
    requests: list[EvidenceRequestOut]
    objectives: list[ObjectiveDeliveryOut]
    evidence: list[EvidenceItemOut]
    checkpoints: list[int] = Field(description="checkpoints evidence can still be given for")
    all_objectives: list[Choice]
    expectations: list[Choice]
    activities: list[Choice]
    owners: list[Choice] = Field(description="coordinators: whom evidence can be recorded for")


class MyRequestsView(BaseModel):
    requests: list[EvidenceRequestOut]
