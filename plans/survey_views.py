"""Pydantic shapes of a survey's live progress and its league table, as the coordinator's and managers'
pages, the JSON API, the Prefect artifacts and the chasing emails show them. Counts and rates only:
never an answer, never a person who answered. Outgoing only."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, Field


class DayProgress(BaseModel):
    """Responses on one day, the running total to the end of it, and the rate that total makes."""

    day: date
    responses: int
    cumulative: int
    rate: float


class GroupRate(BaseModel):
    """A directorate (a team with teams below it, at any level): the sums over it and all below it."""

    team_id: int
    team: str
    parent_id: int | None
    manager: str | None
    teams: int = Field(description="counted teams below it")
    eligible: int
    responses: int
    rate: float
    below_target: bool


class TeamProgress(BaseModel):
    """One team's live rate (teams with nobody eligible show a rate of 0 and are not ranked)."""

    team_id: int
    team: str
    code: str
    directorate_id: int | None
    directorate: str | None
    manager: str | None
    eligible: int
    responses: int
    rate: float
    below_target: bool


class SurveyHeader(BaseModel):
    """Which survey, of which plan, its target and how long it has left."""

    survey_id: int
    plan_id: int
    plan_title: str
    kind: str
    title: str
    target_rate: float
    opens_at: datetime
    closes_at: datetime
    closed_at: datetime | None
    open: bool
    days_left: int = Field(description="whole days until it closes (0 once closed)")


class SurveyProgressView(SurveyHeader):
    """A survey's live response rates: the organisation, each directorate and each team, against the
    target, and the organisation's responses by day."""

    organisation: str
    eligible: int
    responses: int
    rate: float
    below_target: bool
    directorates: list[GroupRate]
    teams: list[TeamProgress]
    history: list[DayProgress]


class LeagueRow(BaseModel):
    """A team's place in the league table."""

    rank: int = Field(description="competition rank: teams with equal rates share it")
    team_id: int
    team: str
    directorate: str | None
    manager_id: int | None
    manager: str | None
    responses: int
    eligible: int
    rate: float
    at_target: bool
    rewarded: bool = Field(description="recognised by the survey's reward rule")
    named: bool = Field(description="named by the chasing ladder")


class LeagueTableView(SurveyHeader):
    """Teams ranked by response rate (teams with nobody eligible left out), on a given day."""

    on: date
    reward_rate: float
    reward_min_eligible: int
    teams: list[LeagueRow]
    at_target: int
    rewarded: int
    below_target: int


class TeamSurveyProgress(SurveyHeader):
    """One open survey as a manager sees it from one team: the rate of the team and all below it, its
    responses by day, and the places of those teams in the survey's league table."""

    team_id: int
    eligible: int
    responses: int
    rate: float
    below_target: bool
    history: list[DayProgress]
    league: list[LeagueRow]
    league_size: int = Field(description="teams ranked in the whole survey")


class DesignFinding(BaseModel):
    """One finding of the survey design lint, as the coordinator's page reports it."""

    level: str
    principle: str
    where: str
    message: str


class ChangedQuestion(BaseModel):
    """A repeat survey's question that diverges from the baseline's, so its comparison leaves it out."""

    question_id: str
    question: str
    why: str


class SurveyPage(BaseModel):
    """Everything the coordinator's survey page shows for a plan's survey of one kind."""

    plan_id: int
    plan_title: str
    kind: str
    progress: SurveyProgressView | None = Field(description="None until the survey has opened")
    league: LeagueTableView | None
    design: list[DesignFinding] | None = Field(description="None when the survey has no stored definition")
    changed_since_baseline: list[ChangedQuestion] = Field(
        default_factory=list, description="A repeat survey's questions that diverge from the baseline's, with why"
    )
