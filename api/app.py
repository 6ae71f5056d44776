"""The web app: pages for coordinators, managers, approvers, the working party and the citizen panel,
and a JSON API under /api/v1 for every action a page can take.

``create_app`` wires the routers, the permission check that runs on every route, and the handlers that
turn domain errors into a status code with a readable page (or a JSON body under /api/).
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import Depends, FastAPI, Request
from fastapi.exception_handlers import request_validation_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from pydantic import BaseModel, Field
from sqlalchemy.exc import OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

from api.admission import DatabaseAdmission
from api.deps import SessionDep
from api.guards import RefuseNul
from api.pages import redirect, render
from api.permissions import authorize, undeclared_routes
from api.routers import (
    account,
    analysis_pages,
    api_account,
    api_analysis,
    api_coproduction,
    api_delivery,
    api_imports,
    api_inbox,
    api_learning_plan,
    api_panel,
    api_plans,
    api_sign_off_setup,
    api_summative,
    api_survey,
    api_survey_public,
    api_team_links,
    api_vision,
    api_workshops,
    coproduction_pages,
    delivery_admin_pages,
    delivery_pages,
    imports,
    inbox,
    learning_plan_pages,
    panel,
    panel_admin_pages,
    plans_pages,
    report_pages,
    sign_in,
    sign_off_setup_pages,
    summative_pages,
    survey_pages,
    survey_public,
    team_links,
    traceability_pages,
    vision,
    workshop_pages,
    workshop_theme_pages,
    workshop_vote_pages,
)
from api.web import mount_assets
from plans.db import connections_per_process
from plans.domain.errors import DomainError
from plans.services import health

STATUS_CODES = {
    "invalid": 422,
    "not_found": 404,
    "conflict": 409,
    "forbidden": 403,
    "blocked": 409,
    "unauthenticated": 401,
    "rate_limited": 429,
}
TITLES = {
    401: "Sign in to continue",
    403: "You do not have permission",
    404: "Page not found",
    409: "That could not be done",
    422: "There is a problem",
    429: "Too many attempts",
    503: "Sorry, the service is unavailable",
}


class ErrorOut(BaseModel):
    """The body of every refusal under /api/: the kind of refusal and a sentence saying why."""

    error: str = Field(description="unauthenticated, forbidden, not_found, conflict, blocked, invalid or http")
    detail: str


class FieldProblem(BaseModel):
    """One part of a request that does not fit: where it is, what is wrong and the kind of problem."""

    loc: list[str | int]
    msg: str
    type: str


class RequestProblems(BaseModel):
    """A request that does not fit the operation's parameters or body, field by field."""

    detail: list[FieldProblem]


log = logging.getLogger("coproduce.web")

# documented once for every JSON operation: the domain error handler below answers these
API_ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorOut, "description": "The body is not JSON"},
    401: {"model": ErrorOut, "description": "No valid API token or session"},
    403: {"model": ErrorOut, "description": "Not permitted, or a session request without its form token"},
    404: {"model": ErrorOut, "description": "No such object, or one that is not yours"},
    409: {"model": ErrorOut, "description": "Refused in the object's current state"},
    422: {"model": ErrorOut | RequestProblems, "description": "The request does not fit, or its values are refused"},
    503: {"model": ErrorOut, "description": "The database could not be reached: nothing was saved, try again"},
}
UNAVAILABLE = "The database could not be reached, so nothing was saved. Try again in a minute."


def _is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def _error_page(request: Request, status: int, message: str) -> HTMLResponse:
    return render(
        request,
        "error.html",
        {"title": TITLES.get(status, "Sorry, there is a problem"), "message": message},
        status=status,
    )


