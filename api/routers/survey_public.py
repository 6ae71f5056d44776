"""The survey as staff answer it, with no sign-in: ``/s/{token}`` (the token in the address is the only
credential). The page shows the introduction, the questions by section, the demographics and what
anonymity means here; a refused answer comes back with every problem listed and linked to its field.

Nothing on these pages may help tell who answered: responses are never cached anywhere on the way
(``Cache-Control: no-store``), the address with its token is never passed on to another page or site
(``Referrer-Policy: no-referrer``), and the only cookie is the form's anonymous CSRF token.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session
from starlette.datastructures import FormData
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.deps import SessionDep
from api.pages import render
from plans.config import settings
from plans.db import session_scope
from plans.domain.errors import DomainError, NotFound
from plans.domain.survey_answers import AlreadyAnswered, AnswerProblems, SurveyClosed
from plans.models import Channel, utcnow
from plans.services import intake

router = APIRouter(include_in_schema=False)

PRIVATE_HEADERS = ((b"cache-control", b"no-store"), (b"referrer-policy", b"no-referrer"))
PRIVATE_PREFIXES = ("/s/", "/api/v1/s/")


class PrivateSurveyPages:
    """ASGI middleware: every answer from a survey address (pages, JSON, errors alike) is neither stored
    by a cache nor lets the address leak as a referrer."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(PRIVATE_PREFIXES):
            await self.app(scope, receive, send)
            return

        async def private(message: Message) -> None:
            if message["type"] == "http.response.start":
                drop = {name for name, _ in PRIVATE_HEADERS}
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() not in drop]
                message = {**message, "headers": headers + list(PRIVATE_HEADERS)}
            await send(message)

        await self.app(scope, receive, private)


def _context(opened: intake.Opened, token: str) -> dict[str, Any]:
    form = opened.form
    return {
        "form": form,
        "token": token,
        "channel": opened.channel.value,
        "closes_on": f"{form.closes_at:%A %-d %B %Y}",
        "threshold": settings.reporting_threshold,
        "errors": {},
        "values": {},
        "labels": {
            **{f"answers.{q['id']}": q["text"] for section in form.sections for q in section["questions"]},
            **{f"demographics.{d['id']}": d["text"] for d in form.demographics},
        },
    }


def _not_found(request: Request) -> HTMLResponse:
    # the same words as any missing page: an unknown, mistyped or revoked link reveals nothing
    return render(request, "error.html", {"title": "Page not found", "message": "Check the address is right."}, 404)


def _message(request: Request, opened: intake.Opened, kind: str, status: int) -> HTMLResponse:
    return render(request, "survey_message.html", {"title": opened.form.title, "kind": kind, "token": None}, status)


@router.get("/s/{token}", response_class=HTMLResponse)
def answer_page(request: Request, token: str, session: SessionDep) -> Response:
    try:
        opened = intake.open_link(session, token=token, now=utcnow())
    except NotFound:
        return _not_found(request)
    if opened.state != "open":
        return _message(request, opened, opened.state, 200)
    return render(request, "survey.html", _context(opened, token))


async def form_fields(request: Request) -> FormData:
    """The posted form, parsed on the event loop so the handler itself can stay synchronous."""
    return await request.form()


def _submitted(fields: FormData) -> tuple[dict[str, Any], dict[str, Any]]:
    """Answers and demographics from the form's ``answers.<id>`` and ``demographics.<id>`` fields: one
    value as text, several (ticked boxes) as a list; the survey's rules decide what is allowed."""
    out: dict[str, dict[str, Any]] = {"answers": {}, "demographics": {}}
    for name in set(fields.keys()):
        kind, _, field_id = name.partition(".")
        if kind in out and field_id:
            values = [str(v) for v in fields.getlist(name)]
            out[kind][field_id] = values[0] if len(values) == 1 else values
    return out["answers"], out["demographics"]


@router.post("/s/{token}", response_class=HTMLResponse)
def answer_form(request: Request, token: str, fields: Annotated[FormData, Depends(form_fields)]) -> Response:
    answers, demographics = _submitted(fields)
    # committed in this thread, which took the counter's row lock (see api_survey_public.api_survey_answer)
    with session_scope() as session:
        try:
            receipt = intake.answer(session, token=token, answers=answers, demographics=demographics, now=utcnow())
        except NotFound:
            return _not_found(request)
        except (SurveyClosed, AlreadyAnswered, AnswerProblems) as refused:
            return _refused(request, session, token, refused, {**answers, **demographics})
    again = token if receipt.channel is Channel.TEAM_LINK else None
    return render(request, "survey_message.html", {"title": receipt.title, "kind": "thanks", "token": again})


def _refused(request: Request, session: Session, token: str, refused: DomainError, values: dict[str, Any]) -> Response:
    try:
        opened = intake.open_link(session, token=token, now=utcnow())
    except NotFound:
        return _not_found(request)
    if isinstance(refused, AnswerProblems) and opened.state == "open":
        context = {**_context(opened, token), "errors": refused.problems, "values": values}
        return render(request, "survey.html", context, 422)
    kind = "closed" if isinstance(refused, SurveyClosed) or opened.state == "closed" else "used"
    return _message(request, opened, kind, 409)
