"""The coordinator's page for a plan's citizen panel: the panel's verdicts on each published output, what is
ready to publish (with the button that publishes it and emails the panel), and every challenge and
comment awaiting a written answer, each with its answer form ("you said, we did").

A form that fails its checks re-renders the page with the error summary and what was typed; success
redirects back with a one-time message.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from api.deps import SessionDep
from api.pages import redirect, render
from api.permissions import CurrentPrincipal
from plans.domain.errors import AlreadyDecided, InvalidInput
from plans.domain.panel_outputs import output_phrase
from plans.models import utcnow
from plans.services import panel
from plans.services.panel_publishing import publish_request
from plans.services.panel_reviews import MAX_TEXT, respond_to_challenge

router = APIRouter(include_in_schema=False)

VERDICTS = {"endorse": "Endorsed", "comment": "Commented", "challenge": "Challenged"}


def _page(
    request: Request,
    session: Session,
    plan_id: int,
    *,
    errors: list[dict[str, str]] | None = None,
    values: dict[str, str] | None = None,
    status: int = 200,
) -> HTMLResponse:
    view = panel.panel_admin(session, plan_id=plan_id)
    context: dict[str, Any] = {
        "view": view,
        "verdicts": VERDICTS,
        "errors": errors or [],
        "field_errors": {e["href"].removeprefix("#"): e["text"] for e in errors or []},
        "values": values or {},
        "max_length": MAX_TEXT,
    }
    return render(request, "panel_admin.html", context, status)


def _sentence(message: str) -> str:
    words = message.partition(": ")[2] or message
    return words[:1].upper() + words[1:]


@router.get("/plans/{plan_id}/panel", response_class=HTMLResponse)
def panel_admin_page(request: Request, plan_id: int, session: SessionDep) -> Response:
    return _page(request, session, plan_id)


@router.post("/plans/{plan_id}/panel/answers", response_class=HTMLResponse)
def panel_answer_form(
    request: Request,
    plan_id: int,
    session: SessionDep,
    principal: CurrentPrincipal,
    review_id: Annotated[str, Form(max_length=12)] = "",
    response: Annotated[str, Form()] = "",
) -> Response:
    field = f"response-{review_id}"
    if not review_id.isdigit():
        errors = [{"href": "#awaiting", "text": "Choose the challenge or comment you are answering"}]
        return _page(request, session, plan_id, errors=errors, status=422)
    try:
        row = respond_to_challenge(
            session,
            plan_id=plan_id,
            actor=principal.actor,
            review_id=int(review_id),
            response=response,
            now=utcnow(),
        )
    except InvalidInput as exc:
        href = f"#{field}" if exc.message.startswith("response:") else "#awaiting"
        errors = [{"href": href, "text": _sentence(exc.message)}]
        return _page(request, session, plan_id, errors=errors, values={field: response}, status=422)
    except AlreadyDecided as exc:
        errors = [{"href": "#answered", "text": _sentence(exc.message)}]
        return _page(request, session, plan_id, errors=errors, status=409)
    what = "challenge" if row.verdict.value == "challenge" else "comment"
    return redirect(
        f"/plans/{plan_id}/panel#answered",
        f"Your answer to the {what} on {output_phrase(row.output)} is recorded and the panel member is being emailed.",
    )


@router.post("/plans/{plan_id}/panel/publish", response_class=HTMLResponse)
def panel_publish_form(
    request: Request,
    plan_id: int,
    session: SessionDep,
    principal: CurrentPrincipal,
    output: Annotated[str, Form(max_length=60)] = "",
) -> Response:
    try:
        made = publish_request(session, plan_id=plan_id, output=output, actor=principal.actor, now=utcnow())
    except InvalidInput as exc:
        errors = [{"href": "#ready", "text": _sentence(exc.message)}]
        return _page(request, session, plan_id, errors=errors, status=422)
    if not made:
        return redirect(f"/plans/{plan_id}/panel", "Nothing new to publish: the panel already has everything ready.")
    titles = ", ".join(p.title for p in made)
    return redirect(
        f"/plans/{plan_id}/panel", f"Published to the citizen panel: {titles}. Each member is being emailed."
    )
