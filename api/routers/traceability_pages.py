"""The traceability page of a plan: from each citizen's idea, through its workshop theme and the
recommendations citing it, to the objectives it became; and from each objective back to its
recommendations and their evidence (survey findings with their figures, themes with their ideas).

Coordinators see it, and so does the plan's working party, whose ideas it follows: what became of
their voice should not need a coordinator to look it up. Nothing on it names who wrote an idea.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from api.deps import SessionDep
from api.pages import render
from api.permissions import CurrentPrincipal
from plans.domain.access import COORDINATING
from plans.services.traceability import traceability

router = APIRouter(include_in_schema=False)


@router.get("/plans/{plan_id}/traceability", response_class=HTMLResponse)
def traceability_page(request: Request, plan_id: int, session: SessionDep, principal: CurrentPrincipal) -> Response:
    view = traceability(session, plan_id=plan_id)
    coordinating = bool(principal.role_names & COORDINATING)
    return render(request, "traceability.html", {"view": view, "coordinating": coordinating})
