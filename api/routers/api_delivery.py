"""JSON API for delivery and formative evaluation: an evidence owner's requests and their part of a plan
(giving evidence of each type, saying there is nothing this time, objectives' progress and milestones);
for coordinators the delivery overview, the evidence owners they name, recording a checkpoint and the
formative reports. Bad input is refused with every problem named by field, and nothing is written."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel

from api.deps import SessionDep
from api.permissions import CurrentPrincipal
from plans.models import utcnow
from plans.schemas_delivery import (
    CheckpointIn,
    DeliveryView,
    EvidenceIn,
    EvidenceItemOut,
    EvidenceRequestOut,
    FormativeReportOut,
    MilestoneDoneIn,
    MilestoneIn,
    MyRequestsView,
    NothingIn,
    ObjectiveDeliveryOut,
    OwnerIn,
    OwnerOut,
    OwnerView,
    ProgressIn,
)
from plans.services import delivery_actions, delivery_views, evidence_requests, formative
from plans.services.evidence_items import EvidenceDraft

router = APIRouter(prefix="/api/v1", tags=["delivery"])


class WithdrawnOut(BaseModel):
    withdrawn: int


@router.get("/evidence-requests", response_model=MyRequestsView)
def api_my_evidence_requests(session: SessionDep, principal: CurrentPrincipal) -> MyRequestsView:
    """Everything you have been asked for at formative checkpoints, on every plan, latest first."""
    return delivery_views.my_requests(session, person_id=principal.person_id, now=utcnow())


@router.get("/plans/{plan_id}/delivery/mine", response_model=OwnerView)
def api_evidence(plan_id: int, session: SessionDep, principal: CurrentPrincipal) -> OwnerView:
    """Your part of a plan's delivery: your requests, your objectives, the evidence you gave."""
    return delivery_views.owner_view(session, plan_id=plan_id, actor=principal.actor, now=utcnow())


@router.post("/plans/{plan_id}/delivery/evidence", response_model=EvidenceItemOut, status_code=201)
def api_give_evidence(
    plan_id: int, body: EvidenceIn, session: SessionDep, principal: CurrentPrincipal
) -> EvidenceItemOut:
    """Give one piece of evidence: attendance, reaction (1), learning (2), behaviour (3), results (4), a quote
    or a story; at a checkpoint it answers your request for it."""
    draft = EvidenceDraft(**body.model_dump(mode="python") | {"type": body.type.value})
    return delivery_actions.give_evidence(session, plan_id=plan_id, actor=principal.actor, draft=draft, now=utcnow())


@router.post("/plans/{plan_id}/delivery/nothing", response_model=EvidenceRequestOut)
def api_nothing_this_time(
    plan_id: int, body: NothingIn, session: SessionDep, principal: CurrentPrincipal
) -> EvidenceRequestOut:
    """Say you have no evidence for a checkpoint: the request is answered and the chase stops."""
    return delivery_actions.say_nothing(
        session,
        plan_id=plan_id,
        actor=principal.actor,
        number=body.checkpoint,
        note=body.note,
        now=utcnow(),
        on_behalf_of=body.on_behalf_of,
    )


@router.post("/plans/{plan_id}/delivery/progress", response_model=ObjectiveDeliveryOut, status_code=201)
def api_update_progress(
    plan_id: int, body: ProgressIn, session: SessionDep, principal: CurrentPrincipal
) -> ObjectiveDeliveryOut:
    """Report where an objective you own stands: red, amber or green and how far complete (a note is needed
    when red or amber or going backwards); earlier updates stay as its history."""
    return delivery_actions.report_progress(
        session,
        plan_id=plan_id,
        actor=principal.actor,
        objective_id=body.objective_id,
        status=body.status.value,
        percent_complete=body.percent_complete,
        note=body.note,
        now=utcnow(),
    )


@router.post("/plans/{plan_id}/delivery/milestones", response_model=ObjectiveDeliveryOut, status_code=201)
def api_add_milestone(
    plan_id: int, body: MilestoneIn, session: SessionDep, principal: CurrentPrincipal
) -> ObjectiveDeliveryOut:
    """Add a milestone on the way to an objective, due inside the plan's 12 months."""
    return delivery_actions.add_milestone(
        session,
        plan_id=plan_id,
        actor=principal.actor,
        objective_id=body.objective_id,
        title=body.title,
        due_on=body.due_on,
        now=utcnow(),
    )


@router.post("/plans/{plan_id}/delivery/milestones/done", response_model=ObjectiveDeliveryOut)
def api_milestone_done(
    plan_id: int, body: MilestoneDoneIn, session: SessionDep, principal: CurrentPrincipal
) -> ObjectiveDeliveryOut:
    """Mark a milestone done on the day it was done (once)."""
    return delivery_actions.complete_milestone(
        session,
        plan_id=plan_id,
        actor=principal.actor,
        milestone_id=body.milestone_id,
        done_on=body.done_on,
        now=utcnow(),
    )


@router.get("/plans/{plan_id}/delivery", response_model=DeliveryView)
def api_delivery(plan_id: int, session: SessionDep) -> DeliveryView:
    """The plan's delivery: checkpoints, who was asked and who is overdue, the evidence, objectives with
    their RAG, percentage, history and milestones, and the evidence owners (coordinators)."""
    return delivery_views.delivery_view(session, plan_id=plan_id, now=utcnow())


@router.post("/plans/{plan_id}/delivery/owners", response_model=OwnerOut, status_code=201)
def api_name_evidence_owner(plan_id: int, body: OwnerIn, session: SessionDep, principal: CurrentPrincipal) -> OwnerOut:
    """Name someone to give evidence as well as the objectives' owners; asked at once if a checkpoint's
    window is open."""
    return delivery_actions.name_owner(session, plan_id=plan_id, actor=principal.actor, email=body.email, now=utcnow())


@router.post("/plans/{plan_id}/delivery/owners/remove", response_model=WithdrawnOut)
def api_remove_evidence_owner(
    plan_id: int, body: OwnerIn, session: SessionDep, principal: CurrentPrincipal
) -> WithdrawnOut:
    """Stop asking someone you named; their unanswered requests are withdrawn (answers given stay)."""
    n = evidence_requests.remove_owner(session, plan_id=plan_id, actor=principal.actor, email=body.email, now=utcnow())
    return WithdrawnOut(withdrawn=n)


@router.post("/plans/{plan_id}/delivery/checkpoints", response_model=FormativeReportOut, status_code=201)
def api_record_checkpoint(
    plan_id: int, body: CheckpointIn, session: SessionDep, principal: CurrentPrincipal
) -> FormativeReportOut:
    """Record a formative checkpoint: what we did, what we learned, what we will change. It is published to
    the citizen panel; the report returned shows the evidence and objectives as they stand."""
    return delivery_actions.record_checkpoint(
        session,
        plan_id=plan_id,
        actor=principal.actor,
        number=body.number,
        did=body.did,
        learned=body.learned,
        change=body.change,
        attendance=body.attendance,
        now=utcnow(),
    )


@router.get("/plans/{plan_id}/delivery/formative-reports", response_model=list[FormativeReportOut])
def api_formative_reports(plan_id: int, session: SessionDep) -> list[FormativeReportOut]:
    """Every recorded checkpoint's formative report, in order (coordinators)."""
    return formative.formative_reports(session, plan_id=plan_id)
