"""Shared steps for web tests: people with roles and passwords, and clients signed in as them."""

from __future__ import annotations

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


def client() -> TestClient:
    """A browser-like client over HTTPS (the session cookie is Secure), not following redirects."""
    return TestClient(create_app(), base_url="https://testserver", follow_redirects=False)


def signed_in(person_id: int) -> tuple[TestClient, str]:
    """A client with an open session for the person, and that session's form (CSRF) token."""
    with session_scope() as s:
        cookie = start_session(s, person_id=person_id, method="test", now=utcnow())
        csrf = s.scalar(select(WebSession.csrf_token).where(WebSession.token_hash == token_hash(cookie)))
    c = client()
    c.cookies.set("coproduce_session", cookie)
    assert csrf is not None
    return c, csrf
