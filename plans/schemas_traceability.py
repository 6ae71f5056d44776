"""What the traceability page and API show: forwards from the workshop's ideas through their themes to
the recommendations citing them, the objectives delivering those and their activities; backwards from
each objective to its recommendations and their evidence. What led nowhere is listed, not hidden."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, Field

from plans.schemas_learning import FindingChoice, RecommendationChoice, ThemeChoice


class IdeaOut(BaseModel):
    """One sticky note: what was written, by what kind of contributor (never who), at which table."""

    id: int
    text: str
    contributor_type: str
    contributor: str = Field(description="the contributor type in words")
    workshop: str
    table: str


class ActivityStep(BaseModel):
    id: int
    title: str
    kind: str
    format: str
    audience: str
    starts_on: date
    ends_on: date
    capacity: int


class ObjectiveStep(BaseModel):
    id: int
    aim: str
    text: str
    measure: str
    baseline: str
    target: str
    owner: str
    due_on: date
    activities: list[ActivityStep]


class ThemeTrail(BaseModel):
    """A theme with its ideas, forwards: the recommendations citing it and the objectives delivering them."""

    theme: ThemeChoice
    ideas: list[IdeaOut]
    recommendations: list[RecommendationChoice]
    objectives: list[ObjectiveStep]
    reached: str = Field(description="how far it went: objective, recommendation or theme (cited by none)")


class ThemeEvidence(BaseModel):
    theme: ThemeChoice
    ideas: list[IdeaOut]


class EvidenceOut(BaseModel):
    """One piece of a recommendation's evidence: a survey finding (organisation-wide only) or a theme."""

    ref: str
    kind: str
    finding: FindingChoice | None = None
    theme: ThemeEvidence | None = None
    missing: bool = Field(default=False, description="the ref names nothing of this plan any more")


class RecommendationTrail(BaseModel):
    recommendation: RecommendationChoice
    detail: str
    evidence: list[EvidenceOut]


class ObjectiveTrail(BaseModel):
    """An objective, backwards: the recommendations it delivers, each with its evidence."""

    objective: ObjectiveStep
    recommendations: list[RecommendationTrail]


class TraceabilityOut(BaseModel):
    plan_id: int
    title: str
    version: int
    forwards: list[ThemeTrail]
    ideas_without_theme: list[IdeaOut] = Field(description="ideas never grouped into a theme")
    led_nowhere: list[IdeaOut] = Field(description="ideas whose path reaches no objective (ungrouped ones included)")
    backwards: list[ObjectiveTrail]
    undelivered: list[RecommendationTrail] = Field(description="recommendations no objective delivers")
    without_evidence: list[RecommendationChoice] = Field(description="recommendations that cite no evidence")
