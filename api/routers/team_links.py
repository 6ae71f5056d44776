"""The coordinator's team links for a plan's open survey: one address a whole team answers at (a kiosk,
a shared screen, a paper round), created, listed with its address, and revoked."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from api.deps import SessionDep
from api.pages import redirect, render
from api.permissions import CurrentPrincipal
from api.routers.inbox import when
from plans.models import utcnow
from plans.services import team_links

router = APIRouter(include_in_schema=False)


@router.get("/plans/{plan_id}/team-links", response_class=HTMLResponse)
def team_links_page(request: Request, plan_id: int, session: SessionDep) -> Response:
    view = team_links.for_plan(session, plan_id=plan_id, now=utcnow())
    return render(request, "team_links.html", {"view": view, "when": when})


@router.post("/plans/{plan_id}/team-links", response_class=HTMLResponse)
def create_team_link_form(
    plan_id: int,
    session: SessionDep,
    principal: CurrentPrincipal,
    team_id: Annotated[int, Form(ge=1, le=2**31 - 1)],
    label: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    link = team_links.create(
        session, plan_id=plan_id, team_id=team_id, label=label, actor=principal.actor, now=utcnow()
    )
    return redirect(f"/plans/{plan_id}/team-links", f"Team link created for {link.team_name}.")


@router.post("/plans/{plan_id}/team-links/revoke", response_class=HTMLResponse)
def revoke_team_link_form(
    plan_id: int,
    session: SessionDep,
    principal: CurrentPrincipal,
    link_id: Annotated[int, Form(ge=1, le=2**31 - 1)],
) -> Response:
    team_links.revoke(session, plan_id=plan_id, link_id=link_id, actor=principal.actor, now=utcnow())
    return redirect(f"/plans/{plan_id}/team-links", "Team link revoked: it no longer answers the survey.")
