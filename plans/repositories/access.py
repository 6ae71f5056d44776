"""All SQL for signing in: passwords, sessions, single-use links, API tokens and the sign-in record."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from plans.models import ApiToken, Password, Person, SignInEvent, SignInLink, WebSession

# attempts refused by the limit are recorded but not counted, so the limit lifts a window after the
# last real failure however often the refused client keeps trying
LIMITED = "rate_limited"


class AccessRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    # passwords
    def password_hash(self, person_id: int) -> str | None:
        return self.session.scalar(select(Password.hash).where(Password.person_id == person_id))

    def set_password_hash(self, person_id: int, hashed: str, now: datetime) -> None:
        row = self.session.get(Password, person_id)
        if row is None:
            self.session.add(Password(person_id=person_id, hash=hashed, updated_at=now))
        else:
            row.hash, row.updated_at = hashed, now
        self.session.flush()

    # sign-in record and its rate limit
    def record_attempt(self, event: SignInEvent) -> None:
        self.session.add(event)
        self.session.flush()

    def failures_since(self, *, email: str | None = None, client: str | None = None, since: datetime) -> int:
        """Failed attempts (any method) for an email address or a client since ``since``."""
        stmt = (
            select(func.count())
            .select_from(SignInEvent)
            .where(SignInEvent.at >= since, ~SignInEvent.succeeded, SignInEvent.outcome != LIMITED)
        )
        if email is not None:
            stmt = stmt.where(SignInEvent.email == email)
        if client is not None:
            stmt = stmt.where(SignInEvent.client == client)
        return self.session.scalar(stmt) or 0

    def oldest_failure_since(self, *, email: str, since: datetime) -> datetime | None:
        stmt = select(func.min(SignInEvent.at)).where(
            SignInEvent.email == email, SignInEvent.at >= since, ~SignInEvent.succeeded, SignInEvent.outcome != LIMITED
        )
        return self.session.scalar(stmt)

    def links_requested_since(self, *, email: str, since: datetime) -> int:
        stmt = (
            select(func.count())
            .select_from(SignInEvent)
            .where(SignInEvent.email == email, SignInEvent.method == "link_request", SignInEvent.at >= since)
        )
        return self.session.scalar(stmt) or 0

    def attempts_of(self, email: str) -> Sequence[SignInEvent]:
        stmt = select(SignInEvent).where(SignInEvent.email == email).order_by(SignInEvent.id)
        return self.session.scalars(stmt).all()

    # sessions
    def add_session(self, row: WebSession) -> WebSession:
        self.session.add(row)
        self.session.flush()
        return row

    def session_with_person(self, token_hash: str) -> tuple[WebSession, Person] | None:
        stmt = (
            select(WebSession, Person)
            .join(Person, Person.id == WebSession.person_id)
            .where(WebSession.token_hash == token_hash)
        )
        row = self.session.execute(stmt).first()
        return (row[0], row[1]) if row else None

    def end_sessions_of(self, person_id: int, now: datetime) -> int:
        """End every open session of a person (after a password change, or when access is removed)."""
        stmt = (
            update(WebSession)
            .where(WebSession.person_id == person_id, WebSession.ended_at.is_(None))
            .values(ended_at=now)
        )
        return self.session.execute(stmt).rowcount  # type: ignore[attr-defined, no-any-return]

    # sign-in links
    def add_link(self, row: SignInLink) -> SignInLink:
        self.session.add(row)
        self.session.flush()
        return row

    def link(self, token_hash: str) -> SignInLink | None:
        return self.session.scalar(select(SignInLink).where(SignInLink.token_hash == token_hash))

    def use_link(self, token_hash: str, now: datetime) -> int | None:
        """Mark the link used if it is unused and unexpired, in one statement; the person's id, or None."""
        stmt = (
            update(SignInLink)
            .where(SignInLink.token_hash == token_hash, SignInLink.used_at.is_(None), SignInLink.expires_at > now)
            .values(used_at=now)
            .returning(SignInLink.person_id)
        )
        return self.session.scalar(stmt)

    # API tokens
    def add_token(self, row: ApiToken) -> ApiToken:
        self.session.add(row)
        self.session.flush()
        return row

    def token_with_person(self, token_hash: str) -> tuple[ApiToken, Person] | None:
        stmt = (
            select(ApiToken, Person)
            .join(Person, Person.id == ApiToken.person_id)
            .where(ApiToken.token_hash == token_hash)
        )
        row = self.session.execute(stmt).first()
        return (row[0], row[1]) if row else None

    def tokens_of(self, person_id: int) -> Sequence[ApiToken]:
        stmt = select(ApiToken).where(ApiToken.person_id == person_id).order_by(ApiToken.id)
        return self.session.scalars(stmt).all()

    def token(self, token_id: int) -> ApiToken | None:
        return self.session.get(ApiToken, token_id)
