"""Recommendations, evidence links, sign-off rounds and decisions."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from plans.models import EvidenceLink, ObjectiveRecommendation, Recommendation, SignOffDecision, SignOffRound


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
        """Make the plan's recommendations ``recs`` (the draft is edited as a whole): one carrying the id
        of a stored recommendation updates it in place, so objectives delivering it stay linked; one
        without an id is added; stored ones left out are deleted with their evidence and objective links.
        Each kept recommendation's evidence is replaced by its new links."""
        stored = {
            r.id: r for r in self.session.scalars(select(Recommendation).where(Recommendation.plan_id == plan_id))
        }
        keep = {rec.id for rec, _ in recs if rec.id is not None}
        if keep:
            self.session.execute(delete(EvidenceLink).where(EvidenceLink.recommendation_id.in_(keep)))
        for rec, rec_links in recs:
            if rec.id is not None:
                row = stored[rec.id]
                row.position, row.title, row.detail = rec.position, rec.title, rec.detail
            else:
                row = rec
                row.plan_id = plan_id
                self.session.add(row)
            self.session.flush()
            for link in rec_links:
                link.recommendation_id = row.id
                self.session.add(link)
        self.session.flush()
        # deleted after the new ones are in, so no new recommendation takes a removed one's id (SQLite
        # hands out the highest id again once its row is gone)
        gone = [i for i in stored if i not in keep]
        if gone:
            self.session.execute(
                delete(ObjectiveRecommendation).where(ObjectiveRecommendation.recommendation_id.in_(gone))
            )
            self.session.execute(delete(EvidenceLink).where(EvidenceLink.recommendation_id.in_(gone)))
            self.session.execute(delete(Recommendation).where(Recommendation.id.in_(gone)))

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
