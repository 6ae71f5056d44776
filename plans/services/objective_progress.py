"""Objectives' progress during delivery: red / amber / green with a percentage complete and a note (owed
whenever an objective is red or amber or goes backwards), kept as a history whose latest row stands; and
milestones on the way to each objective, added and marked done.

The objective's owner reports its progress, or a coordinator does; each update is tied to the checkpoint
it reports towards (the earliest not yet recorded), so a formative report shows the objectives as they
stood when it was recorded.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy.orm import Session

from plans.domain.delivery import (
    Rag,
    plan_year,
    refuse_if_any,
)
from plans.domain.errors import AlreadyDecided, InvalidInput, NotPermitted, StageLocked
from plans.domain.progress import (
    done_problems,
    milestone_problems,
    progress_problems,
)
from plans.domain.stages import Stage
from plans.models import Milestone, Objective, ObjectiveProgress, Plan
from plans.repositories.delivery import DeliveryRepository
from plans.repositories.evaluation import EvaluationRepository
from plans.services.actors import Actor
from plans.services.audit_trail import record_and_wake
from plans.services.evidence_requests import is_coordinator
from plans.services.lifecycle import load_plan


def _delivering(session: Session, plan_id: int, action: str) -> Plan:
    plan = load_plan(session, plan_id)
    if plan.stage is not Stage.DELIVERY:
        raise StageLocked(f"{action} belongs to the delivery stage; plan {plan.id} is in {plan.stage.value}")
    return plan


def _objective(session: Session, plan: Plan, actor: Actor, objective_id: int, action: str) -> Objective:
    """The plan's objective, which the actor owns or coordinates; another plan's is not found."""
    objective = DeliveryRepository(session).objective(objective_id)
    if objective is None or objective.plan_id != plan.id:
        raise InvalidInput(f"objective_id: objective {objective_id} is not an objective of this plan")
    if not is_coordinator(actor) and objective.owner_id != actor.person_id:
        raise NotPermitted(f"{action} is for the objective's owner or a coordinator, not {actor.label}")
    return objective


def update_progress(
    session: Session,
    *,
    plan_id: int,
    actor: Actor,
    objective_id: int,
    status: str,
    percent_complete: int | None,
    note: str,
    now: datetime,
) -> ObjectiveProgress:
    """Record where an objective stands; the previous updates stay as its history."""
    plan = _delivering(session, plan_id, "updating an objective's progress")
    objective = _objective(session, plan, actor, objective_id, "updating an objective's progress")
    repo = DeliveryRepository(session)
    previous = repo.latest_progress(objective.id)
    refuse_if_any(progress_problems(status, percent_complete, note, previous.percent_complete if previous else None))
    assert percent_complete is not None and actor.person_id is not None
    current = next((c for c in EvaluationRepository(session).checkpoints(plan.id) if c.recorded_at is None), None)
    row = repo.add(
        ObjectiveProgress(
            plan_id=plan.id,
            objective_id=objective.id,
            checkpoint_id=current.id if current else None,
            status=Rag(status),
            percent_complete=percent_complete,
            note=note.strip(),
            recorded_by_id=actor.person_id,
            recorded_at=now,
        )
    )
    record_and_wake(
        session,
        plan=plan,
        actor=actor,
        kind="objective_progress",
        now=now,
        data={
            "objective_id": objective.id,
            "status": status,
            "percent_complete": percent_complete,
            "previous": {"status": previous.status.value, "percent_complete": previous.percent_complete}
            if previous
            else None,
            "note": row.note,
        },
    )
    return row


def add_milestone(
    session: Session, *, plan_id: int, actor: Actor, objective_id: int, title: str, due_on: date | None, now: datetime
) -> Milestone:
    """A milestone on the way to an objective, due inside the plan's 12 months."""
    plan = _delivering(session, plan_id, "adding a milestone")
    objective = _objective(session, plan, actor, objective_id, "adding a milestone")
    refuse_if_any(milestone_problems(title, due_on, plan_year(plan.starts_on)))
    assert due_on is not None
    row = DeliveryRepository(session).add(
        Milestone(plan_id=plan.id, objective_id=objective.id, title=title.strip(), due_on=due_on)
    )
    record_and_wake(
        session,
        plan=plan,
        actor=actor,
        kind="milestone_added",
        now=now,
        data={"milestone_id": row.id, "objective_id": objective.id, "title": row.title, "due_on": due_on.isoformat()},
    )
    return row


def milestone_done(
    session: Session, *, plan_id: int, actor: Actor, milestone_id: int, done_on: date | None, now: datetime
) -> Milestone:
    """Mark a milestone done on the day it was done (once)."""
    plan = _delivering(session, plan_id, "marking a milestone done")
    row = DeliveryRepository(session).milestone(milestone_id)
    if row is None or row.plan_id != plan.id:
        raise InvalidInput(f"milestone_id: milestone {milestone_id} is not a milestone of this plan")
    _objective(session, plan, actor, row.objective_id, "marking a milestone done")
    if row.done_on is not None:
        raise AlreadyDecided(f"milestone {row.title!r} was marked done on {row.done_on:%d %B %Y}")
    refuse_if_any(done_problems(done_on, plan_year(plan.starts_on), now.date()))
    row.done_on = done_on
    assert done_on is not None
    record_and_wake(
        session,
        plan=plan,
        actor=actor,
        kind="milestone_done",
        now=now,
        data={
            "milestone_id": row.id,
            "title": row.title,
            "due_on": row.due_on.isoformat(),
            "done_on": done_on.isoformat(),
        },
        dedupe_key=f"plan:{plan.id}:milestone:{row.id}:done",
    )
    return row
