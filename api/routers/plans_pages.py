"""The coordinator's pages: home (which sends each person to their own start page), the dashboard of
every plan, a plan's page with its history, audit log and gate override, and editing recommendations."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from api.deps import SessionDep
from api.pages import redirect, render
from api.permissions import CurrentPrincipal
from api.recommendation_forms import in_row_order, read_recommendations, recommendation_errors
from plans.domain.learning_plan import DocumentRefused
from plans.models import utcnow
from plans.services import lifecycle, recommendations
from plans.services.dashboard import dashboard as dashboard_page
from plans.services.evidence import recommendations_editor
from plans.services.home import start_page
from plans.services.plan_views import audit_log, flow_runs, sign_off
from plans.services.status import plan_status

router = APIRouter(include_in_schema=False)
BLANK_ROWS = 2


@router.get("/", response_class=HTMLResponse)
def home(principal: CurrentPrincipal, session: SessionDep) -> Response:
    return redirect(start_page(session, person_id=principal.person_id, roles=principal.roles))


@router.get("/plans", response_class=HTMLResponse)
def dashboard(request: Request, session: SessionDep, stage: str | None = None, page: int = 1) -> Response:
    view = dashboard_page(session, now=utcnow(), stage=stage or None, page=page)
    return render(request, "dashboard.html", {"view": view})


@router.get("/plans/{plan_id}", response_class=HTMLResponse)
def plan_page(request: Request, plan_id: int, session: SessionDep) -> Response:
    context = {
        "plan": plan_status(session, plan_id=plan_id, now=utcnow()),
        "audit": audit_log(session, plan_id=plan_id),
        "sign_off": sign_off(session, plan_id=plan_id),
        "runs": flow_runs(session, plan_id=plan_id),
    }
    return render(request, "plan.html", context)


@router.post("/plans/{plan_id}/override", response_class=HTMLResponse)
def override_form(
    request: Request,
    plan_id: int,
    session: SessionDep,
    principal: CurrentPrincipal,
    reason: Annotated[str, Form()] = "",
) -> Response:
    lifecycle.override_gate(session, plan_id=plan_id, actor=principal.actor, reason=reason, now=utcnow())
    return redirect(f"/plans/{plan_id}", "Override recorded. The next lifecycle run moves the plan on.")


def _recommendations(
    request: Request, session: Session, plan_id: int, rows: list[dict[str, Any]], errors: list[dict[str, str]]
) -> HTMLResponse:
    """The recommendations page with ``rows`` as shown or typed and ``errors`` for the NHS summary."""
    editor = recommendations_editor(session, plan_id=plan_id)
    delivered = {r.id: r.delivered_by for r in editor.recommendations}
    context = {
        "view": editor,
        "rows": rows,
        "delivered": delivered,
        "errors": errors,
        "field_errors": {e["href"].removeprefix("#"): e["text"] for e in errors},
    }
    return render(request, "recommendations.html", context, 422 if errors else 200)


@router.get("/plans/{plan_id}/recommendations", response_class=HTMLResponse)
def recommendations_page(request: Request, plan_id: int, session: SessionDep) -> Response:
    editor = recommendations_editor(session, plan_id=plan_id)
    rows: list[dict[str, Any]] = [
        {"id": str(r.id), "title": r.title, "detail": r.detail, "evidence": r.evidence} for r in editor.recommendations
    ]
    rows += [{"id": "", "title": "", "detail": "", "evidence": []} for _ in range(BLANK_ROWS)]
    return _recommendations(request, session, plan_id, rows, [])


@router.post("/plans/{plan_id}/recommendations", response_class=HTMLResponse)
async def recommendations_form(
    request: Request, plan_id: int, session: SessionDep, principal: CurrentPrincipal
) -> Response:
    parsed = read_recommendations(await request.form())
    try:
        if parsed.problems:  # the form's own, shown with what the service would refuse too
            problems = recommendations.problems_of(session, plan_id=plan_id, items=parsed.items)
            raise DocumentRefused(in_row_order([*parsed.problems, *problems]))
        version = recommendations.set_recommendations(
            session, plan_id=plan_id, actor=principal.actor, items=parsed.items, now=utcnow()
        )
    except DocumentRefused as exc:
        session.rollback()
        return _recommendations(request, session, plan_id, parsed.rows, recommendation_errors(exc.problems, parsed))
    return redirect(f"/plans/{plan_id}", f"Recommendations saved. The plan is at version {version}.")
