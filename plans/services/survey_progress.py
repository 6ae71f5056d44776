"""A survey's live progress and league table, for coordinators (every team), managers (their teams and
those below), the JSON API, the Prefect artifacts and the weekly league table email.

Everything is read from the intake's counters (``survey_teams`` and ``survey_team_days``), never from
the responses, so a page costs a fixed handful of queries at any scale; the ranking rule is the pure
``plans.domain.league``. Only counts and rates leave here.
"""

from __future__ import annotations

import math
from datetime import datetime

from pydantic import ValidationError
from sqlalchemy.orm import Session

from plans.domain.chasing_config import ChasingConfig
from plans.domain.errors import NotFound, StageLocked
from plans.domain.league import Entry, Standing, meets, rank
from plans.domain.survey_definition import SurveyDefinition
from plans.domain.survey_lint import PRINCIPLE_TITLES, lint
from plans.models import Survey, SurveyKind
from plans.repositories.inbox import InboxRepository
from plans.repositories.survey_rates import DayCount, Place, RollUp, SurveyRatesRepository, TeamCounts
from plans.repositories.surveys import SurveyRepository
from plans.services.lifecycle import load_plan
from plans.services.repeat_survey import exclusions_for
from plans.survey_views import (
    ChangedQuestion,
    DayProgress,
    DesignFinding,
    GroupRate,
    LeagueRow,
    LeagueTableView,
    SurveyHeader,
    SurveyPage,
    SurveyProgressView,
    TeamProgress,
    TeamSurveyProgress,
)

DAY_SECONDS = 86_400


def chasing_of(survey: Survey) -> ChasingConfig:
    """The survey's chasing configuration (its definition's ``chasing:`` section, else the defaults)."""
    section = (survey.definition or {}).get("chasing")
    return ChasingConfig.model_validate(section) if section else ChasingConfig()


def _rate(responses: int, eligible: int) -> float:
    return responses / eligible if eligible else 0.0


def _header(survey: Survey, plan_title: str, now: datetime) -> SurveyHeader:
    is_open = survey.closed_at is None and survey.opens_at <= now < survey.closes_at
    left = math.ceil((survey.closes_at - now).total_seconds() / DAY_SECONDS) if is_open else 0
    return SurveyHeader(
        survey_id=survey.id,
        plan_id=survey.plan_id,
        plan_title=plan_title,
        kind=survey.kind.value,
        title=survey.title,
        target_rate=survey.target_rate,
        opens_at=survey.opens_at,
        closes_at=survey.closes_at,
        closed_at=survey.closed_at,
        open=is_open,
        days_left=max(0, left),
    )


def _history(days: list[DayCount], eligible: int) -> list[DayProgress]:
    out, total = [], 0
    for d in days:
        total += d.responses
        out.append(DayProgress(day=d.day, responses=d.responses, cumulative=total, rate=_rate(total, eligible)))
    return out


def _standings(
    teams: list[TeamCounts], survey: Survey, named: frozenset[int], groups: dict[int, RollUp]
) -> list[LeagueRow]:
    by_id = {t.team_id: t for t in teams}
    ranked: list[Standing] = rank(
        (Entry(t.team_id, t.name, t.responses, t.eligible) for t in teams),
        target=survey.target_rate,
        reward=chasing_of(survey).reward,
        named=named,
    )
    rows = []
    for s in ranked:
        team = by_id[s.team_id]
        parent = groups.get(team.parent_id) if team.parent_id is not None else None
        rows.append(
            LeagueRow(
                rank=s.rank,
                team_id=s.team_id,
                team=s.name,
                directorate=parent.name if parent else None,
                manager_id=team.manager_id,
                manager=team.manager,
                responses=s.responses,
                eligible=s.eligible,
                rate=s.rate,
                at_target=s.at_target,
                rewarded=s.rewarded,
                named=s.named,
            )
        )
    return rows


