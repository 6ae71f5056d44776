"""The investment ledger's lines, and the plan's learning activities a line may pay for."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from plans.models import InvestmentItem, LearningActivity


class InvestmentRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def items(self, plan_id: int) -> Sequence[InvestmentItem]:
        stmt = (
            select(InvestmentItem)
            .where(InvestmentItem.plan_id == plan_id)
            .order_by(InvestmentItem.position, InvestmentItem.id)
        )
        return self.session.scalars(stmt).all()

    def activities(self, plan_id: int) -> dict[int, str]:
        """Activity id -> title for the plan's learning activities, in the plan's order."""
        stmt = (
            select(LearningActivity.id, LearningActivity.title)
            .where(LearningActivity.plan_id == plan_id)
            .order_by(LearningActivity.objective_id, LearningActivity.position, LearningActivity.id)
        )
        return {activity_id: title for activity_id, title in self.session.execute(stmt)}

    def replace(self, plan_id: int, items: Sequence[InvestmentItem]) -> None:
        """The ledger becomes ``items`` (it is edited as a whole, like the recommendations)."""
        self.session.execute(
            delete(InvestmentItem).where(InvestmentItem.plan_id == plan_id),
            execution_options={"synchronize_session": "fetch"},
        )
        for position, item in enumerate(items):
            item.plan_id, item.position = plan_id, position
            self.session.add(item)
        self.session.flush()
