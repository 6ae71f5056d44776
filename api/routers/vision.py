"""The working party's vision pages: the plans whose vision I help write, one plan's vision with its
comments and agreement, and the forms to add a statement, comment and agree.

A form that fails its checks re-renders the page with the NHS error summary and what was typed; a
refusal the person can read about (agreeing twice, the plan has moved on) does the same. Success
redirects back to the page with a one-time message.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from api.deps import SessionDep
from api.pages import redirect, render
from api.permissions import CurrentPrincipal
from plans.domain.errors import AlreadyDecided, InvalidInput, StageLocked
from plans.models import StatementKind, utcnow
from plans.services import vision
from plans.services.auth import Principal

router = APIRouter(include_in_schema=False)

KIND_LABELS = {
    StatementKind.ASPIRATION.value: "an aspiration",
    StatementKind.CURRENT_STATE.value: "what things are like now",
}


def _page(
    request: Request,
    session: Session,
    principal: Principal,
    plan_id: int,
    *,
    errors: list[dict[str, str]] | None = None,
    values: dict[str, str] | None = None,
    status: int = 200,
) -> HTMLResponse:
    """The vision page; ``errors`` are (href, text) pairs for the summary, keyed inline by field id."""
    view = vision.vision_view(session, plan_id=plan_id, viewer_id=principal.person_id, now=utcnow())
    context: dict[str, Any] = {
        "view": view,
        "errors": errors or [],
        "field_errors": {e["href"].removeprefix("#"): e["text"] for e in errors or []},
        "values": values or {},
        "max_length": vision.MAX_STATEMENT,
        "kind_labels": KIND_LABELS,
    }
    return render(request, "vision.html", context, status)


def _field_message(exc: InvalidInput) -> str:
    """The service's message without its field name, as a sentence."""
    text = exc.message.partition(": ")[2] or exc.message
    return text[:1].upper() + text[1:]


@router.get("/vision", response_class=HTMLResponse)
def my_vision_plans(request: Request, session: SessionDep, principal: CurrentPrincipal) -> Response:
    rows = vision.my_vision_plans(session, person_id=principal.person_id)
    return render(request, "vision_list.html", {"rows": rows})


@router.get("/plans/{plan_id}/vision", response_class=HTMLResponse)
def vision_page(request: Request, plan_id: int, session: SessionDep, principal: CurrentPrincipal) -> Response:
    return _page(request, session, principal, plan_id)


@router.post("/plans/{plan_id}/vision/statements", response_class=HTMLResponse)
def statement_form(
    request: Request,
    plan_id: int,
    session: SessionDep,
    principal: CurrentPrincipal,
    kind: Annotated[str, Form()] = "",
    text: Annotated[str, Form()] = "",
) -> Response:
    values = {"kind": kind, "statement-text": text}
    errors = []
    if kind not in KIND_LABELS:
        errors.append(
            {"href": "#kind", "text": "Select whether your statement is an aspiration or what things are like now"}
        )
    if not text.strip():
        errors.append({"href": "#statement-text", "text": "Enter your statement"})
    if errors:
        return _page(request, session, principal, plan_id, errors=errors, values=values, status=422)
    try:
        vision.add_statement(
            session, plan_id=plan_id, actor=principal.actor, kind=StatementKind(kind), text=text, now=utcnow()
        )
    except InvalidInput as exc:
        errors = [{"href": "#statement-text", "text": _field_message(exc)}]
        return _page(request, session, principal, plan_id, errors=errors, values=values, status=422)
    except StageLocked:
        return _moved_on(request, session, principal, plan_id)
    return redirect(f"/plans/{plan_id}/vision", f"Your statement was added as {KIND_LABELS[kind]}.")


@router.post("/plans/{plan_id}/vision/statements/{statement_id}/comments", response_class=HTMLResponse)
def comment_form(
    request: Request,
    plan_id: int,
    statement_id: int,
    session: SessionDep,
    principal: CurrentPrincipal,
    text: Annotated[str, Form()] = "",
) -> Response:
    field = f"comment-{statement_id}"
    try:
        vision.add_comment(
            session, plan_id=plan_id, statement_id=statement_id, actor=principal.actor, text=text, now=utcnow()
        )
    except InvalidInput as exc:
        errors = [{"href": f"#{field}", "text": _field_message(exc)}]
        return _page(request, session, principal, plan_id, errors=errors, values={field: text}, status=422)
    except StageLocked:
        return _moved_on(request, session, principal, plan_id)
    return redirect(f"/plans/{plan_id}/vision#statement-{statement_id}", "Your comment was added.")


@router.post("/plans/{plan_id}/vision/agree", response_class=HTMLResponse)
def agree_form(request: Request, plan_id: int, session: SessionDep, principal: CurrentPrincipal) -> Response:
    try:
        vision.agree(session, plan_id=plan_id, actor=principal.actor, now=utcnow())
    except AlreadyDecided:
        view = vision.vision_view(session, plan_id=plan_id, viewer_id=principal.person_id, now=utcnow())
        when = f" on {view.my_agreement:%d %B %Y}" if view.my_agreement else ""
        errors = [
            {"href": "#agreement", "text": f"You have already agreed this vision{when}. You only need to agree once."}
        ]
        return _page(request, session, principal, plan_id, errors=errors, status=409)
    except StageLocked:
        return _moved_on(request, session, principal, plan_id)
    return redirect(f"/plans/{plan_id}/vision", "Thank you. Your agreement with this vision is recorded.")


def _moved_on(request: Request, session: Session, principal: Principal, plan_id: int) -> HTMLResponse:
    """The page again, saying why nothing was saved: the plan left the vision stage meanwhile."""
    errors = [{"href": "#vision-status", "text": "The plan has moved on from the vision stage, so nothing was saved"}]
    return _page(request, session, principal, plan_id, errors=errors, status=409)