def _league(
    header: SurveyHeader,
    survey: Survey,
    teams: list[TeamCounts],
    groups: dict[int, RollUp],
    named: frozenset[int],
    now: datetime,
) -> LeagueTableView:
    reward = chasing_of(survey).reward
    rows = _standings(teams, survey, named, groups)
    return LeagueTableView(
        **header.model_dump(),
        on=now.date(),
        reward_rate=reward.at_rate,
        reward_min_eligible=reward.min_eligible,
        teams=rows,
        at_target=sum(r.at_target for r in rows),
        rewarded=sum(r.rewarded for r in rows),
        below_target=sum(not r.at_target for r in rows),
    )


def _progress(
    session: Session, header: SurveyHeader, survey: Survey, teams: list[TeamCounts], groups: dict[int, RollUp]
) -> SurveyProgressView:
    repo = SurveyRatesRepository(session)
    target = survey.target_rate
    eligible = sum(t.eligible for t in teams)
    responses = sum(t.responses for t in teams)
    rate = _rate(responses, eligible)
    _, organisation = repo.plan_and_organisation(survey.plan_id)
    return SurveyProgressView(
        **header.model_dump(),
        organisation=organisation,
        eligible=eligible,
        responses=responses,
        rate=rate,
        below_target=rate < target,
        directorates=[
            GroupRate(
                team_id=g.team_id,
                team=g.name,
                parent_id=g.parent_id,
                manager=g.manager,
                teams=g.teams,
                eligible=g.eligible,
                responses=g.responses,
                rate=_rate(g.responses, g.eligible),
                below_target=_rate(g.responses, g.eligible) < target,
            )
            for g in groups.values()
        ],
        teams=[
            TeamProgress(
                team_id=t.team_id,
                team=t.name,
                code=t.code,
                directorate_id=t.parent_id,
                directorate=groups[t.parent_id].name if t.parent_id in groups else None,
                manager=t.manager,
                eligible=t.eligible,
                responses=t.responses,
                rate=_rate(t.responses, t.eligible),
                below_target=_rate(t.responses, t.eligible) < target,
            )
            for t in teams
        ],
        history=_history(repo.responses_by_day(survey.id), eligible),
    )


def _load(session: Session, survey_id: int, now: datetime) -> tuple[Survey, SurveyHeader]:
    repo = SurveyRatesRepository(session)
    survey = repo.survey(survey_id)
    if survey is None:
        raise NotFound(f"survey {survey_id} was not found")
    title, _ = repo.plan_and_organisation(survey.plan_id)
    return survey, _header(survey, title, now)


def _groups(repo: SurveyRatesRepository, survey_id: int) -> dict[int, RollUp]:
    return {g.team_id: g for g in repo.roll_ups(survey_id)}


def survey_progress(session: Session, *, survey_id: int, now: datetime) -> SurveyProgressView:
    """The survey's live rates: organisation, directorates and teams against the target, and history."""
    survey, header = _load(session, survey_id, now)
    repo = SurveyRatesRepository(session)
    return _progress(session, header, survey, repo.team_counts(survey_id), _groups(repo, survey_id))


def league_table(
    session: Session, *, survey_id: int, now: datetime, named: frozenset[int] = frozenset()
) -> LeagueTableView:
    """Teams ranked by response rate, marking teams at target, rewarded and named (ids in ``named``)."""
    survey, header = _load(session, survey_id, now)
    repo = SurveyRatesRepository(session)
    return _league(header, survey, repo.team_counts(survey_id), _groups(repo, survey_id), named, now)


def open_surveys(session: Session, now: datetime) -> list[int]:
    """Ids of the surveys open now (opened, not closed, before their end), lowest first."""
    return SurveyRatesRepository(session).open_survey_ids(now)


def design_report(survey: Survey) -> list[DesignFinding] | None:
    """The design lint's findings for the survey's stored definition (None if it has none)."""
    if not survey.definition:
        return None
    try:
        definition = SurveyDefinition.model_validate(survey.definition)
    except ValidationError:  # stored before the current rules: nothing to lint against
        return None
    return [
        DesignFinding(level=f.level.value, principle=PRINCIPLE_TITLES[f.principle], where=f.where, message=f.message)
        for f in lint(definition)
    ]


