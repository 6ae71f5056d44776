"""Plans, their members, vision, stage history and gate overrides."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from plans.domain.facts import MemberKind
from plans.domain.stages import Stage
from plans.models import (
    Capacity,
    GateOverride,
    Person,
    Plan,
    PlanMember,
    StageEntry,
    StatementKind,
    VisionAgreement,
    VisionStatement,
)


class PlanRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, plan_id: int) -> Plan | None:
        return self.session.get(Plan, plan_id)

    def get_for_update(self, plan_id: int) -> Plan | None:
        """The plan row, locked until the transaction ends where the database can lock rows."""
        stmt = select(Plan).where(Plan.id == plan_id).with_for_update()
        return self.session.scalar(stmt)

    def by_slug(self, slug: str) -> Plan | None:
        return self.session.scalar(select(Plan).where(Plan.slug == slug))

    def list_all(self) -> Sequence[Plan]:
        return self.session.scalars(select(Plan).order_by(Plan.id)).all()

    def list_by_ids(self, plan_ids: list[int]) -> list[Plan]:
        """The plans with these ids, in id order (chunked under SQLite's parameter limit)."""
        found: list[Plan] = []
        for start in range(0, len(plan_ids), 900):
            found += self.session.scalars(select(Plan).where(Plan.id.in_(plan_ids[start : start + 900])))
        return sorted(found, key=lambda p: p.id)

    def open_plan_ids(self) -> list[int]:
        """Ids of every plan that is not closed."""
        stmt = select(Plan.id).where(Plan.stage != Stage.CLOSED).order_by(Plan.id)
        return list(self.session.scalars(stmt))

    def add(self, plan: Plan) -> Plan:
        self.session.add(plan)
        self.session.flush()
        return plan

    def add_member(self, plan_id: int, person_id: int, capacity: Capacity, kind: MemberKind | None = None) -> None:
        self.session.add(PlanMember(plan_id=plan_id, person_id=person_id, capacity=capacity, member_kind=kind))
        self.session.flush()

    def members(self, plan_id: int, capacity: Capacity) -> list[tuple[PlanMember, Person]]:
        stmt = (
            select(PlanMember, Person)
            .join(Person, Person.id == PlanMember.person_id)
            .where(PlanMember.plan_id == plan_id, PlanMember.capacity == capacity)
            .order_by(Person.name)
        )
        return [(m, p) for m, p in self.session.execute(stmt)]

    def capacities(self, plan_id: int, person_id: int) -> set[Capacity]:
        """Every capacity in which the person takes part in the plan."""
        stmt = select(PlanMember.capacity).where(PlanMember.plan_id == plan_id, PlanMember.person_id == person_id)
        return set(self.session.scalars(stmt))

    def plans_of_member(self, person_id: int, capacity: Capacity) -> list[Plan]:
        stmt = (
            select(Plan)
            .join(PlanMember, PlanMember.plan_id == Plan.id)
            .where(PlanMember.person_id == person_id, PlanMember.capacity == capacity)
            .order_by(Plan.id)
        )
        return list(self.session.scalars(stmt))

    def is_member(self, plan_id: int, person_id: int, capacity: Capacity) -> bool:
        stmt = select(PlanMember.id).where(
            PlanMember.plan_id == plan_id, PlanMember.person_id == person_id, PlanMember.capacity == capacity
        )
        return self.session.scalar(stmt) is not None

    def add_statement(
        self, plan_id: int, author_id: int, kind: StatementKind, text: str, at: datetime
    ) -> VisionStatement:
        st = VisionStatement(plan_id=plan_id, author_id=author_id, kind=kind, text=text, created_at=at)
        self.session.add(st)
        self.session.flush()
        return st

    def statements(self, plan_id: int) -> Sequence[VisionStatement]:
        stmt = select(VisionStatement).where(VisionStatement.plan_id == plan_id).order_by(VisionStatement.id)
        return self.session.scalars(stmt).all()

    def agreement(self, plan_id: int, person_id: int) -> VisionAgreement | None:
        stmt = select(VisionAgreement).where(VisionAgreement.plan_id == plan_id, VisionAgreement.person_id == person_id)
        return self.session.scalar(stmt)

    def add_agreement(self, plan_id: int, person_id: int, at: datetime) -> None:
        self.session.add(VisionAgreement(plan_id=plan_id, person_id=person_id, agreed_at=at))
        self.session.flush()

    # stage history ---------------------------------------------------------------------------------

    def add_entry(self, plan: Plan, via: str, at: datetime) -> StageEntry:
        entry = StageEntry(
            plan_id=plan.id,
            entry_no=plan.stage_entry_no,
            stage=plan.stage,
            version=plan.version,
            via=via,
            entered_at=at,
        )
        self.session.add(entry)
        self.session.flush()
        return entry

    def entries(self, plan_id: int) -> Sequence[StageEntry]:
        stmt = select(StageEntry).where(StageEntry.plan_id == plan_id).order_by(StageEntry.entry_no)
        return self.session.scalars(stmt).all()

    def move(self, plan: Plan, target: Stage, at: datetime) -> bool:
        """Compare-and-set the plan into ``target``: succeeds only if nobody moved it since it was
        read (a concurrent run of the same plan then finds rowcount 0 and records nothing)."""
        result = self.session.execute(
            update(Plan)
            .where(Plan.id == plan.id, Plan.stage_entry_no == plan.stage_entry_no, Plan.stage == plan.stage)
            .values(stage=target, stage_entry_no=plan.stage_entry_no + 1, stage_entered_at=at)
            .execution_options(synchronize_session=False)
        )
        if result.rowcount != 1:  # type: ignore[attr-defined]
            return False
        self.session.execute(
            update(StageEntry)
            .where(StageEntry.plan_id == plan.id, StageEntry.entry_no == plan.stage_entry_no)
            .values(left_at=at)
        )
        self.session.refresh(plan)
        return True

    # overrides ---------------------------------------------------------------------------------------

    def pending_override(self, plan_id: int, entry_no: int) -> GateOverride | None:
        stmt = select(GateOverride).where(
            GateOverride.plan_id == plan_id, GateOverride.entry_no == entry_no, GateOverride.used_at.is_(None)
        )
        return self.session.scalar(stmt)

    def plans_with_pending_override(self, plan_ids: list[int]) -> set[int]:
        """Which of these plans have an unused override for the stage they are in now."""
        stmt = (
            select(GateOverride.plan_id)
            .join(Plan, (Plan.id == GateOverride.plan_id) & (Plan.stage_entry_no == GateOverride.entry_no))
            .where(GateOverride.used_at.is_(None))
        )
        wanted = set(plan_ids)
        return {pid for pid in self.session.scalars(stmt) if pid in wanted}

    def add_override(self, override: GateOverride) -> GateOverride:
        self.session.add(override)
        self.session.flush()
        return override

    def overrides(self, plan_id: int) -> Sequence[GateOverride]:
        stmt = select(GateOverride).where(GateOverride.plan_id == plan_id).order_by(GateOverride.id)
        return self.session.scalars(stmt).all()
