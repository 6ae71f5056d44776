"""The evidence owners' pages: what I have been asked for on every plan, and my part of one plan's delivery,
where I give evidence (attendance, reaction, learning, behaviour, results, quotes and stories), say I
have nothing for a checkpoint, report my objectives' progress and keep their milestones. A coordinator
sees the same page for any plan and may record for any owner.

Each form posts to its own route; a refusal shows the page again with the error summary, every problem
next to its box and what was typed kept; success redirects back to the section with a one-time message.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from api.delivery_forms import STATUS, FormErrors, read_date, read_float, read_int
from api.deps import SessionDep
from api.pages import redirect, render
from api.permissions import CurrentPrincipal
from plans.domain.delivery import HINTS, EvidenceType, Rag
from plans.domain.errors import DomainError, NotFound
from plans.models import utcnow
from plans.services import delivery_actions, delivery_views
from plans.services.auth import Principal
from plans.services.evidence_items import EvidenceDraft

router = APIRouter(include_in_schema=False)
Text = Annotated[str, Form()]
RAG_COLOURS = {"red": "red", "amber": "orange", "green": "green"}


def evidence_page_response(
    request: Request,
    session: Session,
    principal: Principal,
    plan_id: int,
    *,
    errors: FormErrors | None = None,
    values: dict[str, str] | None = None,
    status: int = 200,
) -> HTMLResponse:
    view = delivery_views.owner_view(session, plan_id=plan_id, actor=principal.actor, now=utcnow())
    context: dict[str, Any] = {
        "view": view,
        "types": [(t.value, t.label, HINTS[t.value]) for t in EvidenceType],
        "rags": [r.value for r in Rag],
        "rag_colours": RAG_COLOURS,
        "errors": errors.summary if errors else [],
        "field_errors": errors.by_box if errors else {},
        "values": values or {},
    }
    return render(request, "evidence.html", context, status)


def _refused(
    request: Request,
    session: Session,
    principal: Principal,
    plan_id: int,
    errors: FormErrors,
    values: dict[str, str],
    exc: DomainError | None = None,
) -> HTMLResponse:
    if exc is not None:
        if isinstance(exc, NotFound):
            raise exc
        errors.refused(exc)
    status = STATUS.get(exc.kind, 400) if exc is not None else 422
    return evidence_page_response(request, session, principal, plan_id, errors=errors, values=values, status=status)


@router.get("/evidence", response_class=HTMLResponse)
def my_evidence_page(request: Request, session: SessionDep, principal: CurrentPrincipal) -> Response:
    view = delivery_views.my_requests(session, person_id=principal.person_id, now=utcnow())
    return render(request, "my_evidence.html", {"view": view})


@router.get("/plans/{plan_id}/evidence", response_class=HTMLResponse)
def evidence_page(request: Request, plan_id: int, session: SessionDep, principal: CurrentPrincipal) -> Response:
    return evidence_page_response(request, session, principal, plan_id)


@router.post("/plans/{plan_id}/evidence", response_class=HTMLResponse)
def evidence_form(
    request: Request,
    plan_id: int,
    session: SessionDep,
    principal: CurrentPrincipal,
    type: Text = "",  # the form's field is called type, as in the API
    summary: Text = "",
    value: Text = "",
    unit: Text = "",
    participants: Text = "",
    checkpoint: Text = "",
    objective_id: Text = "",
    expectation_id: Text = "",
    activity_id: Text = "",
    on_behalf_of: Text = "",
) -> Response:
    typed = {
        "type": type,
        "summary": summary,
        "value": value,
        "unit": unit,
        "participants": participants,
        "checkpoint": checkpoint,
        "objective_id": objective_id,
        "expectation_id": expectation_id,
        "activity_id": activity_id,
        "on_behalf_of": on_behalf_of,
    }
    values = {f"evidence-{k}": v for k, v in typed.items()}
    errors = FormErrors("evidence")
    if type not in {t.value for t in EvidenceType}:
        errors.add("type", "choose what kind of evidence this is")
    draft = EvidenceDraft(
        type=type,
        summary=summary,
        value=read_float(value, "value", errors),
        unit=unit,
        participants=read_int(participants, "participants", errors, what="how many people"),
        checkpoint=read_int(checkpoint, "checkpoint", errors),
        objective_id=read_int(objective_id, "objective_id", errors),
        expectation_id=read_int(expectation_id, "expectation_id", errors),
        activity_id=read_int(activity_id, "activity_id", errors),
        on_behalf_of=read_int(on_behalf_of, "on_behalf_of", errors),
    )
    if errors.items:
        return _refused(request, session, principal, plan_id, errors, values)
    try:
        item = delivery_actions.give_evidence(
            session, plan_id=plan_id, actor=principal.actor, draft=draft, now=utcnow()
        )
    except DomainError as exc:
        return _refused(request, session, principal, plan_id, errors, values, exc)
    where = f" for checkpoint {item.checkpoint}" if item.checkpoint else ""
    return redirect(
        f"/plans/{plan_id}/evidence#given", f"Thank you. Your {item.type_label.lower()} evidence{where} is recorded."
    )


@router.post("/plans/{plan_id}/evidence/nothing", response_class=HTMLResponse)
def nothing_form(
    request: Request,
    plan_id: int,
    session: SessionDep,
    principal: CurrentPrincipal,
    checkpoint: Text = "",
    note: Text = "",
    on_behalf_of: Text = "",
) -> Response:
    errors = FormErrors(f"nothing-{checkpoint}" if checkpoint.isdigit() else "nothing")
    values = {f"{errors.form}-note": note}
    number = read_int(checkpoint, "checkpoint", errors)
    behalf = read_int(on_behalf_of, "on_behalf_of", errors)
    if number is None and not errors.items:
        errors.add("checkpoint", "say which checkpoint you have no evidence for")
    if errors.items or number is None:
        return _refused(request, session, principal, plan_id, errors, values)
    try:
        delivery_actions.say_nothing(
            session, plan_id=plan_id, actor=principal.actor, number=number, note=note, now=utcnow(), on_behalf_of=behalf
        )
    except DomainError as exc:
        return _refused(request, session, principal, plan_id, errors, values, exc)
    return redirect(
        f"/plans/{plan_id}/evidence#requests",
        f"Noted: nothing for checkpoint {number} this time. We will not chase you for it.",
    )


@router.post("/plans/{plan_id}/progress", response_class=HTMLResponse)
def progress_form(
    request: Request,
    plan_id: int,
    session: SessionDep,
    principal: CurrentPrincipal,
    objective_id: Text = "",
    status: Text = "",
    percent_complete: Text = "",
    note: Text = "",
) -> Response:
    errors = FormErrors(f"progress-{objective_id}" if objective_id.isdigit() else "progress")
    values = {f"{errors.form}-status": status, f"{errors.form}-percent_complete": percent_complete}
    values[f"{errors.form}-note"] = note
    objective = read_int(objective_id, "objective_id", errors)
    percent = read_int(percent_complete, "percent_complete", errors, what="a percentage from 0 to 100")
    if objective is None or errors.items:
        if objective is None and not errors.items:
            errors.add("objective_id", "say which objective this is")
        return _refused(request, session, principal, plan_id, errors, values)
    try:
        o = delivery_actions.report_progress(
            session,
            plan_id=plan_id,
            actor=principal.actor,
            objective_id=objective,
            status=status,
            percent_complete=percent,
            note=note,
            now=utcnow(),
        )
    except DomainError as exc:
        return _refused(request, session, principal, plan_id, errors, values, exc)
    return redirect(
        f"/plans/{plan_id}/evidence#objective-{o.id}", f"Progress recorded: {o.status}, {o.percent_complete}% complete."
    )


@router.post("/plans/{plan_id}/milestones", response_class=HTMLResponse)
def milestone_form(
    request: Request,
    plan_id: int,
    session: SessionDep,
    principal: CurrentPrincipal,
    objective_id: Text = "",
    title: Text = "",
    due_on_day: Annotated[str, Form(alias="due_on-day")] = "",
    due_on_month: Annotated[str, Form(alias="due_on-month")] = "",
    due_on_year: Annotated[str, Form(alias="due_on-year")] = "",
) -> Response:
    errors = FormErrors(f"milestone-{objective_id}" if objective_id.isdigit() else "milestone")
    values = {f"{errors.form}-title": title, f"{errors.form}-due_on-day": due_on_day}
    values |= {f"{errors.form}-due_on-month": due_on_month, f"{errors.form}-due_on-year": due_on_year}
    objective = read_int(objective_id, "objective_id", errors)
    due_on = read_date(due_on_day, due_on_month, due_on_year, "due_on", errors)
    if objective is None or errors.items:
        if objective is None and not errors.items:
            errors.add("objective_id", "say which objective this is")
        return _refused(request, session, principal, plan_id, errors, values)
    try:
        delivery_actions.add_milestone(
            session,
            plan_id=plan_id,
            actor=principal.actor,
            objective_id=objective,
            title=title,
            due_on=due_on,
            now=utcnow(),
        )
    except DomainError as exc:
        return _refused(request, session, principal, plan_id, errors, values, exc)
    return redirect(f"/plans/{plan_id}/evidence#objective-{objective}", f"Milestone added: {title.strip()}.")


@router.post("/plans/{plan_id}/milestones/done", response_class=HTMLResponse)
def milestone_done_form(
    request: Request,
    plan_id: int,
    session: SessionDep,
    principal: CurrentPrincipal,
    milestone_id: Text = "",
    done_on_day: Annotated[str, Form(alias="done_on-day")] = "",
    done_on_month: Annotated[str, Form(alias="done_on-month")] = "",
    done_on_year: Annotated[str, Form(alias="done_on-year")] = "",
) -> Response:
    errors = FormErrors(f"done-{milestone_id}" if milestone_id.isdigit() else "done")
    values = {f"{errors.form}-done_on-day": done_on_day, f"{errors.form}-done_on-month": done_on_month}
    values[f"{errors.form}-done_on-year"] = done_on_year
    milestone = read_int(milestone_id, "milestone_id", errors)
    done_on = read_date(done_on_day, done_on_month, done_on_year, "done_on", errors)
    if milestone is None or errors.items:
        if milestone is None and not errors.items:
            errors.add("milestone_id", "say which milestone this is")
        return _refused(request, session, principal, plan_id, errors, values)
    try:
        o = delivery_actions.complete_milestone(
            session, plan_id=plan_id, actor=principal.actor, milestone_id=milestone, done_on=done_on, now=utcnow()
        )
    except DomainError as exc:
        return _refused(request, session, principal, plan_id, errors, values, exc)
    return redirect(f"/plans/{plan_id}/evidence#objective-{o.id}", "Milestone marked done.")
