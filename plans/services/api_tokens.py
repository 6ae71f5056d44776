"""API tokens for integrations: shown once when made, stored as a hash, revocable, acting as the person
who made them (with that person's roles as they are at each request)."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.orm import Session

from plans.domain.errors import InvalidInput, NotFound
from plans.models import ApiToken
from plans.repositories.access import AccessRepository
from plans.services.auth import Principal, _principal, token_hash

PREFIX = "cpd_"


def create_token(session: Session, *, principal: Principal, name: str, now: datetime) -> tuple[str, ApiToken]:
    """A new token for the principal; the plain token is returned here and never stored."""
    label = name.strip()
    if not label:
        raise InvalidInput("name: give the token a name that says what uses it")
    if len(label) > 100:
        raise InvalidInput("name: a token's name has at most 100 characters")
    token = PREFIX + secrets.token_urlsafe(32)
    row = AccessRepository(session).add_token(
        ApiToken(
            person_id=principal.person_id, name=label, prefix=token[:12], token_hash=token_hash(token), created_at=now
        )
    )
    return token, row


def tokens_of(session: Session, *, principal: Principal) -> Sequence[ApiToken]:
    """The principal's own tokens, revoked ones included (for the record)."""
    return AccessRepository(session).tokens_of(principal.person_id)


def revoke_token(session: Session, *, principal: Principal, token_id: int, now: datetime) -> ApiToken:
    """Revoke one of the principal's own tokens (another's reads as not found)."""
    row = AccessRepository(session).token(token_id)
    if row is None or row.person_id != principal.person_id:
        raise NotFound(f"API token {token_id} was not found")
    if row.revoked_at is None:
        row.revoked_at = now
        session.flush()
    return row


def principal_for_token(session: Session, *, token: str, now: datetime) -> Principal | None:
    """The person an unrevoked API token acts for."""
    if not token.startswith(PREFIX):
        return None
    found = AccessRepository(session).token_with_person(token_hash(token))
    if found is None or found[0].revoked_at is not None:
        return None
    row, person = found
    if row.last_used_at is None or (now - row.last_used_at).total_seconds() >= 60:
        row.last_used_at = now
    return _principal(session, person, "token", None)
