"""The coordinator's summative evaluation page: every expectation with its evidence, chain and judgement
(and the form to judge one), the benefits claimed with the return on investment (the form to edit them),
and the retrospective.

A refusal comes back on the same page with the NHS error summary, each message linked to its field and
what was typed kept; success redirects to the part of the page that changed with a one-time message.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from api.deps import SessionDep
from api.pages import redirect, render
from api.permissions import CurrentPrincipal
from plans.domain.delivery import FieldsRefused
from plans.domain.errors import DomainError, InvalidInput
from plans.models import utcnow
from plans.schemas_summative import RetrospectiveIn
from plans.services import summative
from plans.summative_form import read_benefits

router = APIRouter(include_in_schema=False)
Rows = Annotated[list[str], Form()]
BLANK_ROWS = 2


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


def _page(
    request: Request,
    session: Session,
    plan_id: int,
    *,
    errors: list[dict[str, str]] | None = None,
    values: dict[str, Any] | None = None,
    status: int = 200,
) -> HTMLResponse:
    view = summative.summative_view(session, plan_id=plan_id)
    context = {
        "view": view,
        "errors": errors or [],
        "field_errors": {e["href"].removeprefix("#"): e["text"] for e in errors or []},
        "values": values or {},
        "blank_rows": BLANK_ROWS,
    }
    return render(request, "summative.html", context, status)


def _status(exc: DomainError) -> int:
    return {"conflict": 409, "blocked": 409, "not_found": 404, "forbidden": 403}.get(exc.kind, 422)


def _refused(
    request: Request, session: Session, plan_id: int, exc: DomainError, where: str, values: dict[str, Any]
) -> Response:
    """The page again with the refusal at ``where`` (or at the field the message names, under it)."""
    session.rollback()
    field, _, text = exc.message.partition(": ")
    if field == "expectation_id":  # not an expectation of this plan: said at the top of the register
        errors = [{"href": "#expectations", "text": _sentence(text)}]
    elif isinstance(exc, FieldsRefused):
        errors = [{"href": f"{where}-{name}", "text": _sentence(message)} for name, message in exc.problems]
    elif text and field.isidentifier() and " " not in field:
        errors = [{"href": f"{where}-{field}", "text": _sentence(text)}]
    else:
        errors = [{"href": where, "text": _sentence(exc.message)}]
    return _page(request, session, plan_id, errors=errors, values=values, status=_status(exc))


@router.get("/plans/{plan_id}/summative", response_class=HTMLResponse)
def summative_page(request: Request, plan_id: int, session: SessionDep, principal: CurrentPrincipal) -> Response:
    return _page(request, session, plan_id)


@router.post("/plans/{plan_id}/summative/judgement", response_class=HTMLResponse)
def summative_judgement_form(
    request: Request,
    plan_id: int,
    session: SessionDep,
    principal: CurrentPrincipal,
    expectation_id: Annotated[str, Form()] = "",
    judgement: Annotated[str, Form()] = "",
    evidence: Annotated[str, Form()] = "",
) -> Response:
    values = {"expectation_id": expectation_id, "judgement": judgement, "evidence": evidence}
    where = f"#judge-{expectation_id}" if expectation_id.isdigit() else "#expectations"
    try:
        if not expectation_id.isdigit():
            raise InvalidInput("expectation_id: choose an expectation to judge")
        if not judgement:
            raise InvalidInput("judgement: select met, partly met or not met")
        row = summative.judge(
            session,
            plan_id=plan_id,
            actor=principal.actor,
            expectation_id=int(expectation_id),
            judgement=judgement,
            evidence=evidence,
            now=utcnow(),
        )
    except DomainError as exc:
        return _refused(request, session, plan_id, exc, where, values)
    return redirect(f"/plans/{plan_id}/summative#expectation-{row.id}", f"Judged {row.judgement_label}: {row.text}")


@router.post("/plans/{plan_id}/summative/benefits", response_class=HTMLResponse)
def summative_benefits_form(
    request: Request,
    plan_id: int,
    session: SessionDep,
    principal: CurrentPrincipal,
    description: Rows = [],  # noqa: B006 (the form's rows; FastAPI copies defaults)
    value: Rows = [],  # noqa: B006
    isolation_method: Rows = [],  # noqa: B006
    contribution_pct: Rows = [],  # noqa: B006
    confidence_pct: Rows = [],  # noqa: B006
    how_valued: Rows = [],  # noqa: B006
    expectation_id: Rows = [],  # noqa: B006
) -> Response:
    columns = (description, value, isolation_method, contribution_pct, confidence_pct, how_valued, expectation_id)
    form = read_benefits(*columns)
    names = ("description", "value", "isolation_method", "contribution_pct", "confidence_pct", "how_valued")
    values = {
        "benefits": [dict(zip((*names, "expectation_id"), row, strict=False)) for row in zip(*columns, strict=False)]
    }
    try:
        result = summative.set_benefits(
            session, plan_id=plan_id, actor=principal.actor, items=form.items, now=utcnow(), found=form.problems
        )
    except FieldsRefused as exc:
        session.rollback()
        errors = [
            {
                "href": f"#{form.page_field(name)}",
                "text": f"Benefit {int(form.page_field(name).split('-')[1]) + 1}: {message}",
            }
            for name, message in exc.problems
        ]
        return _page(request, session, plan_id, errors=errors, values=values, status=422)
    except DomainError as exc:
        return _refused(request, session, plan_id, exc, "#benefits", values)
    return redirect(
        f"/plans/{plan_id}/summative#roi",
        f"Benefits saved: {len(result.counted)} with a money value, {len(result.intangible)} without. "
        f"Return on investment {result.roi}.",
    )


@router.post("/plans/{plan_id}/summative/retrospective", response_class=HTMLResponse)
def summative_retrospective_form(
    request: Request,
    plan_id: int,
    session: SessionDep,
    principal: CurrentPrincipal,
    what_we_did: Annotated[str, Form()] = "",
    what_we_learned: Annotated[str, Form()] = "",
    pleased_about: Annotated[str, Form()] = "",
    could_have_been_different: Annotated[str, Form()] = "",
) -> Response:
    body = RetrospectiveIn(
        what_we_did=what_we_did,
        what_we_learned=what_we_learned,
        pleased_about=pleased_about,
        could_have_been_different=could_have_been_different,
    )
    try:
        summative.write_retrospective(session, plan_id=plan_id, actor=principal.actor, body=body, now=utcnow())
    except DomainError as exc:
        return _refused(request, session, plan_id, exc, "#retrospective", body.model_dump())
    return redirect(
        f"/plans/{plan_id}/summative#retrospective", "The retrospective is written and published to the citizen panel."
    )