def create_app() -> FastAPI:
    """The application with its routes, permission checks and error handling."""
    app = FastAPI(
        title="coproduce",
        version="0.1.0",
        description="Co-produced learning and action plans: the JSON API behind every page.",
        openapi_url="/api/v1/openapi.json",
        docs_url="/api/v1/docs",
        redoc_url=None,
        dependencies=[Depends(authorize)],
    )
    app.add_middleware(RefuseNul)
    app.add_middleware(DatabaseAdmission, slots=connections_per_process())
    app.add_middleware(survey_public.PrivateSurveyPages)
    mount_assets(app)
    # routes are matched in order: the survey intake, the busiest by far, first
    for router in (
        api_survey_public,
        survey_public,
        sign_in,
        account,
        plans_pages,
        inbox,
        vision,
        panel,
        panel_admin_pages,
        api_account,
        api_plans,
        api_inbox,
        api_vision,
        api_panel,
        survey_pages,
        api_survey,
        analysis_pages,
        api_analysis,
        summative_pages,
        report_pages,
        api_summative,
        team_links,
        api_team_links,
        imports,
        api_imports,
        coproduction_pages,
        api_coproduction,
        workshop_pages,
        workshop_theme_pages,
        workshop_vote_pages,
        api_workshops,
        delivery_pages,
        delivery_admin_pages,
        api_delivery,
        sign_off_setup_pages,
        api_sign_off_setup,
        learning_plan_pages,
        traceability_pages,
        api_learning_plan,
    ):
        app.include_router(router.router, responses=API_ERRORS if router.router.prefix.startswith("/api/") else None)

    @app.exception_handler(DomainError)
    async def domain_error(request: Request, exc: DomainError) -> Response:
        status = STATUS_CODES.get(exc.kind, 400)
        if _is_api(request):
            headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
            return JSONResponse({"error": exc.kind, "detail": exc.message}, status_code=status, headers=headers)
        if status == 401:
            target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            return RedirectResponse(f"/sign-in?next={target}", status_code=303)
        return _error_page(request, status, exc.message)

    @app.exception_handler(OperationalError)
    async def database_unavailable(request: Request, exc: OperationalError) -> Response:
        """The database went away during the request (a dropped connection, a server restarting, a
        lock held past the busy timeout): the request's transaction was rolled back, so nothing of it was
        saved. Said in words, with when to try again, never as a bare 500."""
        log.warning("database unavailable during %s %s: %s", request.method, request.url.path, exc.orig or exc)
        headers = {"Retry-After": "30"}
        if _is_api(request):
            return JSONResponse({"error": "unavailable", "detail": UNAVAILABLE}, status_code=503, headers=headers)
        page = _error_page(request, 503, UNAVAILABLE)
        page.headers.update(headers)
        return page

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if _is_api(request):
            return JSONResponse({"error": "http", "detail": exc.detail}, status_code=exc.status_code)
        message = "Check the address is right." if exc.status_code == 404 else str(exc.detail)
        return _error_page(request, exc.status_code, message)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> Response:
        if _is_api(request):
            return await request_validation_exception_handler(request, exc)
        problems = [f"{'.'.join(str(p) for p in e['loc'][1:]) or 'request'}: {e['msg']}" for e in exc.errors()]
        return _error_page(request, 422, "; ".join(problems))

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> dict[str, str]:
        """Liveness: the process answers (it touches nothing else)."""
        return {"status": "ok"}

    @app.get("/readyz", include_in_schema=False)
    def readyz(session: SessionDep) -> JSONResponse:
        """Readiness: the database answers and is at this version's schema (docs/operations.md)."""
        state = health.readiness(session)
        body = {"status": "ready" if state.ready else "not ready", "schema": state.schema, "reason": state.reason}
        return JSONResponse(body, status_code=200 if state.ready else 503)

    @app.get("/accessibility", response_class=HTMLResponse, include_in_schema=False)
    def accessibility(request: Request) -> HTMLResponse:
        return render(request, "accessibility.html")

    missing = undeclared_routes(app)
    if missing:
        raise RuntimeError(f"routes without a declared permission (api/permissions.py): {missing}")
    return app


__all__ = ["create_app", "redirect"]
