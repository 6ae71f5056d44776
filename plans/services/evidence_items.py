"""Giving evidence: an evidence owner (or a coordinator recording it for them) adds one piece of evidence
at a checkpoint, optionally for an objective, an expectation of the register and a learning activity.

Every check runs before anything is written and every problem is reported at once, each naming its
field: the type's own rules (``plans.domain.delivery.check_evidence``), and that the checkpoint, the
objective, the expectation and the activity are this plan's (an id of another plan is refused exactly
like one that does not exist, so ids reveal nothing). Evidence at a checkpoint answers the giver's
request for it, which stops their chase.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from plans.domain.delivery import EvidenceFields, EvidenceType, Problem, check_evidence, refuse_if_any
from plans.domain.errors import InvalidInput, StageLocked
from plans.domain.stages import Stage
from plans.models import Checkpoint, EvidenceItem, Plan
from plans.repositories.delivery import DeliveryRepository
from plans.repositories.evaluation import EvaluationRepository
from plans.services.actors import Actor
from plans.services.audit_trail import record_and_wake
from plans.services.evidence_requests import giver, require_owner_or_coordinator
from plans.services.lifecycle import load_plan

STAGES = (Stage.DELIVERY, Stage.SUMMATIVE_EVALUATION)


@dataclass(frozen=True)
class EvidenceDraft:
    """One piece of evidence as given (the API's and the form's fields)."""

    type: str
    summary: str
    value: float | None = None
    unit: str = ""
    participants: int | None = None
    checkpoint: int | None = None  # the checkpoint's number
    objective_id: int | None = None
    expectation_id: int | None = None
    activity_id: int | None = None
    on_behalf_of: int | None = None


def _links(session: Session, plan: Plan, d: EvidenceDraft) -> tuple[Checkpoint | None, int | None, list[Problem]]:
    """The checkpoint and objective the evidence belongs to, and what is wrong with its links."""
    repo, problems = DeliveryRepository(session), []
    cp = None
    if d.checkpoint is not None:
        cp = EvaluationRepository(session).checkpoint(plan.id, d.checkpoint)
        if cp is None:
            problems.append(("checkpoint", f"plan {plan.id} has no checkpoint {d.checkpoint}"))
        elif cp.recorded_at is not None:
            problems.append(
                (
                    "checkpoint",
                    f"checkpoint {cp.number} was recorded on {cp.recorded_at:%d %B %Y}; "
                    "give this evidence to a later checkpoint",
                )
            )
    objective_id = d.objective_id
    if d.objective_id is not None:
        objective = repo.objective(d.objective_id)
        if objective is None or objective.plan_id != plan.id:
            problems.append(("objective_id", f"objective {d.objective_id} is not an objective of this plan"))
    if d.expectation_id is not None:
        expectation = repo.expectation(d.expectation_id)
        if expectation is None or expectation.plan_id != plan.id:
            problems.append(("expectation_id", f"expectation {d.expectation_id} is not in this plan's register"))
    if d.activity_id is not None:
        activity = repo.activity(d.activity_id)
        if activity is None or activity.plan_id != plan.id:
            problems.append(("activity_id", f"activity {d.activity_id} is not a learning activity of this plan"))
        elif objective_id is None:
            objective_id = activity.objective_id  # an activity's evidence is evidence for its objective
        elif activity.objective_id != objective_id:
            problems.append(
                ("activity_id", f"activity {d.activity_id} belongs to another objective than objective {objective_id}")
            )
    return cp, objective_id, problems


def submit_evidence(
    session: Session, *, plan_id: int, actor: Actor, draft: EvidenceDraft, now: datetime
) -> EvidenceItem:
    """Record one piece of evidence; at a checkpoint it answers the giver's request for that checkpoint."""
    plan = load_plan(session, plan_id)
    if plan.stage not in STAGES:
        raise StageLocked(
            "evidence is given in the delivery and summative evaluation stages; "
            f"plan {plan.id} is in {plan.stage.value}"
        )
    require_owner_or_coordinator(session, plan, actor, "giving evidence")
    problems: list[Problem] = []
    owner_id: int | None = None
    try:
        owner_id = giver(session, plan, actor, draft.on_behalf_of)
    except InvalidInput as exc:  # a refusal of on_behalf_of joins the other problems
        problems.append(("on_behalf_of", exc.message.partition(": ")[2]))
    tidy, found = check_evidence(EvidenceFields(draft.type, draft.summary, draft.value, draft.unit, draft.participants))
    cp, objective_id, link_problems = _links(session, plan, draft)
    refuse_if_any(found + link_problems + problems)
    assert actor.person_id is not None and owner_id is not None
    item = DeliveryRepository(session).add(
        EvidenceItem(
            plan_id=plan.id,
            checkpoint_id=cp.id if cp else None,
            objective_id=objective_id,
            expectation_id=draft.expectation_id,
            activity_id=draft.activity_id,
            type=EvidenceType(tidy.type),
            summary=tidy.summary,
            value=tidy.value,
            unit=tidy.unit,
            participants=tidy.participants,
            submitted_by_id=owner_id,
            submitted_at=now,
        )
    )
    answered = None
    if cp is not None:
        request = DeliveryRepository(session).request(cp.id, owner_id)
        if request is not None and request.answered_at is None:
            request.answered_at, answered = now, request.id
    record_and_wake(
        session,
        plan=plan,
        actor=actor,
        kind="evidence_given",
        now=now,
        data={
            "evidence_id": item.id,
            "type": item.type.value,
            "checkpoint": cp.number if cp else None,
            "objective_id": item.objective_id,
            "expectation_id": item.expectation_id,
            "on_behalf_of": draft.on_behalf_of,
            "answered_request": answered,
        },
    )
    return item
