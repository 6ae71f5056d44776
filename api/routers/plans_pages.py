"""The coordinator's pages: home (which sends each person to their own start page), the dashboard of
every plan, a plan's page with its history, audit log and gate override, and editing recommendations."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from api.deps import SessionDep
from api.pages import redirect, render
from api.permissions import CurrentPrincipal
from plans.domain.errors import InvalidInput
from plans.models import utcnow
from plans.schemas import RecommendationIn
from plans.services import lifecycle, recommendations
from plans.services.dashboard import dashboard as dashboard_page
from plans.services.home import start_page
from plans.services.plan_views import audit_log, flow_runs, sign_off
from plans.services.plan_views import recommendations as current_recommendations
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


@router.get("/plans/{plan_id}/recommendations", response_class=HTMLResponse)
def recommendations_page(request: Request, plan_id: int, session: SessionDep) -> Response:
    status = plan_status(session, plan_id=plan_id, now=utcnow())
    items = [r.model_dump() for r in current_recommendations(session, plan_id=plan_id)]
    items += [{"title": "", "detail": "", "evidence": []}] * BLANK_ROWS
    return render(request, "recommendations.html", {"plan": status, "items": items, "errors": {}})


def _parse_rows(titles: list[str], details: list[str], evidence: list[str]) -> list[RecommendationIn]:
    """The form's rows as recommendations; rows left blank are dropped, a detail without a title is not."""
    items = []
    for index, title in enumerate(titles):
        detail = details[index] if index < len(details) else ""
        refs = [r.strip() for r in (evidence[index] if index < len(evidence) else "").replace("\n", ",").split(",")]
        refs = [r for r in refs if r]
        if not title.strip() and not detail.strip() and not refs:
            continue
        if not title.strip():
            raise InvalidInput(f"recommendations[{index}].title: recommendation {index + 1} needs a title")
        try:
            items.append(RecommendationIn(title=title, detail=detail, evidence=refs))
        except ValueError as exc:
            raise InvalidInput(f"recommendations[{index}]: {exc}") from exc
    return items


@router.post("/plans/{plan_id}/recommendations", response_class=HTMLResponse)
def recommendations_form(
    request: Request,
    plan_id: int,
    session: SessionDep,
    principal: CurrentPrincipal,
    title: Annotated[list[str], Form()] = [],  # noqa: B006 (FastAPI copies defaults)
    detail: Annotated[list[str], Form()] = [],  # noqa: B006
    evidence: Annotated[list[str], Form()] = [],  # noqa: B006
) -> Response:
    try:
        items = _parse_rows(title, detail, evidence)
        version = recommendations.set_recommendations(
            session, plan_id=plan_id, actor=principal.actor, items=items, now=utcnow()
        )
    except InvalidInput as exc:
        session.rollback()
        status = plan_status(session, plan_id=plan_id, now=utcnow())
        rows = [{"title": t, "detail": d, "evidence": [e]} for t, d, e in zip(title, detail, evidence, strict=False)]
        return render(
            request, "recommendations.html", {"plan": status, "items": rows, "errors": {"form": exc.message}}, 422
        )
    return redirect(f"/plans/{plan_id}", f"Recommendations saved. The plan is at version {version}.")
