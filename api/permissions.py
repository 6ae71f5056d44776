"""Every route's permission, in one table, and the dependency that enforces it on every request.

Deny by default: a route missing from ``PERMISSIONS`` is refused (403) for everyone, the app refuses to
start with such a route, and a test lists any that lack an entry. Object rules read the route's
``plan_id`` or ``team_id``; a plan or team that is not the person's answers 404, exactly like one that
does not exist, so guessing ids reveals nothing.
"""

from __future__ import annotations

import hmac
from collections.abc import Iterator
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Request
from fastapi.routing import APIRoute

from api.deps import SessionDep, anonymous_csrf, resolve_principal
from plans.domain.access import Rule, Verdict, verdict
from plans.domain.errors import DomainError, NotFound, NotPermitted, NotSignedIn
from plans.services.access import relation
from plans.services.auth import Principal

PERMISSIONS: dict[str, Rule] = {
    # health and sign-in
    "healthz": Rule.PUBLIC,
    "sign_in_page": Rule.PUBLIC,
    "sign_in": Rule.PUBLIC,
    "request_link": Rule.PUBLIC,
    "link_page": Rule.PUBLIC,
    "use_link": Rule.PUBLIC,
    "sign_out": Rule.PUBLIC,
    "accessibility": Rule.PUBLIC,
    # answering a survey by link: the token in the path is the credential
    "answer_page": Rule.PUBLIC,
    "answer_form": Rule.PUBLIC,
    "api_survey_link": Rule.PUBLIC,
    "api_survey_answer": Rule.PUBLIC,
    # everyone signed in, on their own things
    "home": Rule.SIGNED_IN,
    "account": Rule.SIGNED_IN,
    "create_token_form": Rule.SIGNED_IN,
    "revoke_token_form": Rule.SIGNED_IN,
    "inbox": Rule.SIGNED_IN,
    "panel_home": Rule.SIGNED_IN,
    "my_vision_plans": Rule.SIGNED_IN,
    "api_me": Rule.SIGNED_IN,
    "api_inbox": Rule.SIGNED_IN,
    "api_panel": Rule.SIGNED_IN,
    "api_tokens": Rule.SIGNED_IN,
    "api_create_token": Rule.SIGNED_IN,
    "api_revoke_token": Rule.SIGNED_IN,
    # coordinators: every plan
    "dashboard": Rule.COORDINATOR,
    "plan_page": Rule.COORDINATOR,
    "override_form": Rule.COORDINATOR,
    "recommendations_page": Rule.COORDINATOR,
    "recommendations_form": Rule.COORDINATOR,
    "api_plans": Rule.COORDINATOR,
    "api_plan": Rule.COORDINATOR,
    "api_plan_audit": Rule.COORDINATOR,
    "api_override": Rule.COORDINATOR,
    "api_recommendations": Rule.COORDINATOR,
    "api_set_recommendations": Rule.COORDINATOR,
    "team_links_page": Rule.COORDINATOR,
    "create_team_link_form": Rule.COORDINATOR,
    "revoke_team_link_form": Rule.COORDINATOR,
    "api_team_links": Rule.COORDINATOR,
    "api_create_team_link": Rule.COORDINATOR,
    "api_revoke_team_link": Rule.COORDINATOR,
    "survey_page": Rule.COORDINATOR,
    "api_survey_progress": Rule.COORDINATOR,
    "api_survey_league": Rule.COORDINATOR,
    "analysis_page": Rule.COORDINATOR,
    "api_analysis": Rule.COORDINATOR,
    "staff_list_page": Rule.COORDINATOR,
    "staff_list_form": Rule.COORDINATOR,
    "plan_staff_page": Rule.COORDINATOR,
    "paper_responses_page": Rule.COORDINATOR,
    "paper_responses_form": Rule.COORDINATOR,
    "api_staff_list": Rule.COORDINATOR,
    "api_import_staff": Rule.COORDINATOR,
    "api_import_paper": Rule.COORDINATOR,
    # approvers: the sign-off requests addressed to them
    "sign_off_page": Rule.PLAN_APPROVER,
    "sign_off_form": Rule.PLAN_APPROVER,
    "api_sign_off": Rule.PLAN_APPROVER,
    "api_decide": Rule.PLAN_APPROVER,
    # managers: their teams and those below
    "team_page": Rule.TEAM_MANAGER,
    "api_team": Rule.TEAM_MANAGER,
    "api_team_surveys": Rule.TEAM_MANAGER,
    # the working party: the vision
    "vision_page": Rule.PLAN_WORKING_PARTY,
    "statement_form": Rule.PLAN_WORKING_PARTY,
    "comment_form": Rule.PLAN_WORKING_PARTY,
    "agree_form": Rule.PLAN_WORKING_PARTY,
    "api_vision": Rule.PLAN_WORKING_PARTY,
    "api_add_statement": Rule.PLAN_WORKING_PARTY,
    "api_add_comment": Rule.PLAN_WORKING_PARTY,
    "api_agree": Rule.PLAN_WORKING_PARTY,
    # the citizen panel: published outputs of their plans
    "panel_plan": Rule.PLAN_PANEL,
    "api_panel_plan": Rule.PLAN_PANEL,
}

