"""JSON API for the working party: read a plan's vision, add a statement, comment on one, agree.

The same services as the pages: working party members only (coordinators may read; the services
refuse their writes with 403), and only while the plan is in the vision stage (409 after).
"""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel, Field

from api.deps import SessionDep
from api.permissions import CurrentPrincipal
from plans.models import StatementKind, utcnow
from plans.services import vision
from plans.views import AgreementOut, VisionCommentOut, VisionStatementOut, VisionView

router = APIRouter(prefix="/api/v1", tags=["vision"])


class StatementIn(BaseModel):
    kind: StatementKind = Field(description='"aspiration", or "current_state" for what things are like now')
    text: str = Field(min_length=1, max_length=vision.MAX_STATEMENT, description="the statement in your own words")


class CommentIn(BaseModel):
    text: str = Field(min_length=1, max_length=vision.MAX_COMMENT, description="the comment")


@router.get("/plans/{plan_id}/vision", response_model=VisionView)
def api_vision(plan_id: int, session: SessionDep, principal: CurrentPrincipal) -> VisionView:
    """The plan's vision with its comments, who has agreed, the vision gate's reasons and what you may do."""
    return vision.vision_view(session, plan_id=plan_id, viewer_id=principal.person_id, now=utcnow())


@router.post("/plans/{plan_id}/vision/statements", response_model=VisionStatementOut, status_code=201)
def api_add_statement(
    plan_id: int, body: StatementIn, session: SessionDep, principal: CurrentPrincipal
) -> VisionStatementOut:
    """Add an aspiration or a "what things are like now" statement to the vision (working party only)."""
    row = vision.add_statement(
        session, plan_id=plan_id, actor=principal.actor, kind=body.kind, text=body.text, now=utcnow()
    )
    return vision.statement_out(session, statement=row)


@router.post(
    "/plans/{plan_id}/vision/statements/{statement_id}/comments", response_model=VisionCommentOut, status_code=201
)
def api_add_comment(
    plan_id: int, statement_id: int, body: CommentIn, session: SessionDep, principal: CurrentPrincipal
) -> VisionCommentOut:
    """Comment on one of the vision's statements (working party only; 404 for a statement of another plan)."""
    row = vision.add_comment(
        session, plan_id=plan_id, statement_id=statement_id, actor=principal.actor, text=body.text, now=utcnow()
    )
    return vision.comment_out(session, comment=row)


@router.post("/plans/{plan_id}/vision/agreements", response_model=AgreementOut, status_code=201)
def api_agree(plan_id: int, session: SessionDep, principal: CurrentPrincipal) -> AgreementOut:
    """Record that you agree the vision; once only (a second time answers 409)."""
    now = utcnow()
    vision.agree(session, plan_id=plan_id, actor=principal.actor, now=now)
    return AgreementOut(plan_id=plan_id, agreed_at=now)
