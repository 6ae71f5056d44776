"""All SQL for delivery: evidence owners (objective owners and people the coordinator names), evidence
requests per checkpoint and owner, evidence items, objective progress with its history, milestones, and
what the daily chase needs (plans with a checkpoint to ask for, requests past their due day)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, TypeVar

from sqlalchemy import delete, func, or_, select
from sqlalchemy.orm import Session, aliased

from plans.domain.stages import Stage
from plans.models import (
    Capacity,
    Checkpoint,
    EvidenceItem,
    EvidenceRequest,
    Expectation,
    LearningActivity,
    Milestone,
    Objective,
    ObjectiveProgress,
    Person,
    Plan,
    PlanMember,
)
from plans.models.base import Base
from plans.repositories.chasing import Contact
from plans.repositories.dialect import insert_ignoring_conflicts

T = TypeVar("T", bound=Base)
EVIDENCE = "evidence"  # the chase topic of evidence requests


@dataclass(frozen=True)
class Owner:
    """Someone asked for evidence on a plan: why (their objectives, or named by the coordinator)."""

    id: int
    name: str
    email: str
    objectives: int
    named: bool


@dataclass(frozen=True)
class RequestRow:
    request: EvidenceRequest
    number: int  # the checkpoint's
    checkpoint_due: date
    checkpoint_recorded: datetime | None
    owner: str
    owner_email: str


@dataclass(frozen=True)
class OverdueRequest:
    request_id: int
    plan_id: int
    plan_title: str
    number: int
    due_on: date
    owner: Contact
    coordinator: Contact


class DeliveryRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, row: T) -> T:
        self.session.add(row)
        self.session.flush()
        return row

    # owners --------------------------------------------------------------------------------------------

    def owners(self, plan_id: int) -> list[Owner]:
        """Everyone asked for evidence on the plan: objective owners and named evidence owners, by name."""
        counts = (
            select(Objective.owner_id.label("pid"), func.count().label("n"))
            .where(Objective.plan_id == plan_id)
            .group_by(Objective.owner_id)
            .subquery()
        )
        named = select(PlanMember.person_id).where(
            PlanMember.plan_id == plan_id, PlanMember.capacity == Capacity.EVIDENCE_OWNER
        )
        stmt = (
            select(Person.id, Person.name, Person.email, func.coalesce(counts.c.n, 0), Person.id.in_(named))
            .outerjoin(counts, counts.c.pid == Person.id)
            .where(or_(counts.c.pid.is_not(None), Person.id.in_(named)))
            .order_by(Person.name, Person.id)
        )
        return [
            Owner(pid, name, email, int(n), bool(is_named))
            for pid, name, email, n, is_named in self.session.execute(stmt)
        ]

    def owns_objective(self, plan_id: int, person_id: int) -> bool:
        stmt = select(Objective.id).where(Objective.plan_id == plan_id, Objective.owner_id == person_id).limit(1)
        return self.session.scalar(stmt) is not None

    def is_owner(self, plan_id: int, person_id: int) -> bool:
        """Whether the person owns an objective of the plan or is named as one of its evidence owners."""
        named = select(PlanMember.id).where(
            PlanMember.plan_id == plan_id,
            PlanMember.person_id == person_id,
            PlanMember.capacity == Capacity.EVIDENCE_OWNER,
        )
        return self.owns_objective(plan_id, person_id) or self.session.scalar(named.limit(1)) is not None

    def remove_named(self, plan_id: int, person_id: int) -> int:
        stmt = delete(PlanMember).where(
            PlanMember.plan_id == plan_id,
            PlanMember.person_id == person_id,
            PlanMember.capacity == Capacity.EVIDENCE_OWNER,
        )
        return self.session.execute(stmt, execution_options={"synchronize_session": False}).rowcount or 0

    def person_by_email(self, email: str) -> Person | None:
        return self.session.scalar(select(Person).where(func.lower(Person.email) == email.strip().lower()))

    # requests ------------------------------------------------------------------------------------------

    def ask(self, rows: Sequence[dict[str, Any]]) -> None:
        """Insert requests (plan_id, checkpoint_id, owner_id, asked_at, due_on); one per checkpoint and
        owner whoever runs first (two runs racing add each once)."""
        if rows:
            stmt = insert_ignoring_conflicts(self.session, EvidenceRequest, ["checkpoint_id", "owner_id"])
            self.session.execute(stmt, list(rows))

    def requests(self, plan_id: int, *, owner_id: int | None = None) -> list[RequestRow]:
        """The plan's requests (or one owner's), by checkpoint then owner's name."""
        stmt = (
            select(EvidenceRequest, Checkpoint.number, Checkpoint.due_on, Checkpoint.recorded_at, Person.name)
            .add_columns(Person.email)
            .join(Checkpoint, Checkpoint.id == EvidenceRequest.checkpoint_id)
            .join(Person, Person.id == EvidenceRequest.owner_id)
            .where(EvidenceRequest.plan_id == plan_id)
            .order_by(Checkpoint.number, Person.name, EvidenceRequest.id)
        )
        if owner_id is not None:
            stmt = stmt.where(EvidenceRequest.owner_id == owner_id)
        return [RequestRow(*row) for row in self.session.execute(stmt)]

    def request(self, checkpoint_id: int, owner_id: int) -> EvidenceRequest | None:
        stmt = select(EvidenceRequest).where(
            EvidenceRequest.checkpoint_id == checkpoint_id, EvidenceRequest.owner_id == owner_id
        )
        return self.session.scalar(stmt)

    def withdraw_open(self, plan_id: int, owner_id: int) -> int:
        """Delete the owner's unanswered requests at checkpoints not yet recorded (they are no longer asked)."""
        open_checkpoints = select(Checkpoint.id).where(Checkpoint.plan_id == plan_id, Checkpoint.recorded_at.is_(None))
        stmt = delete(EvidenceRequest).where(
            EvidenceRequest.plan_id == plan_id,
            EvidenceRequest.owner_id == owner_id,
            EvidenceRequest.answered_at.is_(None),
            EvidenceRequest.checkpoint_id.in_(open_checkpoints),
        )
        return self.session.execute(stmt, execution_options={"synchronize_session": False}).rowcount or 0

    def my_requests(self, person_id: int) -> list[tuple[RequestRow, str, Stage]]:
        """A person's requests on every plan, with the plan's title and stage, newest checkpoint first."""
        stmt = (
            select(EvidenceRequest, Checkpoint.number, Checkpoint.due_on, Checkpoint.recorded_at, Person.name)
            .add_columns(Person.email, Plan.title, Plan.stage)
            .join(Checkpoint, Checkpoint.id == EvidenceRequest.checkpoint_id)
            .join(Person, Person.id == EvidenceRequest.owner_id)
            .join(Plan, Plan.id == EvidenceRequest.plan_id)
            .where(EvidenceRequest.owner_id == person_id)
            .order_by(EvidenceRequest.due_on.desc(), EvidenceRequest.id.desc())
        )
        return [(RequestRow(*row[:6]), row[6], row[7]) for row in self.session.execute(stmt)]

    def asked_anywhere(self, person_id: int) -> bool:
        """Whether the person has ever been asked for evidence, on any plan."""
        stmt = select(EvidenceRequest.id).where(EvidenceRequest.owner_id == person_id).limit(1)
        return self.session.scalar(stmt) is not None

    def plans_asking(self) -> list[int]:
        """Plans in delivery with a checkpoint not yet recorded (candidates for asking)."""
        stmt = (
            select(Plan.id)
            .where(Plan.stage == Stage.DELIVERY)
            .where(
                select(Checkpoint.id).where(Checkpoint.plan_id == Plan.id, Checkpoint.recorded_at.is_(None)).exists()
            )
            .order_by(Plan.id)
        )
        return list(self.session.scalars(stmt))

    def plans_reporting(self) -> list[int]:
        """Plans not yet closed with a recorded checkpoint (candidates for publishing formative reports)."""
        stmt = (
            select(Plan.id)
            .where(Plan.stage != Stage.CLOSED)
            .where(
                select(Checkpoint.id).where(Checkpoint.plan_id == Plan.id, Checkpoint.recorded_at.is_not(None)).exists()
            )
            .order_by(Plan.id)
        )
        return list(self.session.scalars(stmt))

    def overdue(self, today: date) -> list[OverdueRequest]:
        """Unanswered requests past their due day, at checkpoints not yet recorded of plans in delivery."""
        owner, coordinator = aliased(Person), aliased(Person)
        stmt = (
            select(EvidenceRequest.id, Plan.id, Plan.title, Checkpoint.number, EvidenceRequest.due_on)
            .add_columns(owner.id, owner.name, owner.email, coordinator.id, coordinator.name, coordinator.email)
            .join(Checkpoint, Checkpoint.id == EvidenceRequest.checkpoint_id)
            .join(Plan, Plan.id == EvidenceRequest.plan_id)
            .join(owner, owner.id == EvidenceRequest.owner_id)
            .join(coordinator, coordinator.id == Plan.coordinator_id)
            .where(
                EvidenceRequest.answered_at.is_(None),
                EvidenceRequest.due_on < today,
                Checkpoint.recorded_at.is_(None),
                Plan.stage == Stage.DELIVERY,
            )
            .order_by(Plan.id, Checkpoint.number, owner.name)
        )
        return [
            OverdueRequest(r[0], r[1], r[2], r[3], r[4], Contact(r[5], r[6], r[7]), Contact(r[8], r[9], r[10]))
            for r in self.session.execute(stmt)
        ]

    # evidence ------------------------------------------------------------------------------------------

    def items(self, plan_id: int, *, checkpoint_id: int | None = None) -> list[tuple[EvidenceItem, str]]:
        """The plan's evidence (or one checkpoint's) with who gave it, newest first."""
        stmt = (
            select(EvidenceItem, Person.name)
            .join(Person, Person.id == EvidenceItem.submitted_by_id)
            .where(EvidenceItem.plan_id == plan_id)
            .order_by(EvidenceItem.submitted_at.desc(), EvidenceItem.id.desc())
        )
        if checkpoint_id is not None:
            stmt = stmt.where(EvidenceItem.checkpoint_id == checkpoint_id)
        return [(item, name) for item, name in self.session.execute(stmt)]

    def items_per_giver(self, plan_id: int) -> dict[tuple[int, int], int]:
        """How many pieces each person gave at each checkpoint: {(checkpoint_id, person_id): n}."""
        stmt = (
            select(EvidenceItem.checkpoint_id, EvidenceItem.submitted_by_id, func.count())
            .where(EvidenceItem.plan_id == plan_id, EvidenceItem.checkpoint_id.is_not(None))
            .group_by(EvidenceItem.checkpoint_id, EvidenceItem.submitted_by_id)
        )
        return {(cp, who): int(n) for cp, who, n in self.session.execute(stmt) if cp is not None}

    def objective(self, objective_id: int) -> Objective | None:
        return self.session.get(Objective, objective_id)

    def expectation(self, expectation_id: int) -> Expectation | None:
        return self.session.get(Expectation, expectation_id)

    def activity(self, activity_id: int) -> LearningActivity | None:
        return self.session.get(LearningActivity, activity_id)

    # objectives, progress and milestones ----------------------------------------------------------------

    def objectives(self, plan_id: int) -> list[tuple[Objective, str]]:
        """The plan's objectives with their owner's name, in the plan's order."""
        stmt = (
            select(Objective, Person.name)
            .join(Person, Person.id == Objective.owner_id)
            .where(Objective.plan_id == plan_id)
            .order_by(Objective.position, Objective.id)
        )
        return [(o, name) for o, name in self.session.execute(stmt)]

    def progress(self, plan_id: int) -> list[tuple[ObjectiveProgress, str]]:
        """Every progress update of the plan's objectives with who made it, oldest first."""
        stmt = (
            select(ObjectiveProgress, Person.name)
            .join(Person, Person.id == ObjectiveProgress.recorded_by_id)
            .where(ObjectiveProgress.plan_id == plan_id)
            .order_by(ObjectiveProgress.recorded_at, ObjectiveProgress.id)
        )
        return [(p, name) for p, name in self.session.execute(stmt)]

    def latest_progress(self, objective_id: int) -> ObjectiveProgress | None:
        stmt = (
            select(ObjectiveProgress)
            .where(ObjectiveProgress.objective_id == objective_id)
            .order_by(ObjectiveProgress.recorded_at.desc(), ObjectiveProgress.id.desc())
            .limit(1)
        )
        return self.session.scalar(stmt)

    def milestones(self, plan_id: int) -> Sequence[Milestone]:
        stmt = (
            select(Milestone)
            .where(Milestone.plan_id == plan_id)
            .order_by(Milestone.objective_id, Milestone.due_on, Milestone.id)
        )
        return self.session.scalars(stmt).all()

    def milestone(self, milestone_id: int) -> Milestone | None:
        return self.session.get(Milestone, milestone_id)

    def activities(self, plan_id: int) -> Sequence[LearningActivity]:
        stmt = (
            select(LearningActivity)
            .where(LearningActivity.plan_id == plan_id)
            .order_by(LearningActivity.objective_id, LearningActivity.position, LearningActivity.id)
        )
        return self.session.scalars(stmt).all()
