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
from fastapi.concurrency import run_in_threadpool
from fastapi.routing import APIRoute

from api.deps import SESSION_COOKIE, SessionDep, anonymous_csrf, resolve_principal
from plans.domain.access import Rule, Verdict, verdict
from plans.domain.errors import DomainError, NotFound, NotPermitted, NotSignedIn
from plans.services.access import relation
from plans.services.auth import Principal

PERMISSIONS: dict[str, Rule] = {
    # health and sign-in
    "healthz": Rule.PUBLIC,
    "readyz": Rule.PUBLIC,
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
    # coordinators: what approvers sign off besides the recommendations, and sending it
    "expectations_page": Rule.COORDINATOR,
    "expectations_form": Rule.COORDINATOR,
    "investment_page": Rule.COORDINATOR,
    "investment_form": Rule.COORDINATOR,
    "send_page": Rule.COORDINATOR,
    "send_form": Rule.COORDINATOR,
    "api_expectations": Rule.COORDINATOR,
    "api_set_expectations": Rule.COORDINATOR,
    "api_investment": Rule.COORDINATOR,
    "api_set_investment": Rule.COORDINATOR,
    "api_sign_off_request": Rule.COORDINATOR,
    "api_send_for_sign_off": Rule.COORDINATOR,
    # the summative evaluation and the final report
    "summative_page": Rule.COORDINATOR,
    "summative_judgement_form": Rule.COORDINATOR,
    "summative_benefits_form": Rule.COORDINATOR,
    "summative_retrospective_form": Rule.COORDINATOR,
    "report_page": Rule.COORDINATOR,
    "report_pdf_download": Rule.COORDINATOR,
    "report_csv": Rule.COORDINATOR,
    "api_summative": Rule.COORDINATOR,
    "api_judge": Rule.COORDINATOR,
    "api_set_benefits": Rule.COORDINATOR,
    "api_retrospective": Rule.COORDINATOR,
    "api_final_report": Rule.COORDINATOR,
    "panel_report_page": Rule.PLAN_PANEL,
    "panel_report_pdf": Rule.PLAN_PANEL,
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
    # the working party (and coordinators, who may record too): the co-production ladder
    "coproduction_page": Rule.PLAN_WORKING_PARTY,
    "coproduction_form": Rule.PLAN_WORKING_PARTY,
    "api_coproduction": Rule.PLAN_WORKING_PARTY,
    "api_record_coproduction": Rule.PLAN_WORKING_PARTY,
    # the 12-month learning and development plan: coordinators, like the recommendations it delivers
    "learning_plan_page": Rule.COORDINATOR,
    "aims_page": Rule.COORDINATOR,
    "aims_form": Rule.COORDINATOR,
    "objective_page": Rule.COORDINATOR,
    "objective_form": Rule.COORDINATOR,
    "remove_objective_form": Rule.COORDINATOR,
    "api_learning_plan": Rule.COORDINATOR,
    "api_save_learning_plan": Rule.COORDINATOR,
    "api_evidence_choices": Rule.COORDINATOR,
    # traceability: coordinators, and the working party whose ideas it follows
    "traceability_page": Rule.PLAN_WORKING_PARTY,
    "api_traceability": Rule.PLAN_WORKING_PARTY,
    # workshops: the working party reads them; coordinators set them up, run them and import typed-up notes
    "workshops_page": Rule.PLAN_WORKING_PARTY,
    "workshop_page": Rule.PLAN_WORKING_PARTY,
    "vote_page": Rule.PLAN_WORKING_PARTY,
    "create_workshop_form": Rule.COORDINATOR,
    "add_table_form": Rule.COORDINATOR,
    "add_idea_form": Rule.COORDINATOR,
    "edit_idea_form": Rule.COORDINATOR,
    "remove_idea_form": Rule.COORDINATOR,
    "add_theme_form": Rule.COORDINATOR,
    "edit_theme_form": Rule.COORDINATOR,
    "remove_theme_form": Rule.COORDINATOR,
    "move_ideas_form": Rule.COORDINATOR,
    "top_three_form": Rule.COORDINATOR,
    "vote_form": Rule.COORDINATOR,
    "withdraw_votes_form": Rule.COORDINATOR,
    "notes_import_page": Rule.COORDINATOR,
    "notes_import_form": Rule.COORDINATOR,
    "api_workshops": Rule.PLAN_WORKING_PARTY,
    "api_workshop": Rule.PLAN_WORKING_PARTY,
    "api_create_workshop": Rule.COORDINATOR,
    "api_add_table": Rule.COORDINATOR,
    "api_add_idea": Rule.COORDINATOR,
    "api_edit_idea": Rule.COORDINATOR,
    "api_remove_idea": Rule.COORDINATOR,
    "api_add_theme": Rule.COORDINATOR,
    "api_edit_theme": Rule.COORDINATOR,
    "api_remove_theme": Rule.COORDINATOR,
    "api_move_ideas": Rule.COORDINATOR,
    "api_set_top_three": Rule.COORDINATOR,
    "api_cast_dots": Rule.COORDINATOR,
    "api_withdraw_dots": Rule.COORDINATOR,
    "api_import_notes": Rule.COORDINATOR,
    # the citizen panel: published outputs of their plans, their reviews (members only: the service refuses
    # a coordinator's), and "you said, we did"
    "panel_plan": Rule.PLAN_PANEL,
    "api_panel_plan": Rule.PLAN_PANEL,
    "panel_review_form": Rule.PLAN_PANEL,
    "api_panel_review": Rule.PLAN_PANEL,
    "you_said_we_did_page": Rule.PLAN_PANEL,
    "api_you_said_we_did": Rule.PLAN_PANEL,
    # coordinators: the panel's record, publishing to it, and answering its challenges
    "panel_admin_page": Rule.COORDINATOR,
    "panel_answer_form": Rule.COORDINATOR,
    "panel_publish_form": Rule.COORDINATOR,
    "api_panel_admin": Rule.COORDINATOR,
    "api_panel_answer": Rule.COORDINATOR,
    "api_panel_publish": Rule.COORDINATOR,
    # delivery: evidence owners (objective owners and people named) give evidence and report progress at
    # formative checkpoints; the services check an objective is theirs. Coordinators see and record all.
    "my_evidence_page": Rule.SIGNED_IN,
    "api_my_evidence_requests": Rule.SIGNED_IN,
    "evidence_page": Rule.PLAN_EVIDENCE_OWNER,
    "evidence_form": Rule.PLAN_EVIDENCE_OWNER,
    "nothing_form": Rule.PLAN_EVIDENCE_OWNER,
    "progress_form": Rule.PLAN_EVIDENCE_OWNER,
    "milestone_form": Rule.PLAN_EVIDENCE_OWNER,
    "milestone_done_form": Rule.PLAN_EVIDENCE_OWNER,
    "api_evidence": Rule.PLAN_EVIDENCE_OWNER,
    "api_give_evidence": Rule.PLAN_EVIDENCE_OWNER,
    "api_nothing_this_time": Rule.PLAN_EVIDENCE_OWNER,
    "api_update_progress": Rule.PLAN_EVIDENCE_OWNER,
    "api_add_milestone": Rule.PLAN_EVIDENCE_OWNER,
    "api_milestone_done": Rule.PLAN_EVIDENCE_OWNER,
    # coordinators: the delivery overview, evidence owners named, checkpoints recorded, formative reports
    "delivery_page": Rule.COORDINATOR,
    "evidence_owner_form": Rule.COORDINATOR,
    "remove_evidence_owner_form": Rule.COORDINATOR,
    "checkpoint_form": Rule.COORDINATOR,
    "formative_page": Rule.COORDINATOR,
    "api_delivery": Rule.COORDINATOR,
    "api_name_evidence_owner": Rule.COORDINATOR,
    "api_remove_evidence_owner": Rule.COORDINATOR,
    "api_record_checkpoint": Rule.COORDINATOR,
    "api_formative_reports": Rule.COORDINATOR,
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


def _credentials(request: Request) -> bool:
    """Whether the request carries a session cookie or an API token (else there is no one to look up)."""
    return SESSION_COOKIE in request.cookies or request.headers.get("authorization", "").lower().startswith("bearer ")


async def authorize(request: Request, session: SessionDep) -> Principal | None:
    """Resolve who is asking and apply the route's rule (and the form token on unsafe requests)."""
    route = request.scope.get("route")
    name = getattr(route, "name", None)
    rule = PERMISSIONS.get(name or "")
    # the queries run in a worker thread, never on the event loop: a session's once-a-minute touch
    # (last_seen_at) takes a row lock until its request commits, and a second request of the same
    # session waiting for that lock on the loop stopped the loop the first needs to commit (bench.soak:
    # a coordinator's pages at 100 requests a second; both web workers stood still for good)
    principal = await run_in_threadpool(resolve_principal, request, session) if _credentials(request) else None
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
    rel = (
        await run_in_threadpool(relation, session, rule=rule, person_id=principal.person_id, params=params)
        if principal
        else None
    )
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
