"""All SQL for the citizen panel's pages beyond what the evaluation and survey repositories hold:
the checkpoints already recorded (never those still to come) and the panel's reviews with names."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from plans.models import Checkpoint, PanelReview, Person


class PanelRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def recorded_checkpoints(self, plan_id: int) -> Sequence[Checkpoint]:
        """The plan's formative checkpoints that have a report, in order."""
        stmt = (
            select(Checkpoint)
            .where(Checkpoint.plan_id == plan_id, Checkpoint.recorded_at.is_not(None))
            .order_by(Checkpoint.number)
        )
        return self.session.scalars(stmt).all()

    def reviews(self, plan_id: int) -> list[tuple[PanelReview, str, str | None]]:
        """The plan's panel reviews, oldest first, with the reviewer's name and the responder's (if any)."""
        member, responder = aliased(Person), aliased(Person)
        stmt = (
            select(PanelReview, member.name, responder.name)
            .join(member, member.id == PanelReview.member_id)
            .outerjoin(responder, responder.id == PanelReview.responded_by_id)
            .where(PanelReview.plan_id == plan_id)
            .order_by(PanelReview.at, PanelReview.id)
        )
        return [(r, name, by) for r, name, by in self.session.execute(stmt)]
