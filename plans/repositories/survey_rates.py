"""All SQL for live response rates: per team, rolled up the team hierarchy, and by day.

Rates read only the two small tables the intake keeps: ``survey_teams`` (each team's eligible headcount,
fixed when the survey opened) and ``survey_team_days`` (responses per team per day). Never the responses:
a national survey has a million of them, and these tables have one row per team (and day). Each method
is one statement, whatever the number of teams.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Float, Select, case, cast, func, literal, select, union_all
from sqlalchemy.orm import Session, aliased

from plans.models import Organisation, Person, Plan, Survey, SurveyTeam, SurveyTeamDay, Team


@dataclass(frozen=True)
class TeamCounts:
    """One team's counts in one survey, with where it sits in the hierarchy."""

    team_id: int
    code: str
    name: str
    parent_id: int | None
    manager_id: int | None
    manager: str | None
    eligible: int
    responses: int


@dataclass(frozen=True)
class RollUp:
    """A team with teams below it (a directorate, at any level): its own counts plus all below it."""

    team_id: int
    name: str
    parent_id: int | None
    manager: str | None
    teams: int  # teams below it with anyone eligible or any response
    eligible: int
    responses: int


@dataclass(frozen=True)
class Place:
    """A team's place in the survey's league table, as SQL ranks it."""

    rank: int
    team_id: int
    name: str
    directorate: str | None
    manager_id: int | None
    manager: str | None
    eligible: int
    responses: int


@dataclass(frozen=True)
class DayCount:
    day: date
    responses: int


class SurveyRatesRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def survey(self, survey_id: int) -> Survey | None:
        return self.session.get(Survey, survey_id)

    def plan_and_organisation(self, plan_id: int) -> tuple[str, str]:
        """The plan's title and its organisation's name."""
        stmt = select(Plan.title, Organisation.name).join(Organisation, Organisation.id == Plan.organisation_id)
        row = self.session.execute(stmt.where(Plan.id == plan_id)).first()
        return (row[0], row[1]) if row else ("", "")

    def open_survey_ids(self, now: datetime, plan_ids: list[int] | None = None) -> list[int]:
        """Surveys open now: opened, not closed, and before their end (of these plans, if given)."""
        stmt = select(Survey.id).where(Survey.closed_at.is_(None), Survey.opens_at <= now, Survey.closes_at > now)
        if plan_ids is not None:
            stmt = stmt.where(Survey.plan_id.in_(plan_ids))
        return list(self.session.scalars(stmt.order_by(Survey.id)))

    def open_surveys_of_organisation(self, organisation_id: int, now: datetime) -> list[tuple[Survey, str]]:
        """Open surveys of the organisation's plans, with each plan's title; soonest to close first."""
        stmt = (
            select(Survey, Plan.title)
            .join(Plan, Plan.id == Survey.plan_id)
            .where(
                Plan.organisation_id == organisation_id,
                Survey.closed_at.is_(None),
                Survey.opens_at <= now,
                Survey.closes_at > now,
            )
            .order_by(Survey.closes_at, Survey.id)
        )
        return [(survey, title) for survey, title in self.session.execute(stmt).tuples()]

    def _counts(self, survey_id: int) -> Any:
        """(team_id, eligible, responses) per team of the survey: eligible from the snapshot, responses
        summed over days; a team with responses but no snapshot row (say a late team link) still counts."""
        parts = union_all(
            select(SurveyTeam.team_id, SurveyTeam.eligible, literal(0).label("responses")).where(
                SurveyTeam.survey_id == survey_id
            ),
            select(SurveyTeamDay.team_id, literal(0), SurveyTeamDay.responses).where(
                SurveyTeamDay.survey_id == survey_id
            ),
        ).subquery()
        return (
            select(
                parts.c.team_id.label("team_id"),
                func.sum(parts.c.eligible).label("eligible"),
                func.sum(parts.c.responses).label("responses"),
            )
            .group_by(parts.c.team_id)
            .subquery("counts")
        )

    def team_counts(self, survey_id: int) -> list[TeamCounts]:
        """Every team of the survey (eligible snapshot or any response), by name."""
        counts = self._counts(survey_id)
        manager = aliased(Person)
        stmt: Select[Any] = (
            select(
                Team.id,
                Team.code,
                Team.name,
                Team.parent_id,
                Team.manager_id,
                manager.name,
                counts.c.eligible,
                counts.c.responses,
            )
            .join(counts, counts.c.team_id == Team.id)
            .outerjoin(manager, manager.id == Team.manager_id)
            .order_by(Team.name, Team.id)
        )
        return [
            TeamCounts(tid, code, name, parent, mid, mgr, int(e or 0), int(r or 0))
            for tid, code, name, parent, mid, mgr, e, r in self.session.execute(stmt)
        ]

    def roll_ups(self, survey_id: int) -> list[RollUp]:
        """Every team with counted teams below it, with the sums over itself and all below it, at any
        depth: each counted team's counts climb to every ancestor (one recursive query)."""
        counts = self._counts(survey_id)
        climb = (
            select(
                counts.c.team_id.label("team_id"),
                counts.c.team_id.label("ancestor_id"),
                counts.c.eligible.label("eligible"),
                counts.c.responses.label("responses"),
            )
            .select_from(counts)
            .cte("climb", recursive=True)
        )
        up = aliased(Team)
        # UNION (not UNION ALL): a loop in the hierarchy repeats rows already seen, which ends the climb
        climb = climb.union(
            select(climb.c.team_id, up.parent_id, climb.c.eligible, climb.c.responses)
            .join(up, up.id == climb.c.ancestor_id)
            .where(up.parent_id.is_not(None))
        )
        below = case((climb.c.team_id != climb.c.ancestor_id, 1), else_=0)
        sums = (
            select(
                climb.c.ancestor_id.label("team_id"),
                func.sum(below).label("below"),
                func.sum(climb.c.eligible).label("eligible"),
                func.sum(climb.c.responses).label("responses"),
            )
            .group_by(climb.c.ancestor_id)
            .having(func.sum(below) > 0)
            .subquery()
        )
        manager = aliased(Person)
        stmt = (
            select(Team.id, Team.name, Team.parent_id, manager.name, sums.c.below, sums.c.eligible, sums.c.responses)
            .join(sums, sums.c.team_id == Team.id)
            .outerjoin(manager, manager.id == Team.manager_id)
            .order_by(Team.name, Team.id)
        )
        return [
            RollUp(tid, name, parent, mgr, int(below), int(e or 0), int(r or 0))
            for tid, name, parent, mgr, below, e, r in self.session.execute(stmt)
        ]

    def places(self, survey_id: int, team_id: int) -> tuple[list[Place], int]:
        """The league places of one team and every team below it, ranked among all the survey's teams
        with anyone eligible, and how many teams are ranked; best place first, then by name.

        The SQL twin of ``plans.domain.league.rank`` for a few rows out of many (a manager's page must not
        build 60,000 standings to show five): RANK() over the rate as a float is the same competition
        rank, because equal fractions divide to equal floats and different ones (headcounts below 10**7)
        to different floats. tests/db/test_survey_rates.py holds the two to each other."""
        counts = self._counts(survey_id)
        rate = cast(counts.c.responses, Float) / counts.c.eligible
        ranked = (
            select(
                counts.c.team_id,
                counts.c.eligible,
                counts.c.responses,
                func.rank().over(order_by=rate.desc()).label("place"),
                func.count().over().label("size"),
            )
            .where(counts.c.eligible > 0)
            .subquery("ranked")
        )
        tree = self._subtree(team_id)
        manager, parent = aliased(Person), aliased(Team)
        stmt = (
            select(
                ranked.c.place,
                Team.id,
                Team.name,
                parent.name,
                Team.manager_id,
                manager.name,
                ranked.c.eligible,
                ranked.c.responses,
                ranked.c.size,
            )
            .join(Team, Team.id == ranked.c.team_id)
            .outerjoin(parent, parent.id == Team.parent_id)
            .outerjoin(manager, manager.id == Team.manager_id)
            .where(ranked.c.team_id.in_(select(tree.c.id)))
            .order_by(ranked.c.place, Team.name, Team.id)
        )
        rows = self.session.execute(stmt).all()
        if rows:
            size = int(rows[0][-1])
        else:
            size = int(self.session.scalar(select(func.count()).select_from(counts).where(counts.c.eligible > 0)) or 0)
        places = [Place(int(p), tid, n, d, mid, m, int(e), int(r)) for p, tid, n, d, mid, m, e, r, _ in rows]
        return places, size

    def subtree_ids(self, team_id: int) -> set[int]:
        """The team and every team below it (one recursive query)."""
        tree = select(Team.id).where(Team.id == team_id).cte("subtree", recursive=True)
        tree = tree.union(select(Team.id).join(tree, Team.parent_id == tree.c.id))
        return set(self.session.scalars(select(tree.c.id)))

    def _subtree(self, team_id: int) -> Any:
        tree = select(Team.id.label("id")).where(Team.id == team_id).cte("subtree", recursive=True)
        return tree.union(select(Team.id).join(tree, Team.parent_id == tree.c.id))

    def responses_by_day(self, survey_id: int, team_id: int | None = None) -> list[DayCount]:
        """Responses per day, oldest first: of the whole survey, or of one team and all below it."""
        stmt = select(SurveyTeamDay.day, func.sum(SurveyTeamDay.responses)).where(SurveyTeamDay.survey_id == survey_id)
        if team_id is not None:
            tree = self._subtree(team_id)
            stmt = stmt.where(SurveyTeamDay.team_id.in_(select(tree.c.id)))
        stmt = stmt.group_by(SurveyTeamDay.day).order_by(SurveyTeamDay.day)
        return [DayCount(day, int(n or 0)) for day, n in self.session.execute(stmt)]

    def eligible(self, survey_id: int, team_id: int | None = None) -> int:
        """Eligible headcount of the whole survey, or of one team and all below it."""
        stmt = select(func.coalesce(func.sum(SurveyTeam.eligible), 0)).where(SurveyTeam.survey_id == survey_id)
        if team_id is not None:
            tree = self._subtree(team_id)
            stmt = stmt.where(SurveyTeam.team_id.in_(select(tree.c.id)))
        return int(self.session.scalar(stmt) or 0)
