"""All SQL for the co-production ladder: adding a record, and a plan's records with who made them
(their name and, when they are on the working party, whether as a citizen or staff) and the stages the
plan has been through."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from plans.domain.facts import MemberKind
from plans.domain.stages import Stage
from plans.models import Capacity, CoproductionRecord, Person, PlanMember, StageEntry


class CoproductionRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, record: CoproductionRecord) -> CoproductionRecord:
        self.session.add(record)
        self.session.flush()
        return record

    def records(self, plan_id: int) -> list[tuple[CoproductionRecord, str, MemberKind | None]]:
        """Every record of the plan in the order made, with its recorder's name and working-party kind
        (None for a coordinator who is not on the working party)."""
        stmt = (
            select(CoproductionRecord, Person.name, PlanMember.member_kind)
            .join(Person, Person.id == CoproductionRecord.recorded_by_id)
            .outerjoin(
                PlanMember,
                (PlanMember.plan_id == CoproductionRecord.plan_id)
                & (PlanMember.person_id == CoproductionRecord.recorded_by_id)
                & (PlanMember.capacity == Capacity.WORKING_PARTY),
            )
            .where(CoproductionRecord.plan_id == plan_id)
            .order_by(CoproductionRecord.recorded_at, CoproductionRecord.id)
        )
        return [(r, name, kind) for r, name, kind in self.session.execute(stmt)]

    def recorder(self, plan_id: int, person_id: int) -> tuple[str, MemberKind | None]:
        """A recorder's name and their kind on the plan's working party (None when not on it)."""
        stmt = (
            select(Person.name, PlanMember.member_kind)
            .outerjoin(
                PlanMember,
                (PlanMember.person_id == Person.id)
                & (PlanMember.plan_id == plan_id)
                & (PlanMember.capacity == Capacity.WORKING_PARTY),
            )
            .where(Person.id == person_id)
        )
        name, kind = self.session.execute(stmt).one()
        return name, kind

    def entered_stages(self, plan_id: int) -> set[Stage]:
        """Every stage the plan has entered (a plan sent back from sign-off has still been through it)."""
        return set(self.session.scalars(select(StageEntry.stage).where(StageEntry.plan_id == plan_id).distinct()))
