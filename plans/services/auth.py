"""Signing in and staying signed in: passwords (argon2), single-use emailed links, browser sessions
with their form (CSRF) token, and the rate limit on failed attempts. Every attempt is recorded.

Services return an outcome for a refused sign-in instead of raising, so the attempt's record is
committed with the refusal (the rate limit counts it).
"""

from __future__ import annotations

import hashlib
import math
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy.orm import Session

from plans.config import settings
from plans.delivery import deliver_after_commit
from plans.domain.errors import NotFound
from plans.models import Person, Role, SignInEvent, SignInLink, WebSession
from plans.repositories.access import LIMITED, AccessRepository
from plans.repositories.people import PeopleRepository
from plans.services.actors import Actor
from plans.services.outbox import enqueue


@lru_cache(maxsize=4)
def _hasher_for(memory_kib: int, time_cost: int) -> tuple[PasswordHasher, str]:
    """The hasher for these costs, and a hash to verify against when the email is unknown (so a wrong
    address costs as long as a wrong password)."""
    hasher = PasswordHasher(time_cost=time_cost, memory_cost=memory_kib)
    return hasher, hasher.hash(secrets.token_urlsafe(16))


def _hasher() -> tuple[PasswordHasher, str]:
    return _hasher_for(settings.password_hash_memory_kib, settings.password_hash_time_cost)


WRONG = "The email address or password is not right. Check them and try again."


def token_hash(token: str) -> str:
    """What is stored for a secret: its SHA-256 (the secrets are random, so no salt is needed)."""
    return hashlib.sha256(token.encode()).hexdigest()


def normalise_email(email: str) -> str:
    return email.strip().lower()


def hash_password(password: str) -> str:
    return _hasher()[0].hash(password)


@dataclass(frozen=True)
class Principal:
    """Who is making a request: a signed-in person (browser session) or an integration (API token)."""

    person_id: int
    name: str
    email: str
    roles: frozenset[Role]
    via: str
    csrf_token: str | None = None

    @property
    def role_names(self) -> frozenset[str]:
        return frozenset(r.value for r in self.roles)

    @property
    def actor(self) -> Actor:
        return Actor(self.person_id, f"{self.name} <{self.email}>", self.roles)


@dataclass(frozen=True)
class SignIn:
    """The result of a sign-in attempt: a new session's cookie value, or why not."""

    ok: bool
    message: str = ""
    limited: bool = False
    cookie: str | None = None
    person_id: int | None = None


def _record(
    session: Session, email: str, person_id: int | None, method: str, outcome: str, client: str, now: datetime
) -> None:
    AccessRepository(session).record_attempt(
        SignInEvent(
            email=email[:320],
            person_id=person_id,
            method=method,
            succeeded=outcome == "ok",
            outcome=outcome,
            client=client[:64],
            at=now,
        )
    )


def _limit(session: Session, email: str, client: str, now: datetime) -> str | None:
    """Why this attempt is refused by the rate limit, or None."""
    repo = AccessRepository(session)
    window = timedelta(minutes=settings.sign_in_window_minutes)
    since = now - window
    if repo.failures_since(email=email, since=since) >= settings.sign_in_max_failures:
        oldest = repo.oldest_failure_since(email=email, since=since) or now
        minutes = max(1, math.ceil((oldest + window - now).total_seconds() / 60))
        return f"Too many failed attempts to sign in with this email address. Try again in {minutes} minute(s)."
    if repo.failures_since(client=client, since=since) >= settings.sign_in_max_client_failures:
        return "Too many failed sign-in attempts from this device. Try again later."
    return None


def start_session(session: Session, *, person_id: int, method: str, now: datetime) -> str:
    """A new browser session; returns the cookie value (only its hash is stored)."""
    cookie = secrets.token_urlsafe(32)
    AccessRepository(session).add_session(
        WebSession(
            token_hash=token_hash(cookie),
            person_id=person_id,
            csrf_token=secrets.token_urlsafe(32),
            method=method,
            created_at=now,
            last_seen_at=now,
            expires_at=now + timedelta(hours=settings.session_hours),
        )
    )
    return cookie


