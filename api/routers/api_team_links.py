"""JSON API for a plan's team links: list them with their addresses, create one, revoke one."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter
from pydantic import BaseModel, Field

from api.deps import SessionDep
from api.permissions import CurrentPrincipal
from plans.models import utcnow
from plans.services import team_links

router = APIRouter(prefix="/api/v1", tags=["survey"])


class TeamLinkOut(BaseModel):
    id: int
    team_code: str
    team_name: str
    label: str
    created_at: datetime
    revoked_at: datetime | None
    url: str = Field(description="the address the team answers at; anyone with it can answer for the team")


class TeamLinksOut(BaseModel):
    survey_title: str | None = Field(description="the plan's open survey, or null when none is open")
    links: list[TeamLinkOut]


class TeamLinkIn(BaseModel):
    team_id: int = Field(ge=1, le=2**31 - 1)
    label: str = Field(default="", max_length=100, description="where the link is used, e.g. 'Kiosk, ward 3'")


class RevokeIn(BaseModel):
    link_id: int = Field(ge=1, le=2**31 - 1)


def _out(link: team_links.TeamLinkView) -> TeamLinkOut:
    return TeamLinkOut.model_validate(link, from_attributes=True)


@router.get("/plans/{plan_id}/team-links", response_model=TeamLinksOut)
def api_team_links(plan_id: int, session: SessionDep) -> TeamLinksOut:
    """The team links of the plan's open survey, newest first, revoked ones included."""
    view = team_links.for_plan(session, plan_id=plan_id, now=utcnow())
    return TeamLinksOut(survey_title=view.survey_title, links=[_out(link) for link in view.links])


@router.post("/plans/{plan_id}/team-links", response_model=TeamLinkOut, status_code=201)
def api_create_team_link(
    plan_id: int, body: TeamLinkIn, session: SessionDep, principal: CurrentPrincipal
) -> TeamLinkOut:
    """A new link for one team of the plan's organisation to answer the open survey (409 when none is open)."""
    link = team_links.create(
        session, plan_id=plan_id, team_id=body.team_id, label=body.label, actor=principal.actor, now=utcnow()
    )
    return _out(link)


@router.post("/plans/{plan_id}/team-links/revoke", status_code=204)
def api_revoke_team_link(plan_id: int, body: RevokeIn, session: SessionDep, principal: CurrentPrincipal) -> None:
    """Stop a team link answering (revoking it again changes nothing); 422 for a link not of this plan."""
    team_links.revoke(session, plan_id=plan_id, link_id=body.link_id, actor=principal.actor, now=utcnow())
