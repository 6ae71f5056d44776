"""JSON API for approvers and managers: the inbox, a plan's sign-off with decisions on it, and a team's
live response rates. The same data and actions as the inbox pages, for integrations."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter
from pydantic import BaseModel, Field

from api.deps import SessionDep
from api.permissions import CurrentPrincipal
from plans.domain.facts import Decision
from plans.models import utcnow
from plans.services import inbox as inbox_service
from plans.services.plan_views import sign_off
from plans.services.recommendations import decide
from plans.views import DecisionOut, InboxView, SignOffView, TeamView

router = APIRouter(prefix="/api/v1", tags=["inbox"])


class DecisionIn(BaseModel):
    version: int = Field(ge=1, le=1_000_000, description="the plan version reviewed; refused if the plan has moved on")
    decision: Literal["approve", "request_changes", "reject"]
    comment: str = Field(default="", max_length=4000, description="required to request changes or reject")


@router.get("/inbox", response_model=InboxView)
def api_inbox(session: SessionDep, principal: CurrentPrincipal) -> InboxView:
    """What is waiting for the caller: sign-off requests addressed to them (soonest deadline first), their
    most recent decisions, and, for managers, their teams' live response rates in open surveys."""
    return inbox_service.inbox(session, person_id=principal.person_id, now=utcnow())


@router.get("/plans/{plan_id}/sign-off", response_model=SignOffView)
def api_sign_off(plan_id: int, session: SessionDep) -> SignOffView:
    """The plan's latest sign-off round: the version and its content hash, the recommendations with their
    evidence, the decisions so far and the approvers yet to decide. Only the plan's approvers see it."""
    return sign_off(session, plan_id=plan_id)


@router.post("/plans/{plan_id}/sign-off/decisions", response_model=DecisionOut, status_code=201)
def api_decide(plan_id: int, body: DecisionIn, session: SessionDep, principal: CurrentPrincipal) -> DecisionOut:
    """Record the caller's decision on the version under sign-off. Refused (409) if that version is no longer
    the one under sign-off or the caller already decided; a comment is required (422) to request changes
    or reject."""
    row = decide(
        session,
        plan_id=plan_id,
        actor=principal.actor,
        version=body.version,
        decision=Decision(body.decision),
        comment=body.comment,
        now=utcnow(),
    )
    return DecisionOut(
        approver=principal.name, decision=row.decision.value, comment=row.comment, version=row.version, at=row.at
    )


@router.get("/teams/{team_id}", response_model=TeamView)
def api_team(team_id: int, session: SessionDep) -> TeamView:
    """A team, the teams directly below it, and the live response rates (counts and rates, never answers)
    of it and every team below it in each open survey of its organisation's plans."""
    return inbox_service.team(session, team_id=team_id, now=utcnow())
