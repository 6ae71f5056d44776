"""The pages of managers and approvers: the inbox ("what is waiting for me"), the review of a plan out
for sign-off with its decision form, and a team's live response rates.

The decision form follows the NHS design system's error pattern: a refused decision (no choice made, a
comment missing, a version that moved on while the page was open, a second decision) comes back as the
same page with an error summary and the field's own message, never as a bare error page.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from api.deps import SessionDep
from api.pages import redirect, render
from api.permissions import CurrentPrincipal
from plans.domain.errors import AlreadyDecided, DomainError, InvalidInput, StageLocked, StaleVersion
from plans.domain.expectations import KIRKPATRICK
from plans.domain.facts import Decision
from plans.domain.field_problems import FieldProblems
from plans.models import utcnow
from plans.schemas_signoff import ExpectationIn
from plans.services import inbox as inbox_service
from plans.services.lifecycle import load_plan
from plans.services.signoff import decide
from plans.services.survey_progress import team_progress

router = APIRouter(include_in_schema=False)

# the people who use this are in England: times show as they read their clocks, with BST when it applies
UK = ZoneInfo("Europe/London")
MAX_COMMENT = 4000
DECISION_WORDS = {
    Decision.APPROVE: "approve",
    Decision.REQUEST_CHANGES: "request changes",
    Decision.REJECT: "reject",
}
EXPECTATION_FIELD = re.compile(r"^expectations\[(\d+)\]\.(text|measure|level|target)$")
HASH = re.compile(r"^[0-9a-f]{64}$")
EXPECTATION_ROWS = 2  # blank expectation rows the decision form offers
CHOOSE = "Select whether you approve, request changes or reject"
# the service's rule in the design system's words for an error message: say what to do
COMMENT_NEEDED = {
    Decision.REQUEST_CHANGES: "Enter a comment saying what needs to change",
    Decision.REJECT: "Enter a comment saying why you reject the plan",
}


def when(moment: datetime | None) -> str:
    """A moment as people in England read it: "8 December 2026 at 2:59am"."""
    if moment is None:
        return ""
    local = moment.astimezone(UK)
    return f"{local.day} {local:%B %Y} at {local.hour % 12 or 12}:{local:%M}{'am' if local.hour < 12 else 'pm'}"


def _message(exc: DomainError) -> tuple[str, str]:
    """The form field a refusal is about and the sentence to show: services prefix ``field: ``."""
    if isinstance(exc, AlreadyDecided):
        return "form", "You have already recorded your decision on this version. A decision cannot be changed."
    if isinstance(exc, StageLocked):
        return "form", "This plan is no longer waiting for a sign-off decision, so your decision was not recorded."
    field, sep, rest = exc.message.partition(": ")
    if field == "content_hash":
        field = "version"
    if sep and field in ("comment", "version", "decision"):
        return field, rest[:1].upper() + rest[1:]
    return "form", exc.message[:1].upper() + exc.message[1:]


@router.get("/inbox", response_class=HTMLResponse)
def inbox(request: Request, session: SessionDep, principal: CurrentPrincipal) -> Response:
    now = utcnow()
    view = inbox_service.inbox(session, person_id=principal.person_id, now=now)
    return render(request, "inbox.html", {"view": view, "when": when, "now": now})


def _sign_off_page(
    request: Request,
    session: SessionDep,
    principal: CurrentPrincipal,
    plan_id: int,
    *,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
    status: int = 200,
) -> HTMLResponse:
    review = inbox_service.review(session, plan_id=plan_id, person_id=principal.person_id)
    context = {
        "review": review,
        "view": review.sign_off,
        "errors": errors or {},
        "values": values or {},
        "when": when,
        "now": utcnow(),
        "words": {d.value: w for d, w in DECISION_WORDS.items()},
        "max_comment": MAX_COMMENT,
        "levels": KIRKPATRICK,
        "expectation_rows": EXPECTATION_ROWS,
    }
    return render(request, "sign_off.html", context, status)


@router.get("/inbox/sign-off/{plan_id}", response_class=HTMLResponse)
def sign_off_page(request: Request, plan_id: int, session: SessionDep, principal: CurrentPrincipal) -> Response:
    return _sign_off_page(request, session, principal, plan_id)


def _expectations(texts: list[str], measures: list[str], levels: list[str], targets: list[str]) -> list[ExpectationIn]:
    """The form's expectation rows that were filled in (a row left blank adds nothing). A level that is
    not a number is passed on as 0, so the service's rule names it like any other bad level."""
    rows = []
    for index, text in enumerate(texts):
        measure = measures[index] if index < len(measures) else ""
        level = levels[index] if index < len(levels) else ""
        target = targets[index] if index < len(targets) else ""
        if not (text.strip() or measure.strip() or level.strip() or target.strip()):
            continue
        number = int(level) if level.strip().isdigit() and len(level.strip()) < 3 else 0
        rows.append(ExpectationIn.model_construct(text=text, measure=measure, level=number, target=target))
    return rows