# served by Starlette or FastAPI itself, outside the table (static files, the OpenAPI document)
FRAMEWORK_ROUTES = frozenset({"openapi", "swagger_ui_html", "swagger_ui_redirect", "redoc_html", "assets", "static"})
UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# unsafe routes that need no form token: answering a survey as JSON is authorised by the survey token in
# its path alone, never by a cookie, so a forged cross-site request could do nothing its sender could not
CSRF_EXEMPT = frozenset({"api_survey_answer"})
MAX_ID = 2**31 - 1  # ids are INTEGER columns on PostgreSQL


def _hidden(params: dict[str, str]) -> NotFound:
    if "team_id" in params:
        return NotFound(f"team {params['team_id']} was not found")
    return NotFound(f"plan {params.get('plan_id', '')} was not found")


async def _check_csrf(request: Request, principal: Principal | None, route: str | None) -> None:
    """Unsafe requests from a browser carry the form token: in a form field or the X-CSRF-Token
    header. Requests with an API token carry no ambient authority and need none, and signing out a
    session that has already ended protects nothing."""
    if request.method not in UNSAFE or (principal is not None and principal.via == "token"):
        return
    if route in CSRF_EXEMPT:
        return
    if route == "sign_out" and principal is None:
        return
    expected = principal.csrf_token if principal is not None else anonymous_csrf(request)
    given = request.headers.get("x-csrf-token")
    if given is None and request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        given = str((await request.form()).get("csrf_token") or "")
    if not expected or not given or not hmac.compare_digest(given, expected):
        raise NotPermitted(
            "This form has expired or did not come from this site (its security token is missing or wrong). "
            "Go back, reload the page and try again."
        )


async def authorize(request: Request, session: SessionDep) -> Principal | None:
    """Resolve who is asking and apply the route's rule (and the form token on unsafe requests)."""
    route = request.scope.get("route")
    name = getattr(route, "name", None)
    rule = PERMISSIONS.get(name or "")
    principal = resolve_principal(request, session)
    request.state.principal = principal
    if rule is None:
        raise NotPermitted(f"no permission is declared for {request.url.path}; it is refused")
    if rule is not Rule.PUBLIC and principal is None:
        raise NotSignedIn("Sign in to see this page.")
    await _check_csrf(request, principal, name)
    params = dict(request.path_params)
    for key, value in params.items():  # an id no database row can have is simply not found
        text = str(value)
        if key.endswith("_id") and not (text.isdigit() and 0 < int(text) <= MAX_ID):
            raise NotFound(f"{key.removesuffix('_id')} {text} was not found")
    rel = relation(session, rule=rule, person_id=principal.person_id, params=params) if principal else None
    outcome = verdict(rule, principal.role_names if principal else None, rel)
    if outcome is Verdict.FORBIDDEN:
        raise NotPermitted("You do not have permission to see this page. Ask a coordinator if you need to.")
    if outcome is Verdict.HIDDEN:
        raise _hidden(params)
    return principal


def require_principal(principal: Annotated[Principal | None, Depends(authorize)]) -> Principal:
    """The signed-in principal of a route whose rule is not public."""
    if principal is None:
        raise NotSignedIn("Sign in to see this page.")
    return principal


MaybePrincipal = Annotated[Principal | None, Depends(authorize)]
CurrentPrincipal = Annotated[Principal, Depends(require_principal)]


def all_routes(routes: list[Any]) -> Iterator[Any]:
    """Every route, including those of included routers (FastAPI 0.14x keeps those inside a wrapper)."""
    for route in routes:
        inner = getattr(route, "original_router", None)
        if inner is not None:
            yield from all_routes(list(inner.routes))
        else:
            yield route


def undeclared_routes(app: FastAPI) -> list[str]:
    """Routes that have no entry in the permission table (the app refuses to start with any)."""
    missing = []
    for route in all_routes(list(app.routes)):
        name = getattr(route, "name", "")
        if isinstance(route, APIRoute) and name not in PERMISSIONS:
            missing.append(f"{sorted(route.methods)} {route.path} ({name})")
        elif not isinstance(route, APIRoute) and name not in FRAMEWORK_ROUTES:
            missing.append(f"{getattr(route, 'path', '?')} ({name})")
    return missing


__all__ = ["PERMISSIONS", "CurrentPrincipal", "DomainError", "MaybePrincipal", "authorize", "undeclared_routes"]
