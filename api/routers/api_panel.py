"""JSON API for the citizen panel: the published outputs of the plans I sit on, and of one plan; a member's
review of an output; "you said, we did"; and for coordinators the panel's record, publishing and answers.

Only what the plan has published: recorded checkpoints, the summative report, the closed repeat
survey's comparison (suppressed figures carry no numbers), and the panel's reviews.
"""

from __future__ import annotations

from fastapi import APIRouter

from api.deps import SessionDep
from api.permissions import CurrentPrincipal
from plans.models import Verdict, utcnow
from plans.schemas_panel import (
    ExchangeOut,
    PanelAdminView,
    PanelResponseIn,
    PanelReviewIn,
    PublishedOut,
    PublishIn,
    YouSaidWeDid,
)
from plans.services import panel
from plans.services.panel_publishing import publish_request
from plans.services.panel_record import exchange
from plans.services.panel_reviews import respond_to_challenge, review
from plans.views import PanelHome, PanelPlanView, PublicationOut

router = APIRouter(prefix="/api/v1", tags=["citizen panel"])


@router.get("/panel", response_model=PanelHome)
def api_panel(session: SessionDep, principal: CurrentPrincipal) -> PanelHome:
    """Every plan on whose citizen panel you sit, with what it has published and the panel's reviews."""
    return panel.panel_home(session, person_id=principal.person_id)


@router.get("/plans/{plan_id}/panel", response_model=PanelPlanView)
def api_panel_plan(plan_id: int, session: SessionDep, principal: CurrentPrincipal) -> PanelPlanView:
    """One plan's published outputs and the panel's reviews (its citizen panel and coordinators only)."""
    return panel.panel_plan(session, plan_id=plan_id, viewer_id=principal.person_id)


@router.post("/plans/{plan_id}/panel/reviews", response_model=ExchangeOut, status_code=201)
def api_panel_review(
    plan_id: int, body: PanelReviewIn, session: SessionDep, principal: CurrentPrincipal
) -> ExchangeOut:
    """Endorse, comment on or challenge one published output (members of the plan's panel, once each)."""
    row = review(
        session,
        plan_id=plan_id,
        actor=principal.actor,
        output=body.output,
        verdict=Verdict(body.verdict),
        text=body.text,
        now=utcnow(),
    )
    return exchange(session, plan_id=plan_id, review_id=row.id)


@router.get("/plans/{plan_id}/panel/you-said-we-did", response_model=YouSaidWeDid)
def api_you_said_we_did(plan_id: int, session: SessionDep) -> YouSaidWeDid:
    """Every challenge and comment of the panel with the coordinator's answers, oldest first."""
    return panel.you_said_we_did(session, plan_id=plan_id)


@router.get("/plans/{plan_id}/panel/admin", response_model=PanelAdminView)
def api_panel_admin(plan_id: int, session: SessionDep) -> PanelAdminView:
    """The panel's record, the outputs ready to publish, and what awaits an answer (coordinators)."""
    return panel.panel_admin(session, plan_id=plan_id)


@router.post("/plans/{plan_id}/panel/responses", response_model=ExchangeOut)
def api_panel_answer(
    plan_id: int, body: PanelResponseIn, session: SessionDep, principal: CurrentPrincipal
) -> ExchangeOut:
    """Answer a challenge or comment in writing, once; the member is emailed the answer."""
    row = respond_to_challenge(
        session, plan_id=plan_id, actor=principal.actor, review_id=body.review_id, response=body.response, now=utcnow()
    )
    return exchange(session, plan_id=plan_id, review_id=row.id)


@router.post("/plans/{plan_id}/panel/publish", response_model=PublishedOut)
def api_panel_publish(plan_id: int, body: PublishIn, session: SessionDep, principal: CurrentPrincipal) -> PublishedOut:
    """Publish one output (or every ready one when ``output`` is left out) and email the panel once."""
    made = publish_request(session, plan_id=plan_id, output=body.output, actor=principal.actor, now=utcnow())
    return PublishedOut(
        published=[PublicationOut(output=p.output, title=p.title, published_at=p.published_at) for p in made]
    )
