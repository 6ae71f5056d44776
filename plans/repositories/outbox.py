"""All SQL for the outbox: write a message once per idempotency key (one at a time or a whole batch),
store shared bodies once, find what is due, claim it, mark it sent."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Row, Select, exists, func, select, true, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from plans.models import OutboxBody, OutboxMessage
from plans.repositories.dialect import insert_ignoring_conflicts

BATCH = 5000


def _claimable(now: datetime) -> tuple[ColumnElement[bool], ...]:
    """Unsent, due, and not leased to a sender (or the lease has run out)."""
    m = OutboxMessage
    return (m.sent_at.is_(None), m.next_attempt_at <= now, m.claimed_until.is_(None) | (m.claimed_until <= now))


class OutboxRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def by_key(self, key: str) -> OutboxMessage | None:
        return self.session.scalar(select(OutboxMessage).where(OutboxMessage.idempotency_key == key))

    def add_once(self, message: OutboxMessage) -> tuple[OutboxMessage, bool]:
        """Insert unless a message with the same key exists; (the message in the outbox, created?).

        The unique key decides, not the check before it: two writers racing both try the insert, one
        wins, and the other gets the winner's row back."""
        existing = self.by_key(message.idempotency_key)
        if existing is not None:
            return existing, False
        try:
            with self.session.begin_nested():
                self.session.add(message)
                self.session.flush()
        except IntegrityError:
            existing = self.by_key(message.idempotency_key)
            if existing is None:
                raise
            return existing, False
        return message, True

    def body_id(self, subject: str, text: str, html: str) -> int:
        """The id of a shared body with exactly these words, stored on first use."""
        digest = hashlib.sha256("\x00".join((subject, text, html)).encode()).hexdigest()
        stmt = insert_ignoring_conflicts(self.session, OutboxBody, ["digest"])
        self.session.execute(stmt, [{"digest": digest, "subject": subject, "body_text": text, "body_html": html}])
        return int(self.session.scalar(select(OutboxBody.id).where(OutboxBody.digest == digest)) or 0)

    def body(self, body_id: int) -> OutboxBody | None:
        return self.session.get(OutboxBody, body_id)

    def add_many(self, rows: Sequence[dict[str, Any]]) -> int:
        """Insert messages, skipping every idempotency key already present; how many were new."""
        # counted by RETURNING: an executemany's rowcount is -1 on psycopg, and the ORM's result has none
        stmt = insert_ignoring_conflicts(self.session, OutboxMessage, ["idempotency_key"]).returning(OutboxMessage.id)
        conn = self.session.connection()
        return sum(
            len(conn.execute(stmt, list(rows[start : start + BATCH])).all()) for start in range(0, len(rows), BATCH)
        )

    def add_from_select(self, columns: list[str], source: Select[Any]) -> int:
        """``INSERT INTO outbox_messages (columns) SELECT ...`` skipping existing keys: the set-wise path
        for messages to many people (reminders), no row passes through Python but the new ids, counted
        (psycopg reports rowcount -1 for these INSERTs). ``WHERE true``: SQLite cannot otherwise tell
        the upsert's ON from a join's."""
        stmt = insert_ignoring_conflicts(self.session, OutboxMessage, ["idempotency_key"])
        stmt = stmt.from_select(columns, source.where(true())).returning(OutboxMessage.id)
        return len(self.session.connection().execute(stmt).all())

    def due_ids(self, now: datetime, limit: int) -> list[int]:
        """Unsent messages due now whose lease (if any) has run out, oldest first."""
        stmt = (
            select(OutboxMessage.id)
            .where(*_claimable(now))
            .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
            .limit(limit)
        )
        return list(self.session.scalars(stmt))

    def claim(self, message_ids: Sequence[int], now: datetime, until: datetime) -> list[int]:
        """Lease these messages to one sender (those still unsent, due and unclaimed); the ids it got.

        The conditional UPDATE is the arbiter between senders: a second sender's UPDATE waits for the
        first one's commit, then finds the lease taken and leaves the row alone."""
        if not message_ids:
            return []
        stmt = (
            update(OutboxMessage)
            .where(OutboxMessage.id.in_(message_ids), *_claimable(now))
            .values(claimed_until=until)
            .returning(OutboxMessage.id)
        )
        return sorted(self.session.scalars(stmt))

    def claim_due(self, now: datetime, until: datetime, limit: int) -> list[int]:
        """Lease up to ``limit`` due messages, oldest first, to one sender; the ids it got.

        One statement, first in its transaction (SQLite then takes the write lock before reading). On
        PostgreSQL ``SKIP LOCKED`` sends concurrent senders to different rows instead of queueing them on
        the same ones; the UPDATE's own condition still decides. The choice is a MATERIALIZED CTE: as a
        plain ``IN (subquery)`` PostgreSQL may run it again per row, and each rerun skips the rows
        already updated and takes more, past the limit."""
        due = (
            select(OutboxMessage.id)
            .where(*_claimable(now))
            .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
            .cte("due")
            .prefix_with("MATERIALIZED")
        )
        stmt = (
            update(OutboxMessage)
            .where(OutboxMessage.id.in_(select(due.c.id)), *_claimable(now))
            .values(claimed_until=until)
            .returning(OutboxMessage.id)
        )
        return sorted(self.session.scalars(stmt))

    def for_sending(self, message_ids: Sequence[int]) -> list[Row[Any]]:
        """What a sender needs of each message (no ORM objects: a batch is hundreds of rows)."""
        m = OutboxMessage
        stmt = (
            select(m.id, m.idempotency_key, m.to_address, m.subject, m.body_text, m.body_html, m.body_id)
            .add_columns(m.link_ref, m.created_at, m.attempts)
            .where(m.id.in_(message_ids))
            .order_by(m.next_attempt_at, m.id)
        )
        return list(self.session.execute(stmt))

    def bodies(self, body_ids: Sequence[int]) -> dict[int, tuple[str, str, str]]:
        """Shared bodies by id: (subject, text, HTML)."""
        if not body_ids:
            return {}
        b = OutboxBody
        rows = self.session.execute(select(b.id, b.subject, b.body_text, b.body_html).where(b.id.in_(body_ids)))
        return {r.id: (r.subject, r.body_text, r.body_html) for r in rows}

    def mark_sent(self, message_id: int, now: datetime) -> None:
        """The server accepted the message: record it and end the lease."""
        m = OutboxMessage
        self._run(
            update(m)
            .where(m.id == message_id, m.sent_at.is_(None))
            .values(sent_at=now, attempts=m.attempts + 1, last_error=None, claimed_until=None)
        )

    def mark_failed(self, message_id: int, error: str, retry_at: datetime) -> None:
        """The attempt failed: keep the reason, try again at ``retry_at``, end the lease."""
        m = OutboxMessage
        self._run(
            update(m)
            .where(m.id == message_id, m.sent_at.is_(None))
            .values(attempts=m.attempts + 1, last_error=error, next_attempt_at=retry_at, claimed_until=None)
        )

    def release(self, message_ids: Sequence[int]) -> None:
        """End the lease on messages a sender claimed and did not try (another may take them now)."""
        if message_ids:
            m = OutboxMessage
            self._run(update(m).where(m.id.in_(message_ids), m.sent_at.is_(None)).values(claimed_until=None))

    def _run(self, statement: Any) -> None:
        # Core execution: the ORM's bulk-UPDATE machinery costs more than the statement, once a message
        self.session.connection().execute(statement)

    def any_due(self, now: datetime) -> bool:
        """Whether any message could be claimed now."""
        return bool(self.session.scalar(select(exists().where(*_claimable(now)))))

    def count_due(self, now: datetime) -> int:
        """Unsent messages due now (claimed or not)."""
        stmt = select(func.count()).where(OutboxMessage.sent_at.is_(None), OutboxMessage.next_attempt_at <= now)
        return int(self.session.scalar(stmt) or 0)

    def pending(self, limit: int = 100) -> Sequence[OutboxMessage]:
        stmt = select(OutboxMessage).where(OutboxMessage.sent_at.is_(None)).order_by(OutboxMessage.id).limit(limit)
        return self.session.scalars(stmt).all()

    def count_unsent(self) -> int:
        return int(self.session.scalar(select(func.count()).where(OutboxMessage.sent_at.is_(None))) or 0)

    def to_address(self, address: str) -> Sequence[OutboxMessage]:
        stmt = select(OutboxMessage).where(OutboxMessage.to_address == address).order_by(OutboxMessage.id)
        return self.session.scalars(stmt).all()
