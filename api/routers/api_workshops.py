"""JSON API for a plan's workshops, read-only: the workshops with their counts, and one workshop as the
room sees it (tables, themes with their ideas and who wrote them, each table's top three, the shortlist,
the dot vote's results with ties and the voters). For a reporting tool or the working party's own
records; the workshop is run and typed up on the pages.

The working party and coordinators may read, as on the pages; another plan's workshop answers 404.
"""

from __future__ import annotations

from fastapi import APIRouter

from api.deps import SessionDep
from api.permissions import CurrentPrincipal
from plans.schemas_workshop import PlanWorkshops, WorkshopView
from plans.services import workshop_views

router = APIRouter(prefix="/api/v1", tags=["workshops"])


@router.get("/plans/{plan_id}/workshops", response_model=PlanWorkshops)
def api_workshops(plan_id: int, session: SessionDep, principal: CurrentPrincipal) -> PlanWorkshops:
    """The plan's workshops with their counts, and whether the plan's stage lets them change."""
    return workshop_views.plan_workshops(session, plan_id=plan_id)


@router.get("/plans/{plan_id}/workshops/{workshop_id}", response_model=WorkshopView)
def api_workshop(plan_id: int, workshop_id: int, session: SessionDep, principal: CurrentPrincipal) -> WorkshopView:
    """One workshop: its tables, themes and ideas (by contributor type), top threes, shortlist and results."""
    return workshop_views.workshop_view(session, plan_id=plan_id, workshop_id=workshop_id)