def _kind(kind: str) -> SurveyKind:
    try:
        return SurveyKind(kind)
    except ValueError:
        raise NotFound(f"a survey kind is baseline or repeat, not {kind!r}") from None


def survey_id_of(session: Session, *, plan_id: int, kind: str) -> int:
    """The id of the plan's survey of this kind; StageLocked if it has not opened yet."""
    load_plan(session, plan_id)
    survey = SurveyRepository(session).for_plan(plan_id, _kind(kind))
    if survey is None:  # the plan is there, its survey is not yet: a state, not a missing object
        raise StageLocked(f"the {kind} survey of plan {plan_id} has not opened yet")
    return survey.id


def plan_survey(
    session: Session, *, plan_id: int, kind: str, now: datetime, named: frozenset[int] = frozenset()
) -> SurveyPage:
    """A plan's survey of this kind (baseline or repeat): progress, league table and design report."""
    plan = load_plan(session, plan_id)  # a missing plan is not found, not a plan with no survey
    wanted = _kind(kind)
    survey = SurveyRepository(session).for_plan(plan_id, wanted)
    if survey is None:
        return SurveyPage(
            plan_id=plan_id, plan_title=plan.title, kind=wanted.value, progress=None, league=None, design=None
        )
    repo = SurveyRatesRepository(session)
    header = _header(survey, plan.title, now)
    teams, groups = repo.team_counts(survey.id), _groups(repo, survey.id)
    return SurveyPage(
        plan_id=plan_id,
        plan_title=plan.title,
        kind=wanted.value,
        progress=_progress(session, header, survey, teams, groups),
        league=_league(header, survey, teams, groups, named, now),
        design=design_report(survey),
        changed_since_baseline=[
            ChangedQuestion(question_id=e.question_id, question=e.question, why=e.explanation)
            for e in exclusions_for(session, survey)
        ],
    )


def _place_rows(places: list[Place], survey: Survey) -> list[LeagueRow]:
    reward = chasing_of(survey).reward
    return [
        LeagueRow(
            rank=p.rank,
            team_id=p.team_id,
            team=p.name,
            directorate=p.directorate,
            manager_id=p.manager_id,
            manager=p.manager,
            responses=p.responses,
            eligible=p.eligible,
            rate=_rate(p.responses, p.eligible),
            at_target=meets(p.responses, p.eligible, survey.target_rate),
            rewarded=p.eligible >= reward.min_eligible and meets(p.responses, p.eligible, reward.at_rate),
            named=False,
        )
        for p in places
    ]


def team_progress(session: Session, *, team_id: int, now: datetime) -> list[TeamSurveyProgress]:
    """For a team's page: each open survey of its organisation, with the rate of the team and all below
    it, its history by day, and those teams' places in the survey's league table (ranked in SQL: the
    page shows a few places out of possibly tens of thousands)."""
    row = InboxRepository(session).team(team_id)
    if row is None:
        raise NotFound(f"team {team_id} was not found")
    repo = SurveyRatesRepository(session)
    out = []
    for survey, plan_title in repo.open_surveys_of_organisation(row.organisation_id, now):
        eligible = repo.eligible(survey.id, team_id)
        history = repo.responses_by_day(survey.id, team_id)
        responses = sum(d.responses for d in history)
        places, size = repo.places(survey.id, team_id)
        out.append(
            TeamSurveyProgress(
                **_header(survey, plan_title, now).model_dump(),
                team_id=team_id,
                eligible=eligible,
                responses=responses,
                rate=_rate(responses, eligible),
                below_target=_rate(responses, eligible) < survey.target_rate,
                history=_history(history, eligible),
                league=_place_rows(places, survey),
                league_size=size,
            )
        )
    return out
