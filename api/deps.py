"""Request-scoped dependencies: the transaction, who is asking (session cookie or API token), the
client's address for the sign-in record, and the anonymous form token used before signing in."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from plans.db import session_scope
from plans.models import utcnow
from plans.services.api_tokens import principal_for_token
from plans.services.auth import Principal, principal_for_session

SESSION_COOKIE = "coproduce_session"
ANON_CSRF_COOKIE = "coproduce_form"
FLASH_COOKIE = "coproduce_flash"


def get_session() -> Iterator[Session]:
    """One transaction per request, committed before the response is sent (so a redirect's next page
    sees the write) and rolled back if the handler raises."""
    with session_scope() as session:
        yield session


# scope="function": the commit happens when the handler returns, not after the response has gone out
SessionDep = Annotated[Session, Depends(get_session, scope="function")]


def resolve_principal(request: Request, session: Session) -> Principal | None:
    """The person behind an ``Authorization: Bearer`` API token, else behind the session cookie."""
    now = utcnow()
    auth = request.headers.get("authorization", "")
    if auth.lower().startswith("bearer "):
        return principal_for_token(session, token=auth[7:].strip(), now=now)
    cookie = request.cookies.get(SESSION_COOKIE)
    return principal_for_session(session, cookie=cookie, now=now) if cookie else None


def client_of(request: Request) -> str:
    """The client's address as the server saw it (behind a proxy, uvicorn's --proxy-headers sets it)."""
    return request.client.host if request.client else "unknown"


def anonymous_csrf(request: Request) -> str | None:
    """The form token of a browser that is not signed in (double-submit: a cookie and a form field)."""
    return request.cookies.get(ANON_CSRF_COOKIE) or getattr(request.state, "new_anon_csrf", None)


def ensure_anonymous_csrf(request: Request) -> str:
    """The anonymous form token, made now if the browser has none yet (the page sets the cookie)."""
    token = anonymous_csrf(request)
    if token is None:
        token = secrets.token_urlsafe(32)
        request.state.new_anon_csrf = token
    return token
