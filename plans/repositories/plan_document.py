"""Reads of everything that makes up one version of a plan, for its content hash: recommendations and
their evidence, the learning and development plan, the investment ledger and the expectations register."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from plans.models import (
    Aim,
    EvidenceLink,
    Expectation,
    InvestmentItem,
    LearningActivity,
    Objective,
    ObjectiveRecommendation,
    Recommendation,
)


class PlanDocumentRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def canonical(self, plan_id: int) -> dict[str, Any]:
        """The plan document as plain data in a stable order, ids replaced by positions, so the same
        content always gives the same hash whatever ids the rows were given."""
        s = self.session
        recs = s.scalars(
            select(Recommendation)
            .where(Recommendation.plan_id == plan_id)
            .order_by(Recommendation.position, Recommendation.id)
        ).all()
        rec_pos = {r.id: i for i, r in enumerate(recs)}
        evidence: dict[int, list[str]] = {r.id: [] for r in recs}
        if recs:
            for link in s.scalars(select(EvidenceLink).where(EvidenceLink.recommendation_id.in_(rec_pos))):
                evidence[link.recommendation_id].append(f"{link.kind.value}:{link.ref}")
        aims = s.scalars(select(Aim).where(Aim.plan_id == plan_id).order_by(Aim.position, Aim.id)).all()
        aim_pos = {a.id: i for i, a in enumerate(aims)}
        objectives = s.scalars(
            select(Objective)
            .where(Objective.plan_id == plan_id)
            .order_by(Objective.aim_id, Objective.position, Objective.id)
        ).all()
        objectives = sorted(objectives, key=lambda o: (aim_pos.get(o.aim_id, -1), o.position, o.id))
        obj_pos = {o.id: i for i, o in enumerate(objectives)}
        delivers: dict[int, list[int]] = {o.id: [] for o in objectives}
        if objectives:
            stmt = select(ObjectiveRecommendation).where(ObjectiveRecommendation.objective_id.in_(obj_pos))
            for row in s.scalars(stmt):
                if row.recommendation_id in rec_pos:
                    delivers[row.objective_id].append(rec_pos[row.recommendation_id])
        activities = s.scalars(select(LearningActivity).where(LearningActivity.plan_id == plan_id)).all()
        activities = sorted(activities, key=lambda a: (obj_pos.get(a.objective_id, -1), a.position, a.id))
        act_pos = {a.id: i for i, a in enumerate(activities)}
        items = s.scalars(
            select(InvestmentItem)
            .where(InvestmentItem.plan_id == plan_id)
            .order_by(InvestmentItem.position, InvestmentItem.id)
        ).all()
        register = s.scalars(
            select(Expectation)
            .where(Expectation.plan_id == plan_id, Expectation.round_id.is_(None))
            .order_by(Expectation.id)
        ).all()
        return {
            "recommendations": [
                {"title": r.title, "detail": r.detail, "evidence": sorted(evidence[r.id])} for r in recs
            ],
            "aims": [{"title": a.title, "description": a.description} for a in aims],
            "objectives": [
                {
                    "aim": aim_pos.get(o.aim_id),
                    "text": o.text,
                    "measure": o.measure,
                    "baseline": o.baseline,
                    "target": o.target,
                    "owner": o.owner_id,
                    "due_on": o.due_on.isoformat(),
                    "delivers": sorted(delivers[o.id]),
                }
                for o in objectives
            ],
            "activities": [
                {
                    "objective": obj_pos.get(a.objective_id),
                    "title": a.title,
                    "kind": a.kind.value,
                    "format": a.format,
                    "audience": a.audience,
                    "starts_on": a.starts_on.isoformat(),
                    "ends_on": a.ends_on.isoformat(),
                    "capacity": a.capacity,
                }
                for a in activities
            ],
            "investment": [
                {
                    "kind": i.kind.value,
                    "description": i.description,
                    "contributor": i.contributor,
                    "hours": i.hours,
                    "rate_pence": i.rate_pence,
                    "amount_pence": i.amount_pence,
                    "activity": act_pos.get(i.activity_id) if i.activity_id is not None else None,
                }
                for i in items
            ],
            "expectations": [
                {
                    "stakeholder": e.stakeholder_id,
                    "text": e.text,
                    "measure": e.measure,
                    "level": e.level,
                    "target": e.target,
                }
                for e in register
            ],
        }
