"""The coordinator's delivery pages: a plan's delivery at a glance (checkpoints and who answered, overdue
evidence, objectives with their RAG, percentage, milestones and history, the evidence owners, whom they
name or stop asking, and the form to record the next checkpoint), and the formative report of every
recorded checkpoint: what we did, what we learned, what we will change, with its evidence by Kirkpatrick
level and the objectives as they stood.

A refusal shows the page again with the error summary and what was typed; success redirects with a
one-time message.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from api.delivery_forms import STATUS, FormErrors, read_int
from api.deps import SessionDep
from api.pages import redirect, render
from api.permissions import CurrentPrincipal
from api.routers.delivery_pages import RAG_COLOURS
from plans.domain.errors import DomainError, NotFound
from plans.models import utcnow
from plans.services import delivery_actions, delivery_views, evidence_requests, formative

router = APIRouter(include_in_schema=False)
Text = Annotated[str, Form()]


def _delivery_page(
    request: Request,
    session: Session,
    plan_id: int,
    *,
    errors: FormErrors | None = None,
    values: dict[str, str] | None = None,
    status: int = 200,
) -> HTMLResponse:
    view = delivery_views.delivery_view(session, plan_id=plan_id, now=utcnow())
    context: dict[str, Any] = {
        "view": view,
        "rag_colours": RAG_COLOURS,
        "errors": errors.summary if errors else [],
        "field_errors": errors.by_box if errors else {},
        "values": values or {},
    }
    return render(request, "delivery.html", context, status)


def _refused(
    request: Request, session: Session, plan_id: int, errors: FormErrors, values: dict[str, str], exc: DomainError
) -> HTMLResponse:
    if isinstance(exc, NotFound) and not exc.message.startswith("number:"):
        raise exc
    errors.refused(exc)
    status = STATUS.get(exc.kind, 400)
    return _delivery_page(request, session, plan_id, errors=errors, values=values, status=status)


@router.get("/plans/{plan_id}/delivery", response_class=HTMLResponse)
def delivery_page(request: Request, plan_id: int, session: SessionDep) -> Response:
    return _delivery_page(request, session, plan_id)


@router.post("/plans/{plan_id}/evidence-owners", response_class=HTMLResponse)
def evidence_owner_form(
    request: Request, plan_id: int, session: SessionDep, principal: CurrentPrincipal, email: Text = ""
) -> Response:
    errors, values = FormErrors("owner"), {"owner-email": email}
    try:
        owner = delivery_actions.name_owner(session, plan_id=plan_id, actor=principal.actor, email=email, now=utcnow())
    except DomainError as exc:
        return _refused(request, session, plan_id, errors, values, exc)
    return redirect(
        f"/plans/{plan_id}/delivery#owners", f"{owner.name} is now an evidence owner and is asked at each checkpoint."
    )


@router.post("/plans/{plan_id}/evidence-owners/remove", response_class=HTMLResponse)
def remove_evidence_owner_form(
    request: Request, plan_id: int, session: SessionDep, principal: CurrentPrincipal, email: Text = ""
) -> Response:
    errors = FormErrors("owner")
    try:
        n = evidence_requests.remove_owner(session, plan_id=plan_id, actor=principal.actor, email=email, now=utcnow())
    except DomainError as exc:
        return _refused(request, session, plan_id, errors, {}, exc)
    withdrawn = f" {n} unanswered request(s) withdrawn." if n else ""
    return redirect(f"/plans/{plan_id}/delivery#owners", f"{email.strip()} is no longer asked for evidence.{withdrawn}")


@router.post("/plans/{plan_id}/checkpoints", response_class=HTMLResponse)
def checkpoint_form(
    request: Request,
    plan_id: int,
    session: SessionDep,
    principal: CurrentPrincipal,
    number: Text = "",
    did: Text = "",
    learned: Text = "",
    change: Text = "",
    attendance: Text = "",
) -> Response:
    errors = FormErrors("checkpoint")
    values = {"checkpoint-did": did, "checkpoint-learned": learned, "checkpoint-change": change}
    values["checkpoint-attendance"] = attendance
    n = read_int(number, "number", errors)
    people = read_int(attendance, "attendance", errors, what="how many people")
    if n is None and not errors.items:
        errors.add("number", "say which checkpoint this is")
    for name, text, what in (("did", did, "did"), ("learned", learned, "learned"), ("change", change, "will change")):
        if not text.strip():
            errors.add(name, f"say what we {what}")
    if errors.items or n is None:
        return _delivery_page(request, session, plan_id, errors=errors, values=values, status=422)
    try:
        delivery_actions.record_checkpoint(
            session,
            plan_id=plan_id,
            actor=principal.actor,
            number=n,
            did=did,
            learned=learned,
            change=change,
            attendance=people,
            now=utcnow(),
        )
    except DomainError as exc:
        return _refused(request, session, plan_id, errors, values, exc)
    return redirect(
        f"/plans/{plan_id}/formative#checkpoint-{n}",
        f"Checkpoint {n} is recorded and published to the citizen panel.",
    )


@router.get("/plans/{plan_id}/formative", response_class=HTMLResponse)
def formative_page(request: Request, plan_id: int, session: SessionDep) -> Response:
    reports = formative.formative_reports(session, plan_id=plan_id)
    view = delivery_views.delivery_view(session, plan_id=plan_id, now=utcnow())
    return render(request, "formative.html", {"view": view, "reports": reports, "rag_colours": RAG_COLOURS})
