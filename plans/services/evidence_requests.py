"""Asking evidence owners for evidence at each formative checkpoint.

Evidence owners are the owners of the plan's objectives and the people the coordinator names. When a
checkpoint's asking window opens (``settings.evidence_ask_days`` before it), every owner gets a request
and an email through the outbox; an owner named later is asked when named. Asking is idempotent: one
request per checkpoint and owner (a unique key), one email per request (its idempotency key), so the
lifecycle's stage work and the daily chase may both ask, as often as they run. An owner answers by giving
evidence at that checkpoint or by saying there is nothing this time; the chase
(``plans.services.evidence_chasing``) climbs the ladder for requests past their due day.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from plans.config import settings
from plans.domain.delivery import HINTS, CheckpointState, EvidenceType, checkpoints_to_ask, evidence_due_on
from plans.domain.errors import AlreadyDecided, InvalidInput, NotPermitted, StageLocked
from plans.domain.stages import Stage
from plans.models import Capacity, Checkpoint, EvidenceRequest, Plan, Role
from plans.repositories.delivery import DeliveryRepository, Owner
from plans.repositories.evaluation import EvaluationRepository
from plans.repositories.plans import PlanRepository
from plans.services.actors import Actor
from plans.services.audit_trail import record_and_wake
from plans.services.chase_letters import link
from plans.services.lifecycle import load_plan
from plans.services.outbox import enqueue

MAX_NOTE = 2000


def request_key(checkpoint_id: int, owner_id: int) -> str:
    """The idempotency key of the email asking one owner for one checkpoint's evidence."""
    return f"evidence-request:{checkpoint_id}:{owner_id}"


def is_coordinator(actor: Actor) -> bool:
    return bool(actor.roles & {Role.COORDINATOR, Role.ADMIN})


def require_owner_or_coordinator(session: Session, plan: Plan, actor: Actor, action: str) -> None:
    """Evidence and progress come from the plan's evidence owners, or a coordinator recording them."""
    if is_coordinator(actor):
        return
    if actor.person_id is None or not DeliveryRepository(session).is_owner(plan.id, actor.person_id):
        raise NotPermitted(f"{action} is for the evidence owners of plan {plan.id} and coordinators, not {actor.label}")


def owners(session: Session, *, plan_id: int) -> list[Owner]:
    """Who is asked for evidence on the plan, and why."""
    return DeliveryRepository(session).owners(load_plan(session, plan_id).id)


def ask_due(session: Session, *, plan_id: int, now: datetime) -> list[str]:
    """Ask every owner who has not been asked yet for each checkpoint whose asking window has opened;
    what was done, in words (nothing when everyone due a request has one)."""
    return [
        f"asked {n} evidence owner(s) for checkpoint {number}'s evidence"
        for number, n in _ask_due(session, load_plan(session, plan_id), now)
    ]


def _ask_due(session: Session, plan: Plan, now: datetime) -> list[tuple[int, int]]:
    """(checkpoint number, owners newly asked) for each checkpoint anyone was asked for now."""
    if plan.stage is not Stage.DELIVERY:
        return []
    checkpoints = {c.number: c for c in EvaluationRepository(session).checkpoints(plan.id)}
    states = [CheckpointState(c.number, c.due_on, c.recorded_at is not None) for c in checkpoints.values()]
    due = checkpoints_to_ask(states, now.date(), settings.evidence_ask_days)
    if not due:
        return []
    repo = DeliveryRepository(session)
    people = repo.owners(plan.id)
    asked = {(r.request.checkpoint_id, r.request.owner_id) for r in repo.requests(plan.id)}
    done = []
    for number in due:
        cp = checkpoints[number]
        fresh = [o for o in people if (cp.id, o.id) not in asked]
        if fresh:
            _ask(session, plan, cp, fresh, now)
            done.append((number, len(fresh)))
    return done


def _ask(session: Session, plan: Plan, cp: Checkpoint, people: list[Owner], now: datetime) -> None:
    due_on = evidence_due_on(cp.due_on, now.date(), settings.evidence_min_days)
    repo = DeliveryRepository(session)
    repo.ask(
        [
            {"plan_id": plan.id, "checkpoint_id": cp.id, "owner_id": o.id, "asked_at": now, "due_on": due_on}
            for o in people
        ]
    )
    objectives: dict[int, list[str]] = {}
    for objective, _ in repo.objectives(plan.id):
        objectives.setdefault(objective.owner_id, []).append(objective.text)
    kinds = [(t.label, HINTS[t.value]) for t in EvidenceType]
    for o in people:
        enqueue(
            session,
            key=request_key(cp.id, o.id),
            kind="evidence_request",
            to=o.email,
            template="evidence_request",
            now=now,
            name=o.name,
            plan=plan.title,
            number=cp.number,
            checkpoint_on=f"{cp.due_on:%-d %B %Y}",
            due_on=f"{due_on:%-d %B %Y}",
            objectives=objectives.get(o.id, []),
            kinds=kinds,
            link=link(f"/plans/{plan.id}/evidence"),
        )


def ask_everywhere(session: Session, *, now: datetime) -> int:
    """Ask owners on every plan in delivery whose checkpoint's window has opened (the daily chase's
    safety net, should no lifecycle run have come by); how many requests were made."""
    repo = DeliveryRepository(session)
    plans = [load_plan(session, plan_id) for plan_id in repo.plans_asking()]
    return sum(n for plan in plans for _, n in _ask_due(session, plan, now))


