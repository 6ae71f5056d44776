"""JSON API: who the caller is, and their API tokens."""

from __future__ import annotations

from fastapi import APIRouter, status
from pydantic import BaseModel, Field

from api.deps import SessionDep
from api.permissions import CurrentPrincipal
from plans.models import utcnow
from plans.services import api_tokens
from plans.views import ApiTokenOut, MeOut

router = APIRouter(prefix="/api/v1", tags=["account"])


class TokenCreate(BaseModel):
    name: str = Field(min_length=1, max_length=100, description="what uses the token, e.g. 'HR system nightly sync'")


class TokenCreated(ApiTokenOut):
    token: str = Field(description="the token itself: shown once, stored only as a hash")


def _out(row: object) -> ApiTokenOut:
    return ApiTokenOut.model_validate(row, from_attributes=True)


@router.get("/me", response_model=MeOut)
def api_me(principal: CurrentPrincipal) -> MeOut:
    """The person the request acts for, with their roles."""
    return MeOut(
        person_id=principal.person_id,
        name=principal.name,
        email=principal.email,
        roles=sorted(principal.role_names),
        via=principal.via,
    )


@router.get("/tokens", response_model=list[ApiTokenOut], name="api_tokens")
def api_tokens_list(session: SessionDep, principal: CurrentPrincipal) -> list[ApiTokenOut]:
    """The caller's API tokens, revoked ones included."""
    return [_out(t) for t in api_tokens.tokens_of(session, principal=principal)]


@router.post("/tokens", response_model=TokenCreated, status_code=status.HTTP_201_CREATED)
def api_create_token(body: TokenCreate, session: SessionDep, principal: CurrentPrincipal) -> TokenCreated:
    """A new API token acting as the caller; the response is the only time the token is shown."""
    token, row = api_tokens.create_token(session, principal=principal, name=body.name, now=utcnow())
    return TokenCreated(**_out(row).model_dump(), token=token)


@router.delete("/tokens/{token_id}", response_model=ApiTokenOut)
def api_revoke_token(token_id: int, session: SessionDep, principal: CurrentPrincipal) -> ApiTokenOut:
    """Revoke one of the caller's tokens; it stops working at once."""
    return _out(api_tokens.revoke_token(session, principal=principal, token_id=token_id, now=utcnow()))
