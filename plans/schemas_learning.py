"""Pydantic shapes of the learning and development plan (in and out), the evidence a recommendation may
cite, and the traceability views.

The document a client PUTs is the one it GETs (``aims`` and ``objectives``), so a client edits what it
read. The shapes bound only what storage cannot hold (lengths, 32-bit integers); what makes a document
acceptable (a measure given, a due date inside the 12 months, an owner of this plan) is checked by
``plans.domain.learning_plan`` so every problem is named in the same words, from the API and the pages.
"""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, Field

from plans.models import ActivityKind
from plans.schemas import Strict

INT32 = 2**31 - 1
LONG_TEXT = 4000


class AimIn(Strict):
    id: int | None = Field(default=None, description="keep the aim with this id (leave out for a new aim)")
    title: str = Field(default="", max_length=300)
    description: str = Field(default="", max_length=LONG_TEXT)


class ActivityIn(Strict):
    id: int | None = Field(default=None, description="keep the activity with this id (leave out for a new one)")
    title: str = Field(default="", max_length=300)
    kind: ActivityKind | None = Field(default=None, description="what it builds: skills, knowledge or experience")
    format: str = Field(default="", max_length=100, description="e.g. workshop, e-learning, shadowing")
    audience: str = Field(default="", max_length=200)
    starts_on: date | None = None
    ends_on: date | None = None
    capacity: int | None = Field(default=None, ge=-INT32, le=INT32, description="places (at least 1)")


class ObjectiveIn(Strict):
    id: int | None = Field(default=None, description="keep the objective with this id (leave out for a new one)")
    aim: int | None = Field(default=None, ge=-INT32, le=INT32, description="position of its aim in `aims`, from 0")
    text: str = Field(default="", max_length=LONG_TEXT, description="what will change")
    measure: str = Field(default="", max_length=LONG_TEXT, description="how the change is measured")
    baseline: str = Field(default="", max_length=200)
    target: str = Field(default="", max_length=200)
    owner_id: int | None = Field(default=None, description="a person of the plan who owns the objective")
    due_on: date | None = Field(default=None, description="a day within the plan's 12 months")
    recommendation_ids: list[int] = Field(default_factory=list, max_length=200)
    activities: list[ActivityIn] = Field(default_factory=list, max_length=200)


class LearningPlanIn(Strict):
    aims: list[AimIn] = Field(default_factory=list, max_length=100)
    objectives: list[ObjectiveIn] = Field(default_factory=list, max_length=500)


class PersonChoice(BaseModel):
    id: int
    name: str


class RecommendationChoice(BaseModel):
    id: int
    position: int
    title: str


class LearningPlanOut(BaseModel):
    """The plan's learning and development plan as stored, with what a form needs to edit it."""

    plan_id: int
    title: str = Field(description="the plan's title")
    version: int
    stage: str
    editable: bool = Field(description="whether the plan is in a stage where its document can be edited")
    starts_on: date = Field(description="the first day of the plan's 12 months")
    ends_on: date = Field(description="the last day of the plan's 12 months")
    aims: list[AimIn]
    objectives: list[ObjectiveIn]
    people: list[PersonChoice] = Field(description="who may own an objective: the plan's coordinator and members")
    recommendations: list[RecommendationChoice]
    undelivered: list[RecommendationChoice] = Field(description="recommendations no objective delivers")


class LearningPlanSaved(BaseModel):
    plan_id: int
    version: int


class FindingChoice(BaseModel):
    """A question of the baseline survey and its organisation-wide finding (never a group's)."""

    ref: str
    question_id: str
    question: str
    section: str
    pct_positive: float | None = Field(description="% positive across the organisation; null if not shown")
    responses: int | None
    note: str | None = Field(description="why no figure is shown, if none is")


class ThemeChoice(BaseModel):
    """A workshop theme of this plan with where it came from and the dots it got."""

    ref: str
    theme_id: int
    title: str
    workshop: str
    table: str
    top_rank: int | None
    votes: int
    ideas: int


class EvidenceChoices(BaseModel):
    findings: list[FindingChoice]
    themes: list[ThemeChoice]


class RecommendationDraft(BaseModel):
    """A recommendation on its editing page: as stored, and the objectives that deliver it."""

    id: int
    title: str
    detail: str
    evidence: list[str]
    delivered_by: list[str] = Field(description="the text of each objective delivering it")


class RecommendationsEditor(BaseModel):
    """What the recommendations page needs: the plan, its recommendations and what they may cite."""

    plan_id: int
    title: str
    stage: str
    version: int
    recommendations: list[RecommendationDraft]
    choices: EvidenceChoices
