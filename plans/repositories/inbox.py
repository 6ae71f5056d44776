"""All SQL for a person's inbox and a team's page beyond what the dashboard and sign-off repositories
already answer: the sign-off requests addressed to a person, their past decisions, and the teams,
organisations and plans behind a manager's response rates. Each method is one query, whatever the
number of plans or teams, so an inbox costs the same for one plan as for a thousand."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session, aliased

from plans.domain.stages import Stage
from plans.models import (
    Capacity,
    Organisation,
    Person,
    Plan,
    PlanMember,
    SignOffDecision,
    SignOffRound,
    Team,
)


@dataclass(frozen=True)
class Request:
    plan_id: int
    title: str
    version: int
    deadline: datetime


@dataclass(frozen=True)
class Decided:
    plan_id: int
    title: str
    version: int
    decision: str
    comment: str
    at: datetime


@dataclass(frozen=True)
class TeamRow:
    team_id: int
    name: str
    organisation_id: int
    organisation: str
    parent_id: int | None
    manager: str | None


class InboxRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def open_requests(self, person_id: int) -> list[Request]:
        """Plans in sign-off where the person is an approver, the round for the plan's current version
        is open, and the person has not decided on it; soonest deadline first."""
        decided = (
            select(SignOffDecision.id)
            .where(SignOffDecision.round_id == SignOffRound.id, SignOffDecision.approver_id == person_id)
            .exists()
        )
        stmt = (
            select(Plan.id, Plan.title, Plan.version, SignOffRound.deadline)
            .join(
                PlanMember,
                (PlanMember.plan_id == Plan.id)
                & (PlanMember.person_id == person_id)
                & (PlanMember.capacity == Capacity.APPROVER),
            )
            .join(SignOffRound, (SignOffRound.plan_id == Plan.id) & (SignOffRound.version == Plan.version))
            .where(Plan.stage == Stage.SIGN_OFF, SignOffRound.closed_at.is_(None), ~decided)
            .order_by(SignOffRound.deadline, Plan.id)
        )
        return [Request(*row) for row in self.session.execute(stmt)]

    def decisions_of(self, person_id: int, limit: int) -> list[Decided]:
        """The person's own sign-off decisions, newest first."""
        stmt = (
            select(
                SignOffDecision.plan_id,
                Plan.title,
                SignOffDecision.version,
                SignOffDecision.decision,
                SignOffDecision.comment,
                SignOffDecision.at,
            )
            .join(Plan, Plan.id == SignOffDecision.plan_id)
            .where(SignOffDecision.approver_id == person_id)
            .order_by(SignOffDecision.at.desc(), SignOffDecision.id.desc())
            .limit(limit)
        )
        return [
            Decided(pid, title, version, decision.value, comment, at)
            for pid, title, version, decision, comment, at in self.session.execute(stmt)
        ]

    def _teams(self) -> Select[Any]:
        manager = aliased(Person)
        return (
            select(Team.id, Team.name, Team.organisation_id, Organisation.name, Team.parent_id, manager.name)
            .join(Organisation, Organisation.id == Team.organisation_id)
            .outerjoin(manager, manager.id == Team.manager_id)
        )

    def teams_managed_by(self, person_id: int) -> list[TeamRow]:
        """The teams the person manages directly (those below them are found by the hierarchy)."""
        stmt = self._teams().where(Team.manager_id == person_id).order_by(Organisation.name, Team.name)
        return [TeamRow(*row) for row in self.session.execute(stmt)]

    def team(self, team_id: int) -> TeamRow | None:
        row = self.session.execute(self._teams().where(Team.id == team_id)).first()
        return TeamRow(*row) if row else None

    def sub_teams(self, team_id: int) -> list[TeamRow]:
        """The teams directly below one team."""
        stmt = self._teams().where(Team.parent_id == team_id).order_by(Team.name)
        return [TeamRow(*row) for row in self.session.execute(stmt)]

    def subtree_ids(self, team_id: int) -> set[int]:
        """The team and every team below it (one recursive query)."""
        tree = select(Team.id).where(Team.id == team_id).cte("subtree", recursive=True)
        tree = tree.union(select(Team.id).join(tree, Team.parent_id == tree.c.id))
        return set(self.session.scalars(select(tree.c.id)))

    def plans_of_organisations(self, organisation_ids: Sequence[int]) -> dict[int, str]:
        """Plan id -> title for every plan of these organisations that is not closed."""
        if not organisation_ids:
            return {}
        stmt = select(Plan.id, Plan.title).where(
            Plan.organisation_id.in_(list(organisation_ids)), Plan.stage != Stage.CLOSED
        )
        return {pid: title for pid, title in self.session.execute(stmt)}
