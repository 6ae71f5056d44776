"""What the delivery pages and the JSON API call: each action of an evidence owner or a coordinator (give
evidence, say there is nothing this time, report progress, add or complete a milestone, name or remove an
evidence owner, record a checkpoint) done by its service, answered with the thing as it now stands, so a
route is one call and the API shows what a reader of the page would see.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy.orm import Session

from plans.domain.errors import NotFound
from plans.repositories.delivery import DeliveryRepository
from plans.repositories.evaluation import EvaluationRepository
from plans.schemas_delivery import (
    EvidenceItemOut,
    EvidenceRequestOut,
    FormativeReportOut,
    ObjectiveDeliveryOut,
    OwnerOut,
)
from plans.services import evaluation, evidence_requests, formative, objective_progress
from plans.services.actors import Actor
from plans.services.delivery_views import item_out, objectives_out, request_out
from plans.services.evidence_items import EvidenceDraft, submit_evidence
from plans.services.lifecycle import load_plan


def _objective(session: Session, plan_id: int, objective_id: int, now: datetime) -> ObjectiveDeliveryOut:
    plan = load_plan(session, plan_id)
    numbers = {c.id: c.number for c in EvaluationRepository(session).checkpoints(plan.id)}
    found = [o for o in objectives_out(session, plan, numbers, now.date()) if o.id == objective_id]
    if not found:
        raise NotFound(f"objective_id: objective {objective_id} is not an objective of this plan")
    return found[0]


def give_evidence(
    session: Session, *, plan_id: int, actor: Actor, draft: EvidenceDraft, now: datetime
) -> EvidenceItemOut:
    """One piece of evidence recorded, as the plan's evidence list shows it."""
    item = submit_evidence(session, plan_id=plan_id, actor=actor, draft=draft, now=now)
    numbers = {c.id: c.number for c in EvaluationRepository(session).checkpoints(item.plan_id)}
    giver = next(name for row, name in DeliveryRepository(session).items(item.plan_id) if row.id == item.id)
    return item_out(item, giver, numbers)


def say_nothing(
    session: Session,
    *,
    plan_id: int,
    actor: Actor,
    number: int,
    note: str,
    now: datetime,
    on_behalf_of: int | None = None,
) -> EvidenceRequestOut:
    """The owner's request for checkpoint ``number`` answered with nothing this time."""
    row = evidence_requests.nothing_this_time(
        session, plan_id=plan_id, actor=actor, number=number, note=note, now=now, on_behalf_of=on_behalf_of
    )
    plan = load_plan(session, plan_id)
    shown = next(
        r for r in DeliveryRepository(session).requests(plan.id, owner_id=row.owner_id) if r.request.id == row.id
    )
    given = DeliveryRepository(session).items_per_giver(plan.id).get((row.checkpoint_id, row.owner_id), 0)
    return request_out(shown, plan.id, plan.title, given, now.date())


def report_progress(
    session: Session,
    *,
    plan_id: int,
    actor: Actor,
    objective_id: int,
    status: str,
    percent_complete: int | None,
    note: str,
    now: datetime,
) -> ObjectiveDeliveryOut:
    """Progress recorded; the objective with its history."""
    objective_progress.update_progress(
        session,
        plan_id=plan_id,
        actor=actor,
        objective_id=objective_id,
        status=status,
        percent_complete=percent_complete,
        note=note,
        now=now,
    )
    return _objective(session, plan_id, objective_id, now)


def add_milestone(
    session: Session, *, plan_id: int, actor: Actor, objective_id: int, title: str, due_on: date | None, now: datetime
) -> ObjectiveDeliveryOut:
    """A milestone added; the objective with its milestones."""
    objective_progress.add_milestone(
        session, plan_id=plan_id, actor=actor, objective_id=objective_id, title=title, due_on=due_on, now=now
    )
    return _objective(session, plan_id, objective_id, now)


def complete_milestone(
    session: Session, *, plan_id: int, actor: Actor, milestone_id: int, done_on: date | None, now: datetime
) -> ObjectiveDeliveryOut:
    """A milestone marked done; the objective with its milestones."""
    row = objective_progress.milestone_done(
        session, plan_id=plan_id, actor=actor, milestone_id=milestone_id, done_on=done_on, now=now
    )
    return _objective(session, plan_id, row.objective_id, now)


def name_owner(session: Session, *, plan_id: int, actor: Actor, email: str, now: datetime) -> OwnerOut:
    """Someone named to give evidence (and asked at once when a checkpoint's window is open)."""
    o = evidence_requests.name_owner(session, plan_id=plan_id, actor=actor, email=email, now=now)
    return OwnerOut(person_id=o.id, name=o.name, email=o.email, objectives=o.objectives, named=o.named)


def record_checkpoint(
    session: Session,
    *,
    plan_id: int,
    actor: Actor,
    number: int,
    did: str,
    learned: str,
    change: str,
    attendance: int | None,
    now: datetime,
) -> FormativeReportOut:
    """A checkpoint recorded (published to the citizen panel); its formative report."""
    evaluation.record_checkpoint(
        session,
        plan_id=plan_id,
        actor=actor,
        number=number,
        did=did,
        learned=learned,
        change=change,
        attendance=attendance,
        now=now,
    )
    return formative.formative_report(session, plan_id=plan_id, number=number)
