"""The citizen panel's pages: the plans I sit on with what each has published, and one plan's
published outputs in full with the panel's reviews (read-only here)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from api.deps import SessionDep
from api.pages import render
from api.permissions import CurrentPrincipal
from plans.services import panel

router = APIRouter(include_in_schema=False)

VERDICTS = {"endorse": "Endorsed", "comment": "Commented", "challenge": "Challenged"}


@router.get("/panel", response_class=HTMLResponse)
def panel_home(request: Request, session: SessionDep, principal: CurrentPrincipal) -> Response:
    home = panel.panel_home(session, person_id=principal.person_id)
    return render(request, "panel_home.html", {"home": home})


@router.get("/panel/plans/{plan_id}", response_class=HTMLResponse)
def panel_plan(request: Request, plan_id: int, session: SessionDep) -> Response:
    view = panel.panel_plan(session, plan_id=plan_id)
    return render(request, "panel_plan.html", {"view": view, "verdicts": VERDICTS})
