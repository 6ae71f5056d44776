"""JSON API for approvers and managers: the inbox, a plan's sign-off with decisions on it, and a team's
live response rates. The same data and actions as the inbox pages, for integrations."""

from __future__ import annotations

from fastapi import APIRouter

from api.deps import SessionDep
from api.permissions import CurrentPrincipal
from plans.domain.facts import Decision
from plans.models import utcnow
from plans.schemas_signoff import DecisionIn
from plans.services import inbox as inbox_service
from plans.services.plan_views import sign_off
from plans.services.signoff import decide
from plans.views import DecisionOut, InboxView, SignOffView, TeamView

router = APIRouter(prefix="/api/v1", tags=["inbox"])


@router.get("/inbox", response_model=InboxView)
def api_inbox(session: SessionDep, principal: CurrentPrincipal) -> InboxView:
    """What is waiting for the caller: sign-off requests addressed to them (soonest deadline first), their
    most recent decisions, and, for managers, their teams' live response rates in open surveys."""
    return inbox_service.inbox(session, person_id=principal.person_id, now=utcnow())


@router.get("/plans/{plan_id}/sign-off", response_model=SignOffView)
def api_sign_off(plan_id: int, session: SessionDep) -> SignOffView:
    """The plan's latest sign-off round (its version, content hash and deadline), the decisions so far
    and the approvers yet to decide, and the whole plan as it stands in ``document``: recommendations
    with evidence, the learning plan, the expectations register, the investment ledger, and the hash of
    that content, which a decision sends back. Only the plan's approvers see it."""
    return sign_off(session, plan_id=plan_id, with_document=True)


@router.post("/plans/{plan_id}/sign-off/decisions", response_model=DecisionOut, status_code=201)
def api_decide(plan_id: int, body: DecisionIn, session: SessionDep, principal: CurrentPrincipal) -> DecisionOut:
    """Record the caller's decision on the version under sign-off, with any expectations they add. Refused
    (409) if the version or content hash is not the one under sign-off (review it and decide again) or the
    caller already decided; a comment is required (422) to request changes or reject."""
    row = decide(
        session,
        plan_id=plan_id,
        actor=principal.actor,
        version=body.version,
        content_hash=body.content_hash,
        decision=Decision(body.decision),
        comment=body.comment,
        expectations=body.expectations,
        now=utcnow(),
    )
    return DecisionOut(
        approver=principal.name,
        decision=row.decision.value,
        comment=row.comment,
        version=row.version,
        at=row.at,
        content_hash=row.content_hash,
    )


@router.get("/teams/{team_id}", response_model=TeamView)
def api_team(team_id: int, session: SessionDep) -> TeamView:
    """A team, the teams directly below it, and the live response rates (counts and rates, never answers)
    of it and every team below it in each open survey of its organisation's plans."""
    return inbox_service.team(session, team_id=team_id, now=utcnow())
