"""All SQL of the learning and development plan: its aims, objectives (with the recommendations each
delivers) and activities as stored, the people who may own an objective, and saving a checked document
so rows that stay keep their ids (what traceability and the audit log refer to)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import delete, or_, select
from sqlalchemy.orm import Session

from plans.domain.learning_plan import LearningPlanDraft
from plans.models import (
    ActivityKind,
    Aim,
    LearningActivity,
    Objective,
    ObjectiveRecommendation,
    Person,
    Plan,
    PlanMember,
    Recommendation,
)


@dataclass
class StoredLearningPlan:
    """The plan's rows in document order: aims by position, objectives by (aim, position), each
    objective's activities by position and its recommendations by the recommendations' order."""

    aims: list[Aim] = field(default_factory=list)
    objectives: list[Objective] = field(default_factory=list)
    activities: dict[int, list[LearningActivity]] = field(default_factory=dict)
    delivers: dict[int, list[int]] = field(default_factory=dict)


class LearningPlanRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def load(self, plan_id: int) -> StoredLearningPlan:
        """The plan's learning plan in four queries."""
        s = self.session
        aims = list(s.scalars(select(Aim).where(Aim.plan_id == plan_id).order_by(Aim.position, Aim.id)))
        aim_pos = {a.id: i for i, a in enumerate(aims)}
        objectives = sorted(
            s.scalars(select(Objective).where(Objective.plan_id == plan_id)),
            key=lambda o: (aim_pos.get(o.aim_id, len(aim_pos)), o.position, o.id),
        )
        activities: dict[int, list[LearningActivity]] = {o.id: [] for o in objectives}
        stmt = (
            select(LearningActivity)
            .where(LearningActivity.plan_id == plan_id)
            .order_by(LearningActivity.position, LearningActivity.id)
        )
        for activity in s.scalars(stmt):
            activities.setdefault(activity.objective_id, []).append(activity)
        delivers: dict[int, list[int]] = {o.id: [] for o in objectives}
        links = (
            select(ObjectiveRecommendation.objective_id, ObjectiveRecommendation.recommendation_id)
            .join(Objective, Objective.id == ObjectiveRecommendation.objective_id)
            .join(Recommendation, Recommendation.id == ObjectiveRecommendation.recommendation_id)
            .where(Objective.plan_id == plan_id)
            .order_by(Recommendation.position, Recommendation.id)
        )
        for objective_id, rec_id in s.execute(links):
            delivers.setdefault(objective_id, []).append(rec_id)
        return StoredLearningPlan(aims, objectives, activities, delivers)

    def people(self, plan: Plan) -> list[tuple[int, str]]:
        """Who may own an objective: the plan's coordinator and its members in any capacity, by name."""
        members = select(PlanMember.person_id).where(PlanMember.plan_id == plan.id)
        stmt = (
            select(Person.id, Person.name)
            .where(or_(Person.id == plan.coordinator_id, Person.id.in_(members)))
            .order_by(Person.name, Person.id)
        )
        return [(pid, name) for pid, name in self.session.execute(stmt)]

    def delivered_by(self, plan_id: int) -> dict[int, list[int]]:
        """For each recommendation of the plan, the objectives delivering it (by objective id)."""
        stmt = (
            select(ObjectiveRecommendation.recommendation_id, ObjectiveRecommendation.objective_id)
            .join(Objective, Objective.id == ObjectiveRecommendation.objective_id)
            .where(Objective.plan_id == plan_id)
            .order_by(ObjectiveRecommendation.objective_id)
        )
        out: dict[int, list[int]] = defaultdict(list)
        for rec_id, objective_id in self.session.execute(stmt):
            out[rec_id].append(objective_id)
        return dict(out)

    def save(self, plan_id: int, stored: StoredLearningPlan, doc: LearningPlanDraft) -> None:
        """Make the plan's learning plan ``doc`` (already checked): rows with an id are updated in place,
        new rows added, rows the document leaves out deleted (with their links)."""
        s = self.session
        keep_aims = {a.id for a in doc.aims if a.id is not None}
        keep_objectives = {o.id for o in doc.objectives if o.id is not None}
        keep_activities = {a.id for o in doc.objectives for a in o.activities if a.id is not None}
        self._unlink(o.id for o in stored.objectives)

        aims_by_id = {a.id: a for a in stored.aims}
        aim_rows = []
        for position, draft in enumerate(doc.aims):
            aim = aims_by_id[draft.id] if draft.id is not None else Aim(plan_id=plan_id)
            aim.position, aim.title, aim.description = position, draft.title.strip(), draft.description.strip()
            s.add(aim)
            aim_rows.append(aim)
        s.flush()

        objectives_by_id = {o.id: o for o in stored.objectives}
        activities_by_id = {a.id: a for rows in stored.activities.values() for a in rows}
        for position, o in enumerate(doc.objectives):
            assert o.aim is not None and o.owner_id is not None and o.due_on is not None  # checked
            row = objectives_by_id[o.id] if o.id is not None else Objective(plan_id=plan_id)
            row.aim_id, row.position = aim_rows[o.aim].id, position
            row.text, row.measure = o.text.strip(), o.measure.strip()
            row.baseline, row.target = o.baseline.strip(), o.target.strip()
            row.owner_id, row.due_on = o.owner_id, o.due_on
            s.add(row)
            s.flush()
            for rec_id in dict.fromkeys(o.recommendation_ids):
                s.add(ObjectiveRecommendation(objective_id=row.id, recommendation_id=rec_id))
            for number, a in enumerate(o.activities):
                assert a.kind is not None and a.starts_on and a.ends_on and a.capacity is not None  # checked
                activity = activities_by_id[a.id] if a.id is not None else LearningActivity(plan_id=plan_id)
                activity.objective_id, activity.position = row.id, number
                activity.title, activity.kind = a.title.strip(), ActivityKind(a.kind)
                activity.format, activity.audience = a.format.strip(), a.audience.strip()
                activity.starts_on, activity.ends_on, activity.capacity = a.starts_on, a.ends_on, a.capacity
                s.add(activity)
        s.flush()
        # last, once kept rows no longer point at them and new rows have their ids (SQLite hands out the
        # highest id again once its row is gone): the activities, objectives and aims left out
        stored_activities = [a.id for rows in stored.activities.values() for a in rows]
        gone_activities = [i for i in stored_activities if i not in keep_activities]
        if gone_activities:
            s.execute(delete(LearningActivity).where(LearningActivity.id.in_(gone_activities)))
        gone = [o.id for o in stored.objectives if o.id not in keep_objectives]
        if gone:
            s.execute(delete(Objective).where(Objective.id.in_(gone)))
        gone_aims = [a.id for a in stored.aims if a.id not in keep_aims]
        if gone_aims:
            s.execute(delete(Aim).where(Aim.id.in_(gone_aims)))

    def _unlink(self, objective_ids: Iterable[int]) -> None:
        ids = list(objective_ids)
        if ids:
            self.session.execute(delete(ObjectiveRecommendation).where(ObjectiveRecommendation.objective_id.in_(ids)))