def name_owner(session: Session, *, plan_id: int, actor: Actor, email: str, now: datetime) -> Owner:
    """A coordinator names someone to give evidence (beyond the objectives' owners); asked at once when a
    checkpoint's window is open, and at every later checkpoint."""
    actor.require(Role.COORDINATOR, "naming an evidence owner")
    plan = load_plan(session, plan_id, lock=True)
    if plan.stage is Stage.CLOSED:
        raise StageLocked(f"plan {plan.id} is closed")
    repo = DeliveryRepository(session)
    person = repo.person_by_email(email) if email.strip() else None
    if person is None:
        raise InvalidInput(f"email: nobody with the address {email.strip()!r} is known here; add them as a user first")
    if PlanRepository(session).is_member(plan.id, person.id, Capacity.EVIDENCE_OWNER):
        raise AlreadyDecided(f"{person.name} is already an evidence owner of plan {plan.id}")
    PlanRepository(session).add_member(plan.id, person.id, Capacity.EVIDENCE_OWNER)
    record_and_wake(
        session,
        plan=plan,
        actor=actor,
        kind="evidence_owner_named",
        now=now,
        data={"person_id": person.id, "name": person.name},
    )
    _ask_due(session, plan, now)
    return next(o for o in repo.owners(plan.id) if o.id == person.id)


def remove_owner(session: Session, *, plan_id: int, actor: Actor, email: str, now: datetime) -> int:
    """Stop asking someone the coordinator named: their unanswered requests at checkpoints still to be
    recorded are withdrawn (answers already given stay). Returns how many were withdrawn."""
    actor.require(Role.COORDINATOR, "removing an evidence owner")
    plan = load_plan(session, plan_id, lock=True)
    repo = DeliveryRepository(session)
    person = repo.person_by_email(email) if email.strip() else None
    if person is None or not PlanRepository(session).is_member(plan.id, person.id, Capacity.EVIDENCE_OWNER):
        raise InvalidInput(f"email: {email.strip()!r} is not a named evidence owner of this plan")
    repo.remove_named(plan.id, person.id)
    still = repo.owns_objective(plan.id, person.id)
    withdrawn = 0 if still else repo.withdraw_open(plan.id, person.id)
    record_and_wake(
        session,
        plan=plan,
        actor=actor,
        kind="evidence_owner_removed",
        now=now,
        data={"person_id": person.id, "name": person.name, "withdrawn": withdrawn, "owns_objectives": still},
    )
    return withdrawn


def open_request(
    session: Session, plan: Plan, owner_id: int, number: int, field: str = "checkpoint"
) -> EvidenceRequest:
    """The owner's request at checkpoint ``number`` of the plan, still to be recorded, or InvalidInput."""
    cp = EvaluationRepository(session).checkpoint(plan.id, number)
    if cp is None:
        raise InvalidInput(f"{field}: plan {plan.id} has no checkpoint {number}")
    if cp.recorded_at is not None:
        raise InvalidInput(f"{field}: checkpoint {number} was recorded on {cp.recorded_at:%d %B %Y}")
    row = DeliveryRepository(session).request(cp.id, owner_id)
    if row is None:
        raise InvalidInput(f"{field}: no evidence was asked of this person at checkpoint {number}")
    return row


def giver(session: Session, plan: Plan, actor: Actor, on_behalf_of: int | None) -> int:
    """Whose answer this is: the actor's own, or an owner's a coordinator records for them."""
    if on_behalf_of is None:
        if actor.person_id is None:
            raise NotPermitted("only a person can give evidence")
        return actor.person_id
    if not is_coordinator(actor):
        raise InvalidInput("on_behalf_of: only a coordinator records evidence for someone else")
    if not DeliveryRepository(session).is_owner(plan.id, on_behalf_of):
        raise InvalidInput(f"on_behalf_of: person {on_behalf_of} is not an evidence owner of this plan")
    return on_behalf_of


def nothing_this_time(
    session: Session,
    *,
    plan_id: int,
    actor: Actor,
    number: int,
    note: str,
    now: datetime,
    on_behalf_of: int | None = None,
) -> EvidenceRequest:
    """An owner says they have no evidence for checkpoint ``number`` (or a coordinator records that they
    said so): the request is answered and the chase stops; evidence may still follow before the
    checkpoint is recorded."""
    plan = load_plan(session, plan_id)
    if plan.stage is not Stage.DELIVERY:
        raise StageLocked(f"evidence requests belong to the delivery stage; plan {plan.id} is in {plan.stage.value}")
    require_owner_or_coordinator(session, plan, actor, "answering an evidence request")
    owner_id = giver(session, plan, actor, on_behalf_of)
    if len(note.strip()) > MAX_NOTE:
        raise InvalidInput(f"note: must be {MAX_NOTE:,} characters or fewer")
    row = open_request(session, plan, owner_id, number)
    if row.answered_at is not None:
        raise AlreadyDecided(f"the request for checkpoint {number} was answered on {row.answered_at:%d %B %Y}")
    row.answered_at = now
    record_and_wake(
        session,
        plan=plan,
        actor=actor,
        kind="evidence_nothing_this_time",
        now=now,
        data={"checkpoint": number, "owner_id": owner_id, "note": note.strip()},
        dedupe_key=f"plan:{plan.id}:evidence-request:{row.id}:answered",
    )
    return row
