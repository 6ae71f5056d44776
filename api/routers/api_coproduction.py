"""JSON API for the co-production ladder: read a plan's ladder, record where a stage sat.

The same service as the page: the plan's working party and coordinators (approvers and the panel get
404, like any plan that is not theirs); a stage not reached, an unknown rung or a note that does not
say why answers 422 naming each field; a closed plan answers 409.
"""

from __future__ import annotations

from fastapi import APIRouter

from api.deps import SessionDep
from api.permissions import CurrentPrincipal
from plans.models import utcnow
from plans.schemas_coproduction import CoproductionIn, CoproductionRecordOut, CoproductionView
from plans.services import coproduction

router = APIRouter(prefix="/api/v1", tags=["coproduction"])


@router.get("/plans/{plan_id}/coproduction", response_model=CoproductionView)
def api_coproduction(plan_id: int, session: SessionDep, principal: CurrentPrincipal) -> CoproductionView:
    """The plan's ladder: each stage's standing record with its earlier ones, the summary (done to, for
    or with people), the rungs, and which stages you may record."""
    return coproduction.coproduction_view(session, plan_id=plan_id, actor=principal.actor)


@router.post("/plans/{plan_id}/coproduction", response_model=CoproductionRecordOut, status_code=201)
def api_record_coproduction(
    plan_id: int, body: CoproductionIn, session: SessionDep, principal: CurrentPrincipal
) -> CoproductionRecordOut:
    """Record where a stage the plan has reached sat on the ladder, with a note saying why; it stands
    for the stage, in front of the earlier records."""
    row = coproduction.record(
        session,
        plan_id=plan_id,
        actor=principal.actor,
        stage=body.stage,
        rung=body.rung,
        note=body.note,
        now=utcnow(),
    )
    return coproduction.record_out(session, record=row)
