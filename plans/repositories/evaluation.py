"""Checkpoints, expectations, the summative report and panel reviews."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from plans.models import Checkpoint, Expectation, PanelReview, SummativeReport
from plans.models.base import Base

T = TypeVar("T", bound=Base)


class EvaluationRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, row: T) -> T:
        self.session.add(row)
        self.session.flush()
        return row

    def checkpoints(self, plan_id: int) -> Sequence[Checkpoint]:
        stmt = select(Checkpoint).where(Checkpoint.plan_id == plan_id).order_by(Checkpoint.number)
        return self.session.scalars(stmt).all()

    def checkpoint(self, plan_id: int, number: int) -> Checkpoint | None:
        stmt = select(Checkpoint).where(Checkpoint.plan_id == plan_id, Checkpoint.number == number)
        return self.session.scalar(stmt)

    def expectations(self, plan_id: int) -> Sequence[Expectation]:
        stmt = select(Expectation).where(Expectation.plan_id == plan_id).order_by(Expectation.id)
        return self.session.scalars(stmt).all()

    def expectation(self, plan_id: int, expectation_id: int) -> Expectation | None:
        stmt = select(Expectation).where(Expectation.plan_id == plan_id, Expectation.id == expectation_id)
        return self.session.scalar(stmt)

    def summative_report(self, plan_id: int) -> SummativeReport | None:
        return self.session.scalar(select(SummativeReport).where(SummativeReport.plan_id == plan_id))

    def reviews(self, plan_id: int) -> Sequence[PanelReview]:
        stmt = select(PanelReview).where(PanelReview.plan_id == plan_id).order_by(PanelReview.id)
        return self.session.scalars(stmt).all()

    def review(self, plan_id: int, review_id: int) -> PanelReview | None:
        stmt = select(PanelReview).where(PanelReview.plan_id == plan_id, PanelReview.id == review_id)
        return self.session.scalar(stmt)

    def review_by(self, plan_id: int, member_id: int, output: str) -> PanelReview | None:
        stmt = select(PanelReview).where(
            PanelReview.plan_id == plan_id, PanelReview.member_id == member_id, PanelReview.output == output
        )
        return self.session.scalar(stmt)
