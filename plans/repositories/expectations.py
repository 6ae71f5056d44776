"""The expectations register: its rows with who holds and who wrote each expectation, and the key
stakeholders an expectation may be recorded for (the plan's members and its coordinator)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.orm import Session, aliased

from plans.models import Capacity, Expectation, Person, Plan, PlanMember, SignOffRound


@dataclass(frozen=True)
class RegisterRow:
    expectation: Expectation
    stakeholder: str
    added_by: str | None
    round_version: int | None


class ExpectationsRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def rows(self, plan_id: int) -> list[RegisterRow]:
        """Every expectation of the plan (the register and those added with decisions), oldest first."""
        holder, writer = aliased(Person), aliased(Person)
        stmt = (
            select(Expectation, holder.name, writer.name, SignOffRound.version)
            .join(holder, holder.id == Expectation.stakeholder_id)
            .outerjoin(writer, writer.id == Expectation.added_by_id)
            .outerjoin(SignOffRound, SignOffRound.id == Expectation.round_id)
            .where(Expectation.plan_id == plan_id)
            .order_by(Expectation.id)
        )
        return [RegisterRow(e, name, by, version) for e, name, by, version in self.session.execute(stmt)]

    def register(self, plan_id: int) -> Sequence[Expectation]:
        """The rows the coordinator keeps (not those approvers added with a decision)."""
        stmt = (
            select(Expectation)
            .where(Expectation.plan_id == plan_id, Expectation.round_id.is_(None))
            .order_by(Expectation.id)
        )
        return self.session.scalars(stmt).all()

    def stakeholders(self, plan_id: int) -> dict[int, tuple[str, list[str]]]:
        """Person id -> (name, capacities) for the plan's members and its coordinator, by name."""
        found: dict[int, tuple[str, list[str]]] = {}
        caps: dict[int, list[str]] = defaultdict(list)
        stmt = (
            select(Person.id, Person.name, PlanMember.capacity)
            .join(PlanMember, PlanMember.person_id == Person.id)
            .where(PlanMember.plan_id == plan_id)
        )
        for person_id, name, capacity in self.session.execute(stmt):
            found[person_id] = (name, caps[person_id])
            caps[person_id].append(capacity.value)
        coordinator = self.session.execute(
            select(Person.id, Person.name).join(Plan, Plan.coordinator_id == Person.id).where(Plan.id == plan_id)
        ).one_or_none()
        if coordinator is not None:
            found.setdefault(coordinator.id, (coordinator.name, caps[coordinator.id]))
            caps[coordinator.id].append("coordinator")
        return dict(sorted(found.items(), key=lambda item: (item[1][0], item[0])))

    def approver_ids(self, plan_id: int) -> set[int]:
        stmt = select(PlanMember.person_id).where(
            PlanMember.plan_id == plan_id, PlanMember.capacity == Capacity.APPROVER
        )
        return set(self.session.scalars(stmt))

    def add(self, row: Expectation) -> Expectation:
        self.session.add(row)
        self.session.flush()
        return row

    def remove(self, plan_id: int, ids: Sequence[int]) -> None:
        if ids:
            self.session.execute(
                delete(Expectation).where(Expectation.plan_id == plan_id, Expectation.id.in_(list(ids))),
                execution_options={"synchronize_session": "fetch"},
            )
