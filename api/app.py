"""The web app: a status page for coordinators and a small JSON API, until the full web app lands.

``create_app`` wires routes, templates and the one handler that turns domain errors into status codes.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Annotated

from fastapi import Depends, FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader, select_autoescape
from sqlalchemy.orm import Session

from plans.config import settings
from plans.db import session_scope
from plans.domain.errors import DomainError
from plans.models import utcnow
from plans.repositories.audit import AuditRepository
from plans.schemas import PlanStatus
from plans.services.status import list_statuses, plan_status

TEMPLATES = Path(__file__).resolve().parent / "templates"
STATUS_CODES = {"invalid": 422, "not_found": 404, "conflict": 409, "forbidden": 403, "blocked": 409}


def get_session() -> Iterator[Session]:
    """One transaction per request: committed when the handler returns, rolled back if it raises."""
    with session_scope() as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session)]


def create_app() -> FastAPI:
    """The application with its routes and error handling."""
    app = FastAPI(title="coproduce", version="0.1.0", openapi_url="/api/v1/openapi.json", docs_url="/api/v1/docs")
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(default=True))
    templates = Jinja2Templates(env=env)

    @app.exception_handler(DomainError)
    async def domain_error(request: Request, exc: DomainError) -> JSONResponse | HTMLResponse:
        status = STATUS_CODES.get(exc.kind, 400)
        if request.url.path.startswith("/api/"):
            return JSONResponse({"error": exc.kind, "detail": exc.message}, status_code=status)
        return templates.TemplateResponse(request, "error.html", {"message": exc.message}, status_code=status)

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def dashboard(request: Request, session: SessionDep) -> HTMLResponse:
        plans = list_statuses(session, now=utcnow())
        return templates.TemplateResponse(
            request, "dashboard.html", {"plans": plans, "prefect_ui": settings.prefect_ui_url}
        )

    @app.get("/plans/{plan_id}", response_class=HTMLResponse, include_in_schema=False)
    def plan_page(request: Request, plan_id: int, session: SessionDep) -> HTMLResponse:
        status = plan_status(session, plan_id=plan_id, now=utcnow())
        audit = AuditRepository(session).for_plan(plan_id)
        return templates.TemplateResponse(
            request, "plan.html", {"plan": status, "audit": audit, "prefect_ui": settings.prefect_ui_url}
        )

    @app.get("/api/v1/plans", response_model=list[PlanStatus])
    def api_plans(session: SessionDep) -> list[PlanStatus]:
        """Every plan with its stage and the reasons its gate gives."""
        return list_statuses(session, now=utcnow())

    @app.get("/api/v1/plans/{plan_id}", response_model=PlanStatus)
    def api_plan(plan_id: int, session: SessionDep) -> PlanStatus:
        """One plan with its stage history."""
        return plan_status(session, plan_id=plan_id, now=utcnow())

    return app
