"""Shared steps for web tests: people with roles and passwords, and clients signed in as them."""

from __future__ import annotations

import atexit
import threading
from contextlib import ExitStack
from typing import Any

from anyio.from_thread import BlockingPortal, start_blocking_portal
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from api.app import create_app
from plans.db import session_scope
from plans.models import Role, WebSession, utcnow
from plans.services.auth import start_session, token_hash
from plans.services.users import add_user

PASSWORD = "correct horse battery staple"


def make_user(email: str, *roles: Role, name: str = "", password: str | None = PASSWORD) -> int:
    """A person who can sign in, with these roles; returns their id."""
    with session_scope() as s:
        person, _ = add_user(
            s, email=email, name=name or email.split("@")[0].title(), roles=roles, password=password, now=utcnow()
        )
        return person.id


_portal_lock = threading.Lock()
_portal: BlockingPortal | None = None
_portal_stack = ExitStack()
atexit.register(_portal_stack.close)


def shared_portal() -> BlockingPortal:
    """One event loop thread for every test client of this process.

    A TestClient used outside ``with`` starts a new event loop in a new thread for each request (and
    another for reading the body): about 1.3 of a page's 8 ms here, and the permission matrix alone
    makes 7,500 requests. Handing each client this portal runs them all on one loop instead; the app
    sees the same ASGI calls either way."""
    global _portal
    with _portal_lock:
        if _portal is None:
            _portal = _portal_stack.enter_context(start_blocking_portal())
        return _portal


def shared_loop_client(app: FastAPI, **options: Any) -> TestClient:
    """A TestClient for ``app`` that runs its requests on the shared event loop (see ``shared_portal``)."""
    made = TestClient(app, **options)
    made.portal = shared_portal()
    return made


def client() -> TestClient:
    """A browser-like client over HTTPS (the session cookie is Secure), not following redirects."""
    return shared_loop_client(create_app(), base_url="https://testserver", follow_redirects=False)


def signed_in(person_id: int) -> tuple[TestClient, str]:
    """A client with an open session for the person, and that session's form (CSRF) token."""
    with session_scope() as s:
        cookie = start_session(s, person_id=person_id, method="test", now=utcnow())
        csrf = s.scalar(select(WebSession.csrf_token).where(WebSession.token_hash == token_hash(cookie)))
    c = client()
    c.cookies.set("coproduce_session", cookie)
    assert csrf is not None
    return c, csrf
