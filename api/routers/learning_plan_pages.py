"""The coordinator's pages for the 12-month learning and development plan: the plan as a whole (aims,
their SMART objectives, each objective's activities and the recommendations it delivers), the aims'
form, and one objective's form with its activities.

Each form changes one part of the stored document and the service checks the whole of it, so a
refusal names every problem; the page comes back with the NHS error summary, each message linked to
its box and what was typed kept, and nothing is saved. Success redirects with a one-time message.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from api.deps import SessionDep
from api.learning_forms import (
    BLANK_ACTIVITIES,
    FormErrors,
    aim_errors,
    objective_errors,
    read_aims,
    read_objective,
)
from api.pages import redirect, render
from api.permissions import CurrentPrincipal
from plans.domain.learning_plan import ACTIVITY_KINDS, DocumentRefused
from plans.models import utcnow
from plans.services import learning_plan

router = APIRouter(include_in_schema=False)
BLANK_AIMS = 2
KIND_HINTS = {
    "skills": "Being able to do something, for example running a listening session",
    "knowledge": "Knowing or understanding something, for example what the survey found",
    "experience": "Doing it for real, for example shadowing a citizen or co-chairing a meeting",
}


def _url(plan_id: int, rest: str = "") -> str:
    return f"/plans/{plan_id}/learning-plan{rest}"


@router.get("/plans/{plan_id}/learning-plan", response_class=HTMLResponse)
def learning_plan_page(request: Request, plan_id: int, session: SessionDep) -> Response:
    view = learning_plan.learning_plan(session, plan_id=plan_id)
    return render(request, "learning_plan.html", {"view": view, "owners": {p.id: p.name for p in view.people}})


# ------------------------------------------------------------------ aims


def _aims_page(
    request: Request, session: Session, plan_id: int, rows: list[dict[str, str]], errors: FormErrors, status: int
) -> HTMLResponse:
    view = learning_plan.learning_plan(session, plan_id=plan_id)
    under = {a.id: sum(1 for o in view.objectives if o.aim == i) for i, a in enumerate(view.aims)}
    context: dict[str, Any] = {
        "view": view,
        "rows": rows,
        "under": under,
        "errors": errors.summary,
        "field_errors": errors.by_box,
    }
    return render(request, "learning_aims.html", context, status)


@router.get("/plans/{plan_id}/learning-plan/aims", response_class=HTMLResponse)
def aims_page(request: Request, plan_id: int, session: SessionDep) -> Response:
    view = learning_plan.learning_plan(session, plan_id=plan_id)
    rows = [{"id": str(a.id), "title": a.title, "description": a.description} for a in view.aims]
    rows += [{"id": "", "title": "", "description": ""}] * BLANK_AIMS
    return _aims_page(request, session, plan_id, rows, FormErrors(), 200)


@router.post("/plans/{plan_id}/learning-plan/aims", response_class=HTMLResponse)
async def aims_form(request: Request, plan_id: int, session: SessionDep, principal: CurrentPrincipal) -> Response:
    parsed = read_aims(await request.form())
    try:
        version = learning_plan.save_aims(
            session, plan_id=plan_id, actor=principal.actor, aims=parsed.aims, now=utcnow()
        )
    except DocumentRefused as exc:
        session.rollback()
        return _aims_page(request, session, plan_id, parsed.rows, aim_errors(exc.problems, parsed), 422)
    return redirect(_url(plan_id), f"Aims saved. The plan is at version {version}.")


# ------------------------------------------------------------------ one objective


def _objective_page(
    request: Request,
    session: Session,
    plan_id: int,
    values: dict[str, Any],
    activities: list[dict[str, Any]],
    errors: FormErrors,
    status: int = 200,
) -> HTMLResponse:
    view = learning_plan.learning_plan(session, plan_id=plan_id)
    context: dict[str, Any] = {
        "view": view,
        "values": values,
        "activities": activities,
        "kinds": ACTIVITY_KINDS,
        "kind_hints": KIND_HINTS,
        "errors": errors.summary,
        "field_errors": errors.by_box,
    }
    return render(request, "learning_objective.html", context, status)


BLANK_ACTIVITY: dict[str, Any] = {"id": "", "title": "", "kind": "", "format": "", "audience": "", "capacity": ""}
BLANK_ACTIVITY |= {"starts_on": {}, "ends_on": {}}


def _typed_date(day: Any) -> dict[str, str]:
    return {"day": str(day.day), "month": str(day.month), "year": str(day.year)} if day else {}


@router.get("/plans/{plan_id}/learning-plan/objective", response_class=HTMLResponse)
def objective_page(request: Request, plan_id: int, session: SessionDep, objective_id: int | None = None) -> Response:
    view = learning_plan.learning_plan(session, plan_id=plan_id)
    objective = learning_plan.objective_of(view, objective_id)
    if objective is None:
        values: dict[str, Any] = {"objective_id": "", "aim": "0" if len(view.aims) == 1 else "", "due_on": {}}
        blank = [BLANK_ACTIVITY] * BLANK_ACTIVITIES
        return _objective_page(request, session, plan_id, values | {"recommendation_ids": []}, blank, FormErrors())
    values = {
        "objective_id": str(objective.id),
        "aim": str(objective.aim),
        "text": objective.text,
        "measure": objective.measure,
        "baseline": objective.baseline,
        "target": objective.target,
        "owner_id": str(objective.owner_id),
        "due_on": _typed_date(objective.due_on),
        "recommendation_ids": [str(r) for r in objective.recommendation_ids],
    }
    activities = [
        a.model_dump(mode="json", exclude={"starts_on", "ends_on"})
        | {"starts_on": _typed_date(a.starts_on), "ends_on": _typed_date(a.ends_on)}
        for a in objective.activities
    ]
    for row in activities:
        row.update({k: "" if v is None else str(v) for k, v in row.items() if k not in ("starts_on", "ends_on")})
    activities += [BLANK_ACTIVITY] * BLANK_ACTIVITIES
    return _objective_page(request, session, plan_id, values, activities, FormErrors())


@router.post("/plans/{plan_id}/learning-plan/objective", response_class=HTMLResponse)
async def objective_form(request: Request, plan_id: int, session: SessionDep, principal: CurrentPrincipal) -> Response:
    form = await request.form()
    parsed = read_objective(form)
    try:
        version, objective_id = learning_plan.save_objective(
            session, plan_id=plan_id, actor=principal.actor, objective=parsed.objective, now=utcnow()
        )
    except DocumentRefused as exc:
        session.rollback()
        view = learning_plan.learning_plan(session, plan_id=plan_id)
        errors = objective_errors(exc.problems, learning_plan.objective_index(view, parsed.objective.id), parsed)
        return _objective_page(request, session, plan_id, parsed.values, parsed.activities, errors, 422)
    if form.get("then") == "add_activity":
        return redirect(
            _url(plan_id, f"/objective?objective_id={objective_id}#activities"),
            f"Objective saved. Add another activity below. The plan is at version {version}.",
        )
    return redirect(_url(plan_id, f"#objective-{objective_id}"), f"Objective saved. The plan is at version {version}.")


@router.post("/plans/{plan_id}/learning-plan/objective/remove", response_class=HTMLResponse)
def remove_objective_form(
    plan_id: int,
    session: SessionDep,
    principal: CurrentPrincipal,
    objective_id: Annotated[str, Form()] = "",
) -> Response:
    # an id that is not a number is no objective of the plan: the service says so, after the plan's checks
    chosen = int(objective_id) if objective_id.isdigit() and len(objective_id) < 10 else 0
    version = learning_plan.remove_objective(
        session, plan_id=plan_id, actor=principal.actor, objective_id=chosen, now=utcnow()
    )
    return redirect(_url(plan_id), f"Objective removed with its activities. The plan is at version {version}.")