def _field_errors(exc: DomainError, chosen: Decision) -> dict[str, str]:
    """A refusal as the page's errors: each named field at its input (``expectations[1].level`` at
    ``exp-1-level``), anything else at the top of the form."""
    if not isinstance(exc, FieldProblems):
        field, text = _message(exc)
        if field == "comment" and chosen in COMMENT_NEEDED:
            text = COMMENT_NEEDED[chosen]
        return {field: text}
    errors: dict[str, str] = {}
    for path, problem in exc.problems:
        if path == "comment":
            errors["comment"] = COMMENT_NEEDED.get(chosen, problem[:1].upper() + problem[1:])
        elif match := EXPECTATION_FIELD.match(path):
            number = int(match.group(1))
            errors[f"exp-{number}-{match.group(2)}"] = f"Expectation {number + 1}: {problem}"
        else:
            errors.setdefault("form", f"{path}: {problem}")
    return errors


@router.post("/inbox/sign-off/{plan_id}", response_class=HTMLResponse)
def sign_off_form(
    request: Request,
    plan_id: int,
    session: SessionDep,
    principal: CurrentPrincipal,
    decision: Annotated[str, Form()] = "",
    comment: Annotated[str, Form()] = "",
    version: Annotated[str, Form()] = "",
    content_hash: Annotated[str, Form()] = "",
    exp_text: Annotated[list[str], Form()] = [],  # noqa: B006 (FastAPI copies defaults)
    exp_measure: Annotated[list[str], Form()] = [],  # noqa: B006
    exp_level: Annotated[list[str], Form()] = [],  # noqa: B006
    exp_target: Annotated[list[str], Form()] = [],  # noqa: B006
) -> Response:
    values: dict[str, Any] = {
        "decision": decision,
        "comment": comment,
        "expectations": [
            {"text": t, "measure": m, "level": lv, "target": tg}
            for t, m, lv, tg in zip(exp_text, exp_measure, exp_level, exp_target, strict=False)
        ],
    }
    errors: dict[str, str] = {}
    chosen = next((d for d in Decision if d.value == decision), None)
    if chosen is None:
        errors["decision"] = CHOOSE
    if len(comment) > MAX_COMMENT:
        errors["comment"] = f"Comment must be {MAX_COMMENT:,} characters or fewer"
    if not version.strip().isdigit() or len(version.strip()) > 9 or not HASH.match(content_hash.strip()):
        errors["form"] = "The page did not say which version you reviewed. Reload the page and try again."
    if errors or chosen is None:
        return _sign_off_page(request, session, principal, plan_id, errors=errors, values=values, status=422)
    try:
        row = decide(
            session,
            plan_id=plan_id,
            actor=principal.actor,
            version=int(version),
            content_hash=content_hash.strip(),
            decision=chosen,
            comment=comment,
            expectations=_expectations(exp_text, exp_measure, exp_level, exp_target),
            now=utcnow(),
        )
    except (InvalidInput, StaleVersion, AlreadyDecided, StageLocked) as exc:
        session.rollback()  # nothing was written; end the locking transaction before showing the page again
        status = 422 if exc.kind == "invalid" else 409
        errors = _field_errors(exc, chosen)
        return _sign_off_page(request, session, principal, plan_id, errors=errors, values=values, status=status)
    title = load_plan(session, plan_id).title
    return redirect(
        "/inbox", f"Your decision is recorded: {DECISION_WORDS[row.decision]} on version {row.version} of {title}."
    )


@router.get("/teams/{team_id}", response_class=HTMLResponse)
def team_page(request: Request, team_id: int, session: SessionDep, principal: CurrentPrincipal) -> Response:
    now = utcnow()
    view = inbox_service.team(session, team_id=team_id, now=now)
    progress = team_progress(session, team_id=team_id, now=now)  # history and league places, from the counters
    return render(request, "team.html", {"view": view, "when": when, "progress": progress})
