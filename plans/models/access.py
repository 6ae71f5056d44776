"""Who may sign in and how: passwords, browser sessions, single-use sign-in links, API tokens, the
record of every sign-in attempt.

Every secret (session cookie, link, API token) is stored only as its SHA-256: a copy of the database
lets nobody sign in. Respondents never appear here; they answer surveys by invitation token.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from plans.models.base import Base, UTCDateTime, utcnow


class Password(Base):
    """A person's argon2 password hash; people without one sign in by emailed link."""

    __tablename__ = "passwords"

    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), primary_key=True)
    hash: Mapped[str] = mapped_column(String(200))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class WebSession(Base):
    """A signed-in browser: the cookie holds the token, this row its hash and the form (CSRF) token."""

    __tablename__ = "web_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    method: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class SignInLink(Base):
    """A single-use link sent by email; ``used_at`` is set by one conditional update, so two clicks
    racing each other cannot both sign in."""

    __tablename__ = "sign_in_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ApiToken(Base):
    """A bearer token for an integration, acting as the person who made it; revocable."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    prefix: Mapped[str] = mapped_column(String(16))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class SignInEvent(Base):
    """Every sign-in attempt, successful or not; failures counted here are the rate limit."""

    __tablename__ = "sign_in_events"
    __table_args__ = (
        Index("ix_sign_in_events_email_at", "email", "at"),
        Index("ix_sign_in_events_client_at", "client", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(320))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    method: Mapped[str] = mapped_column(String(20))
    succeeded: Mapped[bool] = mapped_column(Boolean)
    outcome: Mapped[str] = mapped_column(String(40))
    client: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