def sign_in_with_password(session: Session, *, email: str, password: str, client: str, now: datetime) -> SignIn:
    """Check an email and password; a session on success, a reason (the same for both) otherwise."""
    email = normalise_email(email)
    if (why := _limit(session, email, client, now)) is not None:
        _record(session, email, None, "password", LIMITED, client, now)
        return SignIn(False, why, limited=True)
    person = PeopleRepository(session).people_by_email([email]).get(email) if email else None
    stored = AccessRepository(session).password_hash(person.id) if person else None
    hasher, dummy = _hasher()
    try:
        hasher.verify(stored or dummy, password)
        valid = stored is not None
    except (VerificationError, InvalidHashError):
        valid = False
    if not valid or person is None:
        _record(session, email, person.id if person else None, "password", "wrong", client, now)
        return SignIn(False, WRONG)
    assert stored is not None
    if hasher.check_needs_rehash(stored):
        AccessRepository(session).set_password_hash(person.id, hasher.hash(password), now)
    _record(session, email, person.id, "password", "ok", client, now)
    return SignIn(
        True, cookie=start_session(session, person_id=person.id, method="password", now=now), person_id=person.id
    )


def request_sign_in_link(session: Session, *, email: str, client: str, now: datetime) -> None:
    """Email a single-use sign-in link if the address belongs to someone. The answer is the same
    either way, so the form tells nobody who has an account; requests are limited per address."""
    email = normalise_email(email)
    repo = AccessRepository(session)
    since = now - timedelta(minutes=settings.sign_in_window_minutes)
    if repo.links_requested_since(email=email, since=since) >= 3 or _limit(session, email, client, now):
        _record(session, email, None, "link_request", LIMITED, client, now)
        return
    person = PeopleRepository(session).people_by_email([email]).get(email)
    _record(session, email, person.id if person else None, "link_request", "sent" if person else "unknown", client, now)
    if person is None:
        return
    token = secrets.token_urlsafe(32)
    minutes = settings.sign_in_link_minutes
    link = repo.add_link(
        SignInLink(
            token_hash=token_hash(token),
            person_id=person.id,
            created_at=now,
            expires_at=now + timedelta(minutes=minutes),
        )
    )
    message, _ = enqueue(
        session,
        key=f"sign-in-link:{link.id}",
        kind="sign_in_link",
        to=person.email,
        template="sign_in_link",
        now=now,
        name=person.name,
        link=f"{settings.resolved_public_url()}/sign-in/link/{token}",
        minutes=int(minutes),
    )
    deliver_after_commit(session, message.id)


def sign_in_with_link(session: Session, *, token: str, client: str, now: datetime) -> SignIn:
    """Use a sign-in link: once, before it expires."""
    repo = AccessRepository(session)
    hashed = token_hash(token)
    person_id = repo.use_link(hashed, now)
    if person_id is None:
        link = repo.link(hashed)
        outcome = "unknown" if link is None else "used" if link.used_at else "expired"
        _record(session, "", link.person_id if link else None, "link", f"link_{outcome}", client, now)
        reason = {
            "unknown": "That sign-in link is not right. Check you copied all of it, or ask for a new one.",
            "used": "That sign-in link has been used already. Each link works once: ask for a new one.",
            "expired": "That sign-in link has expired. Links work for a short time: ask for a new one.",
        }[outcome]
        return SignIn(False, reason)
    person = PeopleRepository(session).get_person(person_id)
    assert person is not None
    _record(session, person.email.lower(), person.id, "link", "ok", client, now)
    return SignIn(True, cookie=start_session(session, person_id=person.id, method="link", now=now), person_id=person.id)


def principal_for_session(session: Session, *, cookie: str, now: datetime) -> Principal | None:
    """The person a session cookie belongs to, if the session is open, unexpired and recently used."""
    found = AccessRepository(session).session_with_person(token_hash(cookie))
    if found is None:
        return None
    row, person = found
    idle = timedelta(minutes=settings.session_idle_minutes)
    if row.ended_at is not None or now >= row.expires_at or now - row.last_seen_at >= idle:
        return None
    if now - row.last_seen_at >= timedelta(minutes=1):  # one write a minute, not one per request
        row.last_seen_at = now
    return _principal(session, person, "session", row.csrf_token)


def _principal(session: Session, person: Person, via: str, csrf: str | None) -> Principal:
    roles = frozenset(PeopleRepository(session).roles_of(person.id))
    return Principal(person.id, person.name, person.email, roles, via, csrf)


def principal_of(session: Session, *, email: str) -> Principal:
    """The principal for a person by email, for commands run by an administrator on the server."""
    person = PeopleRepository(session).people_by_email([normalise_email(email)]).get(normalise_email(email))
    if person is None:
        raise NotFound(f"email: nobody has the address {email}")
    return _principal(session, person, "cli", None)


def sign_out(session: Session, *, cookie: str, now: datetime) -> None:
    """End the session this cookie belongs to (nothing to do if there is none)."""
    found = AccessRepository(session).session_with_person(token_hash(cookie))
    if found is not None and found[0].ended_at is None:
        found[0].ended_at = now
        session.flush()
