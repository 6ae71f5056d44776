"""The co-production ladder page of a plan: its working party and coordinators read where each stage
sat and record a stage. The plan page shows the same ladder to coordinators; this page is how the
working party, who cannot open the plan page, sees and records it.

A record the rules refuse comes back with the NHS error summary, each message by its field and what
was typed kept; success redirects to the stage on the ladder with a one-time message.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from api.deps import SessionDep
from api.pages import redirect, render
from api.permissions import CurrentPrincipal
from plans.domain.coproduction import MAX_NOTE, MIN_NOTE, LadderProblems
from plans.domain.errors import StageLocked
from plans.domain.stages import Stage
from plans.models import utcnow
from plans.services import coproduction
from plans.services.auth import Principal

router = APIRouter(include_in_schema=False)
# on the form, a radio group left alone is asked for in the words of the NHS pattern
UNCHOSEN = {"stage": "Select which stage you are recording", "rung": "Select where the stage sat on the ladder"}


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
    """The ladder page; ``errors`` are (href, text) pairs for the summary, keyed inline by field."""
    view = coproduction.coproduction_view(session, plan_id=plan_id, actor=principal.actor)
    field_errors = {e["href"].removeprefix("#"): e["text"] for e in errors or []}
    context: dict[str, Any] = {
        "view": view,
        "errors": errors or [],
        "field_errors": field_errors,
        "values": values or {},
        "max_length": MAX_NOTE,
        "min_note": MIN_NOTE,
    }
    return render(request, "coproduction.html", context, status)


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


@router.get("/plans/{plan_id}/coproduction", response_class=HTMLResponse)
def coproduction_page(request: Request, plan_id: int, session: SessionDep, principal: CurrentPrincipal) -> Response:
    return _page(request, session, principal, plan_id)


@router.post("/plans/{plan_id}/coproduction", response_class=HTMLResponse)
def coproduction_form(
    request: Request,
    plan_id: int,
    session: SessionDep,
    principal: CurrentPrincipal,
    stage: Annotated[str, Form()] = "",
    rung: Annotated[str, Form()] = "",
    note: Annotated[str, Form()] = "",
) -> Response:
    values = {"stage": stage, "rung": rung, "note": note}
    try:
        row = coproduction.record(
            session, plan_id=plan_id, actor=principal.actor, stage=stage, rung=rung, note=note, now=utcnow()
        )
    except LadderProblems as exc:
        # a radio group's first option carries the group's name as its id, as the note's box does
        errors = [
            {"href": f"#{name}", "text": UNCHOSEN[name] if name in UNCHOSEN and not values[name] else _sentence(text)}
            for name, text in exc.problems
        ]
        return _page(request, session, principal, plan_id, errors=errors, values=values, status=422)
    except StageLocked as exc:
        errors = [{"href": "#ladder-status", "text": _sentence(exc.message)}]
        return _page(request, session, principal, plan_id, errors=errors, values=values, status=409)
    label = Stage(row.stage).label
    return redirect(
        f"/plans/{plan_id}/coproduction#stage-{row.stage.value}",
        f"Recorded: {label} sat at {row.rung.label} on the ladder.",
    )
