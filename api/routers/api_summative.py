"""JSON API for the summative evaluation and the final report: read the register with its evidence,
chains and judgements and the return on investment; judge an expectation; save the benefits; write the
retrospective; read the final report as data.

Coordinators only (others get 403, a plan that does not exist 404). Bad input answers 422 naming each
field (``benefits[2].isolation_method``); a plan outside its summative evaluation, or a judgement or
retrospective already recorded, answers 409.
"""

from __future__ import annotations

from fastapi import APIRouter

from api.deps import SessionDep
from api.permissions import CurrentPrincipal
from plans.models import utcnow
from plans.schemas_report import FinalReport
from plans.schemas_summative import (
    BenefitsIn,
    ExpectationJudgedOut,
    JudgementOf,
    RetrospectiveIn,
    RetrospectiveOut,
    RoiOut,
    SummativeView,
)
from plans.services import summative
from plans.services.final_report import final_report

router = APIRouter(prefix="/api/v1", tags=["summative"])


@router.get("/plans/{plan_id}/summative", response_model=SummativeView)
def api_summative(plan_id: int, session: SessionDep, principal: CurrentPrincipal) -> SummativeView:
    """Every expectation with its evidence, chain of evidence and judgement; the benefits and the return
    on investment; the retrospective."""
    return summative.summative_view(session, plan_id=plan_id)


@router.post("/plans/{plan_id}/judgements", response_model=ExpectationJudgedOut, status_code=201)
def api_judge(
    plan_id: int, body: JudgementOf, session: SessionDep, principal: CurrentPrincipal
) -> ExpectationJudgedOut:
    """Judge one expectation of the plan's register met, partly met or not met, saying what the evidence
    shows; the answer carries its chain of evidence and a caution if the linked evidence cannot carry it."""
    return summative.judge(
        session,
        plan_id=plan_id,
        actor=principal.actor,
        expectation_id=body.expectation_id,
        judgement=body.judgement,
        evidence=body.evidence,
        now=utcnow(),
    )


@router.put("/plans/{plan_id}/benefits", response_model=RoiOut)
def api_set_benefits(plan_id: int, body: BenefitsIn, session: SessionDep, principal: CurrentPrincipal) -> RoiOut:
    """Replace the plan's benefits, all or nothing; answers the return on investment against the ledger."""
    return summative.set_benefits(session, plan_id=plan_id, actor=principal.actor, items=body.benefits, now=utcnow())


@router.post("/plans/{plan_id}/retrospective", response_model=RetrospectiveOut, status_code=201)
def api_retrospective(
    plan_id: int, body: RetrospectiveIn, session: SessionDep, principal: CurrentPrincipal
) -> RetrospectiveOut:
    """Write the retrospective once (what we did, learned, are pleased about, could have done
    differently); it publishes the summative report to the citizen panel."""
    return summative.write_retrospective(session, plan_id=plan_id, actor=principal.actor, body=body, now=utcnow())


@router.get("/plans/{plan_id}/report", response_model=FinalReport)
def api_final_report(plan_id: int, session: SessionDep, principal: CurrentPrincipal) -> FinalReport:
    """Everything the final report shows, as data (a draft until the plan closes)."""
    return final_report(session, plan_id=plan_id, now=utcnow())
