"""JSON API for a plan's survey progress and league table: the same figures as the coordinator's
survey page, for integrations. Counts and rates only, never answers."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter

from api.deps import SessionDep
from plans.models import utcnow
from plans.services.survey_progress import league_table, survey_id_of, survey_progress, team_progress
from plans.survey_views import LeagueTableView, SurveyProgressView, TeamSurveyProgress

router = APIRouter(prefix="/api/v1", tags=["surveys"])
Kind = Literal["baseline", "repeat"]


@router.get("/plans/{plan_id}/survey", response_model=SurveyProgressView)
def api_survey_progress(plan_id: int, session: SessionDep, kind: Kind = "baseline") -> SurveyProgressView:
    """The plan's survey of this kind: response rates of the organisation, every directorate (sums over
    all teams below it) and every team against the target, days left, and responses by day. 409 until
    the survey has opened."""
    survey_id = survey_id_of(session, plan_id=plan_id, kind=kind)
    return survey_progress(session, survey_id=survey_id, now=utcnow())


@router.get("/plans/{plan_id}/survey/league", response_model=LeagueTableView)
def api_survey_league(plan_id: int, session: SessionDep, kind: Kind = "baseline") -> LeagueTableView:
    """The survey's league table: teams with anyone eligible ranked by response rate (equal rates share a
    rank), marked at target and recognised by the reward rule. 409 until the survey has opened."""
    survey_id = survey_id_of(session, plan_id=plan_id, kind=kind)
    return league_table(session, survey_id=survey_id, now=utcnow())


@router.get("/teams/{team_id}/surveys", response_model=list[TeamSurveyProgress])
def api_team_surveys(team_id: int, session: SessionDep) -> list[TeamSurveyProgress]:
    """Each open survey of the team's organisation as the team's manager sees it: the rate of the team and
    every team below it, their responses by day, and those teams' places in the survey's league table."""
    return team_progress(session, team_id=team_id, now=utcnow())
