"""The benefits claimed for a plan's return on investment, and the attendance its evidence counts."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from plans.domain.delivery import EvidenceType
from plans.domain.stages import Stage
from plans.models import BenefitClaim, Checkpoint, EvidenceItem, Expectation, Plan, SummativeReport


class SummativeRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def benefits(self, plan_id: int) -> Sequence[BenefitClaim]:
        stmt = select(BenefitClaim).where(BenefitClaim.plan_id == plan_id).order_by(BenefitClaim.id)
        return self.session.scalars(stmt).all()

    def replace_benefits(self, plan_id: int, rows: Sequence[BenefitClaim]) -> None:
        """The plan's benefits become ``rows`` (in their order)."""
        self.session.execute(delete(BenefitClaim).where(BenefitClaim.plan_id == plan_id))
        for row in rows:
            row.plan_id = plan_id
            self.session.add(row)
        self.session.flush()

    def expectation_ids(self, plan_id: int) -> set[int]:
        stmt = select(Expectation.id).where(Expectation.plan_id == plan_id)
        return set(self.session.scalars(stmt))

    def attendance_evidence(self, plan_id: int) -> int | None:
        """People counted by the plan's attendance evidence; None when it has none."""
        stmt = select(func.count(), func.coalesce(func.sum(EvidenceItem.participants), 0)).where(
            EvidenceItem.plan_id == plan_id, EvidenceItem.type == EvidenceType.ATTENDANCE
        )
        count, total = self.session.execute(stmt).one()
        return int(total) if count else None

    def checkpoint_attendance(self, plan_id: int) -> int | None:
        """Attendance the coordinator recorded with the formative checkpoints; None when none was."""
        stmt = select(func.count(Checkpoint.attendance), func.coalesce(func.sum(Checkpoint.attendance), 0)).where(
            Checkpoint.plan_id == plan_id
        )
        count, total = self.session.execute(stmt).one()
        return int(total) if count else None

    def plans_reported(self) -> list[tuple[int, bool]]:
        """Every plan whose summative report is written, with whether it has closed."""
        stmt = select(Plan.id, Plan.stage).join(SummativeReport, SummativeReport.plan_id == Plan.id).order_by(Plan.id)
        return [(plan_id, stage == Stage.CLOSED) for plan_id, stage in self.session.execute(stmt)]
