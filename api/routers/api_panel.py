"""JSON API for the citizen panel: the published outputs of the plans I sit on, and of one plan.

Only what the plan has published: recorded checkpoints, the summative report, the closed repeat
survey's comparison (suppressed figures carry no numbers), and the panel's reviews.
"""

from __future__ import annotations

from fastapi import APIRouter

from api.deps import SessionDep
from api.permissions import CurrentPrincipal
from plans.services import panel
from plans.views import PanelHome, PanelPlanView

router = APIRouter(prefix="/api/v1", tags=["citizen panel"])


@router.get("/panel", response_model=PanelHome)
def api_panel(session: SessionDep, principal: CurrentPrincipal) -> PanelHome:
    """Every plan on whose citizen panel you sit, with what it has published and the panel's reviews."""
    return panel.panel_home(session, person_id=principal.person_id)


@router.get("/plans/{plan_id}/panel", response_model=PanelPlanView)
def api_panel_plan(plan_id: int, session: SessionDep) -> PanelPlanView:
    """One plan's published outputs and the panel's reviews (its citizen panel and coordinators only)."""
    return panel.panel_plan(session, plan_id=plan_id)
