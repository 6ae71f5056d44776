"""The outbox: every email is a row written in the same transaction as the decision that causes it,
under a unique idempotency key that also gives it a stable ``Message-ID``.

Messages sent to many people with the same words (survey invitations and reminders) share one
rendered body (``outbox_bodies``); each row then carries only its recipient and, where the message
holds a personal survey link, a reference from which the sender derives the link at send time. The
link itself is never stored: invitation tokens exist in the database only as hashes.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from plans.models.base import Base, UTCDateTime


class OutboxBody(Base):
    """A rendered message (subject, text, HTML) shared by every row that points at it; ``digest`` is the
    SHA-256 of the three parts, so the same words are stored once."""

    __tablename__ = "outbox_bodies"

    id: Mapped[int] = mapped_column(primary_key=True)
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    subject: Mapped[str] = mapped_column(String(300))
    body_text: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)


class OutboxMessage(Base):
    """One email to one address. Its words are either its own (``subject``/``body_*``) or a shared
    body's (``body_id``); ``link_ref`` names the personal survey link to put in place of the body's
    placeholder when it is sent. ``claimed_until`` is a sender's lease: a sender that dies mid-send
    leaves the message to be retried once the lease runs out."""

    __tablename__ = "outbox_messages"
    # the one index senders need: what is unsent, in the order it falls due. Partial, so the million
    # messages already sent cost nothing to keep or to skip (measured: the claim's sort went from a
    # fifth of the senders' time to 1-2%, and reminder inserts got faster without four other indexes)
    __table_args__ = (
        Index(
            "ix_outbox_messages_due",
            "next_attempt_at",
            "id",
            postgresql_where=text("sent_at IS NULL"),
            sqlite_where=text("sent_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(40))
    to_address: Mapped[str] = mapped_column(String(320))
    subject: Mapped[str | None] = mapped_column(String(300))
    body_text: Mapped[str | None] = mapped_column(Text)
    body_html: Mapped[str | None] = mapped_column(Text)
    body_id: Mapped[int | None] = mapped_column(ForeignKey("outbox_bodies.id"))
    link_ref: Mapped[str | None] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime)
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
