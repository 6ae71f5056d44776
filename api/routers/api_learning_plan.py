"""JSON API for the 12-month learning and development plan, the evidence recommendations may cite, and
traceability both ways.

The learning plan is one document: a client GETs it, changes it and PUTs the whole back (rows it keeps
carry their ids, rows it leaves out are removed). Every problem of a refused document is named at once,
by its path (``objectives[0].due_on: ... after the plan's 12 months end on ...``), with 422 and nothing
written; outside the recommendations and sign-off stages the answer is 409. Coordinators only, like the
recommendations; traceability is also open to the plan's working party, whose ideas it follows.
"""

from __future__ import annotations

from fastapi import APIRouter

from api.deps import SessionDep
from api.permissions import CurrentPrincipal
from plans.models import utcnow
from plans.schemas_learning import EvidenceChoices, LearningPlanIn, LearningPlanOut, LearningPlanSaved
from plans.schemas_traceability import TraceabilityOut
from plans.services import learning_plan
from plans.services.evidence import evidence_choices
from plans.services.traceability import traceability

router = APIRouter(prefix="/api/v1", tags=["learning plan"])


@router.get("/plans/{plan_id}/learning-plan", response_model=LearningPlanOut)
def api_learning_plan(plan_id: int, session: SessionDep) -> LearningPlanOut:
    """The learning and development plan as stored (aims, SMART objectives with the recommendations each
    delivers and their activities), the plan's 12 months, who may own an objective, the recommendations
    an objective may deliver and those no objective delivers yet."""
    return learning_plan.learning_plan(session, plan_id=plan_id)


@router.put("/plans/{plan_id}/learning-plan", response_model=LearningPlanSaved)
def api_save_learning_plan(
    plan_id: int, body: LearningPlanIn, session: SessionDep, principal: CurrentPrincipal
) -> LearningPlanSaved:
    """Replace the learning plan with this document, all or nothing. An objective names its aim by
    position in ``aims``; once a version was sent for sign-off, an edit makes the next version."""
    version = learning_plan.save_learning_plan(
        session, plan_id=plan_id, actor=principal.actor, document=body, now=utcnow()
    )
    return LearningPlanSaved(plan_id=plan_id, version=version)


@router.get("/plans/{plan_id}/evidence", response_model=EvidenceChoices)
def api_evidence_choices(plan_id: int, session: SessionDep) -> EvidenceChoices:
    """What a recommendation may cite: each baseline question with its organisation-wide finding
    (``finding:<question id>``; no figure below the reporting threshold) and each workshop theme
    (``theme:<theme id>``) with its table, dots and ideas."""
    return evidence_choices(session, plan_id=plan_id)


@router.get("/plans/{plan_id}/traceability", response_model=TraceabilityOut)
def api_traceability(plan_id: int, session: SessionDep) -> TraceabilityOut:
    """Forwards, each workshop idea through its theme to the recommendations citing it and the
    objectives delivering them; backwards, each objective to its recommendations and their evidence.
    Ideas that led nowhere and recommendations no objective delivers are listed too."""
    return traceability(session, plan_id=plan_id)
