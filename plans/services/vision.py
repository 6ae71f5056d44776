"""The co-produced vision: working party members add statements and record their agreement."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from plans.domain.errors import AlreadyDecided, InvalidInput, NotPermitted, StageLocked
from plans.domain.stages import Stage
from plans.models import Capacity, Plan, StatementKind, VisionStatement
from plans.repositories.plans import PlanRepository
from plans.services.actors import Actor
from plans.services.audit_trail import record_and_wake
from plans.services.lifecycle import load_plan

MAX_STATEMENT = 2000


def _member_plan(session: Session, plan_id: int, actor: Actor, action: str) -> Plan:
    plan = load_plan(session, plan_id)
    if plan.stage is not Stage.VISION:
        raise StageLocked(f"{action} is part of the vision stage; the plan is in {plan.stage.value}")
    if actor.person_id is None or not PlanRepository(session).is_member(
        plan.id, actor.person_id, Capacity.WORKING_PARTY
    ):
        raise NotPermitted(f"{action} is for members of the plan's working party; {actor.label} is not one")
    return plan


def add_statement(
    session: Session, *, plan_id: int, actor: Actor, kind: StatementKind, text: str, now: datetime
) -> VisionStatement:
    """A working party member's aspiration or "what things are like now" statement."""
    plan = _member_plan(session, plan_id, actor, "adding a vision statement")
    words = text.strip()
    if not words:
        raise InvalidInput("text: a vision statement cannot be empty")
    if len(words) > MAX_STATEMENT:
        raise InvalidInput(f"text: a vision statement has at most {MAX_STATEMENT} characters")
    assert actor.person_id is not None
    statement = PlanRepository(session).add_statement(plan.id, actor.person_id, kind, words, now)
    record_and_wake(
        session,
        plan=plan,
        actor=actor,
        kind="vision_statement_added",
        now=now,
        data={"statement_id": statement.id, "kind": kind.value, "text": words},
    )
    return statement


def agree(session: Session, *, plan_id: int, actor: Actor, now: datetime) -> None:
    """Record that a working party member agrees the vision (once)."""
    plan = _member_plan(session, plan_id, actor, "agreeing the vision")
    assert actor.person_id is not None
    repo = PlanRepository(session)
    if repo.agreement(plan.id, actor.person_id) is not None:
        raise AlreadyDecided(f"{actor.label} has already agreed the vision of plan {plan.id}")
    repo.add_agreement(plan.id, actor.person_id, now)
    record_and_wake(
        session,
        plan=plan,
        actor=actor,
        kind="vision_agreed",
        now=now,
        data={},
        dedupe_key=f"plan:{plan.id}:vision_agreed:{actor.person_id}",
    )
