"""A person's own account page: who they are signed in as, their roles, and their API tokens."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from api.deps import SessionDep
from api.pages import redirect, render
from api.permissions import CurrentPrincipal
from plans.domain.errors import InvalidInput
from plans.models import utcnow
from plans.services import api_tokens

router = APIRouter(include_in_schema=False)


def _page(request: Request, session: SessionDep, principal: CurrentPrincipal, **extra: object) -> HTMLResponse:
    tokens = api_tokens.tokens_of(session, principal=principal)
    return render(request, "account.html", {"tokens": tokens, **extra}, status=422 if extra.get("errors") else 200)


@router.get("/account", response_class=HTMLResponse)
def account(request: Request, session: SessionDep, principal: CurrentPrincipal) -> Response:
    return _page(request, session, principal)


@router.post("/account/tokens", response_class=HTMLResponse)
def create_token_form(
    request: Request, session: SessionDep, principal: CurrentPrincipal, name: Annotated[str, Form()] = ""
) -> Response:
    try:
        token, row = api_tokens.create_token(session, principal=principal, name=name, now=utcnow())
    except InvalidInput as exc:
        return _page(request, session, principal, errors={"name": exc.message.partition(": ")[2]}, name=name)
    # shown once, on this response only: it is stored as a hash and cannot be shown again
    return _page(request, session, principal, new_token=token, new_token_name=row.name)


@router.post("/account/tokens/{token_id}/revoke", response_class=HTMLResponse)
def revoke_token_form(token_id: int, session: SessionDep, principal: CurrentPrincipal) -> Response:
    row = api_tokens.revoke_token(session, principal=principal, token_id=token_id, now=utcnow())
    return redirect("/account", f"The token “{row.name}” is revoked: it no longer works.")
