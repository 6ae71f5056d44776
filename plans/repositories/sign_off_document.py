"""Reads for showing one version of a plan to its approvers: the learning and development plan (aims,
objectives with their owners and the recommendations they deliver, activities), the names of the
workshop themes evidence points at, and who sent a version for sign-off."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from plans.models import (
    Aim,
    AuditEvent,
    LearningActivity,
    Objective,
    ObjectiveRecommendation,
    Person,
    Theme,
)


@dataclass(frozen=True)
class LearningPlanRows:
    aims: Sequence[Aim]
    objectives: list[tuple[Objective, str]]  # with the owner's name
    delivers: dict[int, list[int]]  # objective id -> recommendation ids
    activities: dict[int, list[LearningActivity]]  # objective id -> its activities in order


def sent_key(plan_id: int, version: int) -> str:
    """The dedupe key of the audit event recording that a version was sent for sign-off."""
    return f"plan:{plan_id}:sign-off-sent:v{version}"


class SignOffDocumentRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def learning_plan(self, plan_id: int) -> LearningPlanRows:
        s = self.session
        aims = s.scalars(select(Aim).where(Aim.plan_id == plan_id).order_by(Aim.position, Aim.id)).all()
        objectives = [
            (o, name)
            for o, name in s.execute(
                select(Objective, Person.name)
                .join(Person, Person.id == Objective.owner_id)
                .where(Objective.plan_id == plan_id)
                .order_by(Objective.position, Objective.id)
            ).tuples()
        ]
        delivers: dict[int, list[int]] = defaultdict(list)
        activities: dict[int, list[LearningActivity]] = defaultdict(list)
        if objectives:
            ids = [o.id for o, _ in objectives]
            links = select(ObjectiveRecommendation).where(ObjectiveRecommendation.objective_id.in_(ids))
            for link in s.scalars(links.order_by(ObjectiveRecommendation.id)):
                delivers[link.objective_id].append(link.recommendation_id)
            stmt = (
                select(LearningActivity)
                .where(LearningActivity.plan_id == plan_id)
                .order_by(LearningActivity.position, LearningActivity.id)
            )
            for activity in s.scalars(stmt):
                activities[activity.objective_id].append(activity)
        return LearningPlanRows(aims, objectives, dict(delivers), dict(activities))

    def theme_titles(self, plan_id: int) -> dict[str, str]:
        """The plan's workshop themes by id (as evidence refs write them) -> title."""
        stmt = select(Theme.id, Theme.title).where(Theme.plan_id == plan_id)
        return {str(theme_id): title for theme_id, title in self.session.execute(stmt)}

    def sender_of(self, plan_id: int, version: int) -> int | None:
        """Who sent this version for sign-off (None if nobody did: a plan moved on by an override)."""
        stmt = select(AuditEvent.actor_id).where(AuditEvent.dedupe_key == sent_key(plan_id, version))
        return self.session.scalar(stmt)
