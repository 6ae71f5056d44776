"""Pydantic shapes of what the web pages and the JSON API show beyond a plan's status: the dashboard,
response rates, inboxes, the vision, the panel's outputs, accounts. Outgoing only."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel

from plans.schemas import PlanStatus


class TeamRate(BaseModel):
    team_id: int
    team: str
    manager: str | None
    eligible: int
    responses: int
    rate: float
    below_target: bool


class SurveyProgress(BaseModel):
    """An open survey's live response rate, and the teams (with managers) below its target."""

    survey_id: int
    title: str
    kind: str
    target_rate: float
    closes_at: datetime
    eligible: int
    responses: int
    rate: float
    teams_below_target: int
    managers_below_target: list[str]


class OverdueItem(BaseModel):
    who: str
    what: str
    since: date


class DashboardRow(PlanStatus):
    overdue: list[OverdueItem]
    survey: SurveyProgress | None


class DashboardPage(BaseModel):
    rows: list[DashboardRow]
    stage: str | None
    page: int
    pages: int
    total: int
    counts: dict[str, int]


class RecommendationOut(BaseModel):
    position: int
    title: str
    detail: str
    evidence: list[str]


class DecisionOut(BaseModel):
    approver: str
    decision: str
    comment: str
    version: int
    at: datetime


class SignOffView(BaseModel):
    """The plan version out for sign-off (or last sent), its decisions, and who has yet to decide."""

    plan_id: int
    title: str
    summary: str
    stage: str
    version: int
    round_version: int | None
    content_hash: str | None
    deadline: datetime | None
    open: bool
    recommendations: list[RecommendationOut]
    decisions: list[DecisionOut]
    awaiting: list[str]


class AuditOut(BaseModel):
    at: datetime
    actor: str
    kind: str
    plan_version: int | None


class MeOut(BaseModel):
    person_id: int
    name: str
    email: str
    roles: list[str]
    via: str


class ApiTokenOut(BaseModel):
    id: int
    name: str
    prefix: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None
