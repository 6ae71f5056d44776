"""JSON API for coordinators: plans, one plan, its audit log, gate overrides, recommendations."""

from __future__ import annotations

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from api.deps import SessionDep
from api.permissions import CurrentPrincipal
from plans.domain.gates import MIN_OVERRIDE_REASON
from plans.models import utcnow
from plans.schemas import PlanStatus, RecommendationIn
from plans.services import lifecycle, recommendations
from plans.services.dashboard import dashboard
from plans.services.plan_views import audit_log
from plans.services.plan_views import recommendations as current_recommendations
from plans.services.status import plan_status
from plans.views import AuditOut, DashboardPage, RecommendationOut

router = APIRouter(prefix="/api/v1", tags=["plans"])


class OverrideIn(BaseModel):
    reason: str = Field(min_length=1, max_length=4000, description=f"why (at least {MIN_OVERRIDE_REASON} characters)")


class OverrideOut(BaseModel):
    plan_id: int
    stage: str
    reason: str
    overridden_reasons: list[str]


class RecommendationsIn(BaseModel):
    items: list[RecommendationIn] = Field(max_length=200)


class RecommendationsSaved(BaseModel):
    plan_id: int
    version: int


@router.get("/plans", response_model=DashboardPage)
def api_plans(
    session: SessionDep,
    stage: str | None = Query(default=None, description="only plans in this stage"),
    page: int = Query(default=1, ge=1, le=100000),
) -> DashboardPage:
    """Every plan (50 a page, longest in its stage first) with its gate's reasons, who is overdue and
    live response rates."""
    return dashboard(session, now=utcnow(), stage=stage, page=page)


@router.get("/plans/{plan_id}", response_model=PlanStatus)
def api_plan(plan_id: int, session: SessionDep) -> PlanStatus:
    """One plan with its stage history."""
    return plan_status(session, plan_id=plan_id, now=utcnow())


@router.get("/plans/{plan_id}/audit", response_model=list[AuditOut])
def api_plan_audit(plan_id: int, session: SessionDep) -> list[AuditOut]:
    """Every event of the plan, oldest first."""
    return audit_log(session, plan_id=plan_id)


@router.post("/plans/{plan_id}/override", response_model=OverrideOut)
def api_override(plan_id: int, body: OverrideIn, session: SessionDep, principal: CurrentPrincipal) -> OverrideOut:
    """Let the plan past its current gate despite its reasons, with a written reason (recorded)."""
    row = lifecycle.override_gate(session, plan_id=plan_id, actor=principal.actor, reason=body.reason, now=utcnow())
    return OverrideOut(
        plan_id=plan_id, stage=row.stage.value, reason=row.reason, overridden_reasons=list(row.overridden_reasons)
    )


@router.get("/plans/{plan_id}/recommendations", response_model=list[RecommendationOut])
def api_recommendations(plan_id: int, session: SessionDep) -> list[RecommendationOut]:
    """The plan's recommendations in order, each with its evidence."""
    return current_recommendations(session, plan_id=plan_id)


@router.put("/plans/{plan_id}/recommendations", response_model=RecommendationsSaved)
def api_set_recommendations(
    plan_id: int, body: RecommendationsIn, session: SessionDep, principal: CurrentPrincipal
) -> RecommendationsSaved:
    """Replace the recommendations; after sign-off was requested this makes a new plan version."""
    version = recommendations.set_recommendations(
        session, plan_id=plan_id, actor=principal.actor, items=body.items, now=utcnow()
    )
    return RecommendationsSaved(plan_id=plan_id, version=version)
