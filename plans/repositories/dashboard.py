"""All SQL for the coordinator's dashboard beyond the gates' facts: a page of plan ids, counts per
stage, overdue approvers and checkpoints, and live response rates per team of open surveys. Each method
is one query (or one per 900 ids) whatever the number of plans on the page."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Float, Select, Subquery, case, cast, func, select
from sqlalchemy.orm import Session, aliased

from plans.domain.stages import Stage
from plans.models import (
    Capacity,
    Checkpoint,
    Person,
    Plan,
    PlanMember,
    SignOffDecision,
    SignOffRound,
    Survey,
    SurveyTeam,
    SurveyTeamDay,
    Team,
)


def _responses(survey_ids: list[int]) -> Any:
    """Responses per survey and team, summed from the intake's daily counters (never the responses)."""
    return (
        select(SurveyTeamDay.survey_id, SurveyTeamDay.team_id, func.sum(SurveyTeamDay.responses).label("n"))
        .where(SurveyTeamDay.survey_id.in_(survey_ids))
        .group_by(SurveyTeamDay.survey_id, SurveyTeamDay.team_id)
        .subquery()
    )


@dataclass(frozen=True)
class TeamCount:
    survey_id: int
    team_id: int
    team: str
    manager: str | None
    eligible: int
    responses: int


def undecided_approvers_of(rounds: Subquery) -> Select[Any]:
    """(plan_id, round_id, person_id, name, email) of each approver of a round in ``rounds`` (a subquery
    with ``plan_id`` and ``round_id``) who has not decided on it: who is overdue once the round's
    deadline passes. The dashboard lists them; the chase flow chases them."""
    decided = (
        select(SignOffDecision.id)
        .where(SignOffDecision.round_id == rounds.c.round_id, SignOffDecision.approver_id == PlanMember.person_id)
        .exists()
    )
    return (
        select(rounds.c.plan_id, rounds.c.round_id, Person.id.label("person_id"), Person.name, Person.email)
        .join(PlanMember, PlanMember.plan_id == rounds.c.plan_id)
        .join(Person, Person.id == PlanMember.person_id)
        .where(PlanMember.capacity == Capacity.APPROVER, ~decided)
    )


class DashboardRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def page_ids(self, stage: Stage | None, offset: int, limit: int) -> list[int]:
        stmt = select(Plan.id).order_by(Plan.stage_entered_at, Plan.id).offset(offset).limit(limit)
        if stage is not None:
            stmt = stmt.where(Plan.stage == stage)
        return list(self.session.scalars(stmt))

    def counts_by_stage(self) -> dict[Stage, int]:
        rows = self.session.execute(select(Plan.stage, func.count()).group_by(Plan.stage))
        return {stage: n for stage, n in rows}

    def open_rounds(self, plan_ids: Sequence[int]) -> dict[int, tuple[int, datetime, int]]:
        """Open sign-off rounds: plan id -> (round id, deadline, version)."""
        stmt = select(SignOffRound.plan_id, SignOffRound.id, SignOffRound.deadline, SignOffRound.version).where(
            SignOffRound.plan_id.in_(plan_ids), SignOffRound.closed_at.is_(None)
        )
        return {pid: (rid, deadline, version) for pid, rid, deadline, version in self.session.execute(stmt)}

    def undecided_approvers(self, round_ids: dict[int, int]) -> dict[int, list[str]]:
        """For plan id -> open round id: the approvers with no decision on that round yet."""
        if not round_ids:
            return {}
        rounds = (
            select(SignOffRound.plan_id, SignOffRound.id.label("round_id"))
            .where(SignOffRound.id.in_(list(round_ids.values())))
            .subquery()
        )
        undecided = undecided_approvers_of(rounds).subquery()
        stmt = select(undecided.c.plan_id, undecided.c.name).order_by(undecided.c.plan_id, undecided.c.name)
        out: dict[int, list[str]] = {}
        for plan_id, name in self.session.execute(stmt):
            out.setdefault(plan_id, []).append(name)
        return out

    def overdue_checkpoints(self, plan_ids: Sequence[int], today: date) -> dict[int, list[tuple[int, date]]]:
        stmt = (
            select(Checkpoint.plan_id, Checkpoint.number, Checkpoint.due_on)
            .where(Checkpoint.plan_id.in_(plan_ids), Checkpoint.recorded_at.is_(None), Checkpoint.due_on < today)
            .order_by(Checkpoint.plan_id, Checkpoint.number)
        )
        out: dict[int, list[tuple[int, date]]] = {}
        for plan_id, number, due in self.session.execute(stmt):
            out.setdefault(plan_id, []).append((number, due))
        return out

    def open_surveys(self, plan_ids: Sequence[int], now: datetime) -> dict[int, Survey]:
        """The survey each plan has open now (baseline or repeat), if any."""
        stmt = select(Survey).where(Survey.plan_id.in_(plan_ids), Survey.closed_at.is_(None), Survey.opens_at <= now)
        return {s.plan_id: s for s in self.session.scalars(stmt)}

    def team_counts(self, surveys: dict[int, Survey]) -> list[TeamCount]:
        """Eligible headcount and responses per team for each open survey (teams of the plan's
        organisation with anyone eligible), with each team's manager."""
        if not surveys:
            return []
        by_survey = {s.id: s for s in surveys.values()}
        responses = _responses(list(by_survey))
        manager = aliased(Person)
        stmt = (
            select(SurveyTeam.survey_id, Team.id, Team.name, manager.name, SurveyTeam.eligible, responses.c.n)
            .join(Team, Team.id == SurveyTeam.team_id)
            .outerjoin(manager, manager.id == Team.manager_id)
            .outerjoin(
                responses, (responses.c.survey_id == SurveyTeam.survey_id) & (responses.c.team_id == SurveyTeam.team_id)
            )
            .where(SurveyTeam.survey_id.in_(list(by_survey)), SurveyTeam.eligible > 0)
            .order_by(SurveyTeam.survey_id, Team.name)
        )
        return [
            TeamCount(sid, tid, name, mgr, eligible, int(n or 0))
            for sid, tid, name, mgr, eligible, n in self.session.execute(stmt)
        ]

    def _team_rates(self, ids: list[int]):  # type: ignore[no-untyped-def]
        """Per open survey and team with anyone eligible: the team's rate and whether it is below target."""
        responses = _responses(ids)
        n = func.coalesce(responses.c.n, 0)
        rate = cast(n, Float) / SurveyTeam.eligible
        return (
            select(
                Survey.id.label("survey_id"),
                Team.manager_id.label("manager_id"),
                SurveyTeam.eligible.label("eligible"),
                n.label("responses"),
                rate.label("rate"),
                case((rate < Survey.target_rate, 1), else_=0).label("below"),
            )
            .join(SurveyTeam, SurveyTeam.survey_id == Survey.id)
            .join(Team, Team.id == SurveyTeam.team_id)
            .outerjoin(
                responses, (responses.c.survey_id == SurveyTeam.survey_id) & (responses.c.team_id == SurveyTeam.team_id)
            )
            .where(Survey.id.in_(ids), SurveyTeam.eligible > 0)
            .subquery()
        )

    def survey_summaries(self, surveys: dict[int, Survey], managers: int) -> dict[int, tuple[int, int, int, list[str]]]:
        """Per open survey: (eligible, responses, teams below target, the managers of the ``managers``
        lowest teams below target). Aggregated in SQL: an open national survey has thousands of teams."""
        if not surveys:
            return {}
        ids = [s.id for s in surveys.values()]
        teams = self._team_rates(ids)
        totals = select(
            teams.c.survey_id, func.sum(teams.c.eligible), func.sum(teams.c.responses), func.sum(teams.c.below)
        ).group_by(teams.c.survey_id)
        out = {sid: (int(e or 0), int(r or 0), int(b or 0), []) for sid, e, r, b in self.session.execute(totals)}
        ranked = (
            select(
                teams.c.survey_id,
                teams.c.manager_id,
                func.row_number()
                .over(partition_by=teams.c.survey_id, order_by=(teams.c.rate, teams.c.manager_id))
                .label("position"),
            )
            .where(teams.c.below == 1, teams.c.manager_id.is_not(None))
            .subquery()
        )
        names = (
            select(ranked.c.survey_id, Person.name)
            .join(Person, Person.id == ranked.c.manager_id)
            .where(ranked.c.position <= managers)
            .order_by(ranked.c.survey_id, ranked.c.position)
        )
        for sid, name in self.session.execute(names):
            if name not in out[sid][3]:
                out[sid][3].append(name)
        return out
