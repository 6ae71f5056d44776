"""The coordinator's pages for what approvers sign off besides the recommendations: the return-on-
expectations register, the investment ledger, and sending the version for sign-off with a deadline.

Each form is saved whole, all or nothing: a refusal comes back as the same page with the NHS error
summary, every problem beside its box and what was typed kept; success redirects with a message saying
the version the plan is now at (saving after sending makes a new version, which needs sending again).
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from api.deps import SessionDep
from api.pages import redirect, render
from api.permissions import CurrentPrincipal
from api.sign_off_forms import ParsedRows, ledger_rows, page_errors, register_rows
from plans.domain.errors import AlreadyDecided, StageLocked
from plans.domain.expectations import KIRKPATRICK, LEVEL_HINTS
from plans.domain.field_problems import FieldProblems
from plans.domain.investment import KINDS
from plans.models import utcnow
from plans.services import expectations, investment, signoff
from plans.services.sign_off_document import document

router = APIRouter(include_in_schema=False)
BLANK_ROWS = 2
Rows = Annotated[list[str], Form()]


def _render(
    request: Request, template: str, context: dict[str, Any], errors: dict[str, str] | None, status: int = 200
) -> HTMLResponse:
    return render(request, template, {**context, "errors": errors or {}}, status)


def _register_page(
    request: Request,
    session: Session,
    plan_id: int,
    rows: list[dict[str, str]] | None = None,
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> HTMLResponse:
    view = expectations.register(session, plan_id=plan_id)
    if rows is None:
        rows = [
            {
                "id": str(e.id),
                "stakeholder_id": str(e.stakeholder_id),
                "text": e.text,
                "measure": e.measure,
                "level": str(e.level),
                "target": e.target,
            }
            for e in view.expectations
            if e.added_with_decision_on_version is None
        ]
        rows += [dict.fromkeys(("id", "stakeholder_id", "text", "measure", "level", "target"), "")] * BLANK_ROWS
    context = {"view": view, "rows": rows, "levels": KIRKPATRICK, "level_hints": LEVEL_HINTS}
    return _render(request, "expectations.html", context, errors, status)


@router.get("/plans/{plan_id}/expectations", response_class=HTMLResponse)
def expectations_page(request: Request, plan_id: int, session: SessionDep) -> Response:
    return _register_page(request, session, plan_id)


def _refused(parsed: ParsedRows[Any], exc: FieldProblems | None, prefix: str) -> dict[str, str]:
    return page_errors(exc if exc is not None else parsed.problems, parsed.rows, prefix)


@router.post("/plans/{plan_id}/expectations", response_class=HTMLResponse)
def expectations_form(
    request: Request,
    plan_id: int,
    session: SessionDep,
    principal: CurrentPrincipal,
    id: Rows = [],  # noqa: B006 (the form's field names; FastAPI copies defaults)
    stakeholder_id: Rows = [],  # noqa: B006
    text: Rows = [],  # noqa: B006
    measure: Rows = [],  # noqa: B006
    level: Rows = [],  # noqa: B006
    target: Rows = [],  # noqa: B006
) -> Response:
    form = {"id": id, "stakeholder_id": stakeholder_id, "text": text, "measure": measure}
    form |= {"level": level, "target": target}
    parsed = register_rows(form)
    try:
        parsed.problems.raise_if_any()
        version = expectations.set_register(
            session, plan_id=plan_id, actor=principal.actor, items=parsed.items, now=utcnow()
        )
    except FieldProblems as exc:
        session.rollback()
        rows = [{k: (v[i] if i < len(v) else "") for k, v in form.items()} for i in range(len(text))]
        return _register_page(request, session, plan_id, rows, _refused(parsed, exc, "exp"), 422)
    return redirect(f"/plans/{plan_id}/expectations", f"Expectations register saved. The plan is at version {version}.")


def _ledger_page(
    request: Request,
    session: Session,
    plan_id: int,
    rows: list[dict[str, str]] | None = None,
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> HTMLResponse:
    view = investment.ledger(session, plan_id=plan_id)
    blank = dict.fromkeys(("kind", "description", "contributor", "hours", "rate", "amount", "activity_id"), "")
    if rows is None:
        rows = [
            {
                "kind": line.kind,
                "description": line.description,
                "contributor": line.contributor,
                "hours": f"{line.hours:g}" if line.hours is not None else "",
                "rate": f"{line.rate_pence / 100:.2f}" if line.rate_pence is not None else "",
                "amount": f"{line.amount_pence / 100:.2f}" if line.amount_pence is not None else "",
                "activity_id": str(line.activity_id or ""),
            }
            for line in view.lines
        ]
        rows += [blank] * BLANK_ROWS
    return _render(request, "investment.html", {"view": view, "rows": rows, "kinds": KINDS}, errors, status)


@router.get("/plans/{plan_id}/investment", response_class=HTMLResponse)
def investment_page(request: Request, plan_id: int, session: SessionDep) -> Response:
    return _ledger_page(request, session, plan_id)


@router.post("/plans/{plan_id}/investment", response_class=HTMLResponse)
def investment_form(
    request: Request,
    plan_id: int,
    session: SessionDep,
    principal: CurrentPrincipal,
    kind: Rows = [],  # noqa: B006
    description: Rows = [],  # noqa: B006
    contributor: Rows = [],  # noqa: B006
    hours: Rows = [],  # noqa: B006
    rate: Rows = [],  # noqa: B006
    amount: Rows = [],  # noqa: B006
    activity_id: Rows = [],  # noqa: B006
) -> Response:
    form = {"kind": kind, "description": description, "contributor": contributor, "hours": hours}
    form |= {"rate": rate, "amount": amount, "activity_id": activity_id}
    parsed = ledger_rows(form)
    try:
        parsed.problems.raise_if_any()
        version = investment.set_ledger(
            session, plan_id=plan_id, actor=principal.actor, items=parsed.items, now=utcnow()
        )
    except FieldProblems as exc:
        session.rollback()
        rows = [{k: (v[i] if i < len(v) else "") for k, v in form.items()} for i in range(len(description))]
        return _ledger_page(request, session, plan_id, rows, _refused(parsed, exc, "line"), 422)
    return redirect(f"/plans/{plan_id}/investment", f"Investment ledger saved. The plan is at version {version}.")


def _send_page(
    request: Request,
    session: Session,
    plan_id: int,
    deadline: str = "",
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> HTMLResponse:
    view = signoff.send_view(session, plan_id=plan_id, now=utcnow())
    context = {"view": view, "deadline": deadline, "doc": document(session, plan_id=plan_id), "short": signoff.short}
    return _render(request, "send_for_sign_off.html", context, errors, status)


@router.get("/plans/{plan_id}/send-for-sign-off", response_class=HTMLResponse)
def send_page(request: Request, plan_id: int, session: SessionDep) -> Response:
    return _send_page(request, session, plan_id)


@router.post("/plans/{plan_id}/send-for-sign-off", response_class=HTMLResponse)
def send_form(
    request: Request,
    plan_id: int,
    session: SessionDep,
    principal: CurrentPrincipal,
    deadline: Annotated[str, Form()] = "",
) -> Response:
    try:
        when = date.fromisoformat(deadline.strip())
    except ValueError:
        message = "Enter the deadline as a date, for example 2027-03-31" if deadline.strip() else "Enter a deadline"
        return _send_page(request, session, plan_id, deadline, {"deadline": message}, 422)
    try:
        plan = signoff.send_for_sign_off(session, plan_id=plan_id, actor=principal.actor, deadline=when, now=utcnow())
    except FieldProblems as exc:
        session.rollback()
        errors: dict[str, str] = {}
        for path, text in exc.problems:
            key = "deadline" if path == "deadline" else "form"
            errors[key] = (errors[key] + "; " if key in errors else "") + text[:1].upper() + text[1:]
        return _send_page(request, session, plan_id, deadline, errors, 422)
    except (StageLocked, AlreadyDecided) as exc:
        session.rollback()
        message = exc.message[:1].upper() + exc.message[1:]
        return _send_page(request, session, plan_id, deadline, {"form": message}, 409)
    return redirect(
        f"/plans/{plan_id}",
        f"Version {plan.version} sent for sign-off: approvers decide by the end of {when:%-d %B %Y}.",
    )
