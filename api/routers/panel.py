"""The citizen panel's pages: the plans I sit on with what each has published, one plan's published
outputs in full with the panel's reviews and (for a member) a form to endorse, comment on or challenge
each output once, and "you said, we did": every challenge and comment with the coordinator's answer.

A review that fails its checks re-renders the plan's page with the error summary and what was typed;
success redirects back to the output with a one-time message.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from api.deps import SessionDep
from api.pages import redirect, render
from api.permissions import CurrentPrincipal
from plans.domain.errors import AlreadyDecided, InvalidInput, NotPermitted, StageLocked
from plans.domain.panel_outputs import output_phrase, output_title
from plans.models import Verdict, utcnow
from plans.services import panel
from plans.services.auth import Principal
from plans.services.panel_reviews import MAX_TEXT, review

router = APIRouter(include_in_schema=False)

VERDICTS = {"endorse": "Endorsed", "comment": "Commented", "challenge": "Challenged"}
THANKS = {
    "endorse": "Thank you. You endorsed {what}.",
    "comment": "Thank you. Your comment on {what} is recorded.",
    "challenge": "Your challenge to {what} is recorded. The coordinator must answer it in writing before the "
    "plan can close, and you will be emailed the answer.",
}


def _plan_page(
    request: Request,
    session: Session,
    principal: Principal,
    plan_id: int,
    *,
    errors: list[dict[str, str]] | None = None,
    values: dict[str, str] | None = None,
    status: int = 200,
) -> HTMLResponse:
    """The plan's published outputs; ``errors`` are (href, text) pairs keyed inline by field id."""
    view = panel.panel_plan(session, plan_id=plan_id, viewer_id=principal.person_id)
    context: dict[str, Any] = {
        "view": view,
        "verdicts": VERDICTS,
        "errors": errors or [],
        "field_errors": {e["href"].removeprefix("#"): e["text"] for e in errors or []},
        "values": values or {},
        "max_length": MAX_TEXT,
    }
    return render(request, "panel_plan.html", context, status)


@router.get("/panel", response_class=HTMLResponse)
def panel_home(request: Request, session: SessionDep, principal: CurrentPrincipal) -> Response:
    home = panel.panel_home(session, person_id=principal.person_id)
    return render(request, "panel_home.html", {"home": home})


@router.get("/panel/plans/{plan_id}", response_class=HTMLResponse)
def panel_plan(request: Request, plan_id: int, session: SessionDep, principal: CurrentPrincipal) -> Response:
    return _plan_page(request, session, principal, plan_id)


@router.post("/panel/plans/{plan_id}/reviews", response_class=HTMLResponse)
def panel_review_form(
    request: Request,
    plan_id: int,
    session: SessionDep,
    principal: CurrentPrincipal,
    output: Annotated[str, Form(max_length=60)] = "",
    verdict: Annotated[str, Form(max_length=20)] = "",
    text: Annotated[str, Form()] = "",
) -> Response:
    verdict_field, text_field = f"verdict-{output}", f"text-{output}"
    values = {verdict_field: verdict, text_field: text}
    if verdict not in VERDICTS:
        errors = [{"href": f"#{verdict_field}", "text": "Select whether you endorse, comment on or challenge it"}]
        return _plan_page(request, session, principal, plan_id, errors=errors, values=values, status=422)
    try:
        review(
            session,
            plan_id=plan_id,
            actor=principal.actor,
            output=output,
            verdict=Verdict(verdict),
            text=text,
            now=utcnow(),
        )
    except InvalidInput as exc:
        field, _, words = exc.message.partition(": ")
        href = f"#{text_field}" if field == "text" else f"#{output}"
        errors = [{"href": href, "text": (words or exc.message)[:1].upper() + (words or exc.message)[1:]}]
        return _plan_page(request, session, principal, plan_id, errors=errors, values=values, status=422)
    except (AlreadyDecided, StageLocked, NotPermitted) as exc:
        errors = [{"href": f"#{output}", "text": _refusal(exc, output)}]
        return _plan_page(request, session, principal, plan_id, errors=errors, status=exc_status(exc))
    return redirect(f"/panel/plans/{plan_id}#{output}", THANKS[verdict].format(what=output_phrase(output)))


def exc_status(exc: Exception) -> int:
    """403 for someone who is not on the panel, 409 for a review given already or a plan moved on."""
    return 403 if isinstance(exc, NotPermitted) else 409


def _refusal(exc: Exception, output: str) -> str:
    """Why nothing was saved, in the reader's words."""
    if isinstance(exc, AlreadyDecided):
        return f"You have already reviewed {output_phrase(output)}. A review is given once, so nothing was changed"
    if isinstance(exc, StageLocked):
        return "The plan has closed or is not yet at a stage the panel reviews, so nothing was saved"
    return f"Only members of the plan's citizen panel review {output_title(output).lower()}; nothing was saved"


@router.get("/panel/plans/{plan_id}/you-said-we-did", response_class=HTMLResponse)
def you_said_we_did_page(request: Request, plan_id: int, session: SessionDep) -> Response:
    view = panel.you_said_we_did(session, plan_id=plan_id)
    return render(request, "panel_you_said.html", {"view": view, "verdicts": VERDICTS})
