"""Recommendations, evidence links, sign-off rounds and decisions."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from plans.models import EvidenceLink, Recommendation, SignOffDecision, SignOffRound


class SignOffRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def recommendations(self, plan_id: int) -> list[tuple[Recommendation, list[EvidenceLink]]]:
        recs = self.session.scalars(
            select(Recommendation).where(Recommendation.plan_id == plan_id).order_by(Recommendation.position)
        ).all()
        links: dict[int, list[EvidenceLink]] = {r.id: [] for r in recs}
        if recs:
            stmt = select(EvidenceLink).where(EvidenceLink.recommendation_id.in_(links)).order_by(EvidenceLink.id)
            for link in self.session.scalars(stmt):
                links[link.recommendation_id].append(link)
        return [(r, links[r.id]) for r in recs]

    def replace_recommendations(self, plan_id: int, recs: Sequence[tuple[Recommendation, list[EvidenceLink]]]) -> None:
        """Replace the plan's recommendations with ``recs`` (the draft is edited as a whole)."""
        old = select(Recommendation.id).where(Recommendation.plan_id == plan_id)
        self.session.execute(delete(EvidenceLink).where(EvidenceLink.recommendation_id.in_(old)))
        self.session.execute(delete(Recommendation).where(Recommendation.plan_id == plan_id))
        for rec, rec_links in recs:
            rec.plan_id = plan_id
            self.session.add(rec)
            self.session.flush()
            for link in rec_links:
                link.recommendation_id = rec.id
                self.session.add(link)
        self.session.flush()

    def round_for(self, plan_id: int, version: int) -> SignOffRound | None:
        stmt = select(SignOffRound).where(SignOffRound.plan_id == plan_id, SignOffRound.version == version)
        return self.session.scalar(stmt)

    def latest_round(self, plan_id: int) -> SignOffRound | None:
        stmt = select(SignOffRound).where(SignOffRound.plan_id == plan_id).order_by(SignOffRound.version.desc())
        return self.session.scalars(stmt).first()

    def add_round(self, rnd: SignOffRound) -> SignOffRound:
        self.session.add(rnd)
        self.session.flush()
        return rnd

    def decision_of(self, round_id: int, approver_id: int) -> SignOffDecision | None:
        stmt = select(SignOffDecision).where(
            SignOffDecision.round_id == round_id, SignOffDecision.approver_id == approver_id
        )
        return self.session.scalar(stmt)

    def add_decision(self, decision: SignOffDecision) -> SignOffDecision:
        self.session.add(decision)
        self.session.flush()
        return decision

    def decisions(self, plan_id: int) -> Sequence[SignOffDecision]:
        stmt = select(SignOffDecision).where(SignOffDecision.plan_id == plan_id).order_by(SignOffDecision.id)
        return self.session.scalars(stmt).all()
