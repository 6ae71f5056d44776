"""All SQL for the outbox: write a message once per idempotency key (one at a time or a whole batch),
store shared bodies once, find what is due, claim it, mark it sent."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from plans.models import OutboxBody, OutboxMessage
from plans.repositories.dialect import insert_ignoring_conflicts

BATCH = 5000


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
        stmt = insert_ignoring_conflicts(self.session, OutboxMessage, ["idempotency_key"])
        added = 0
        for start in range(0, len(rows), BATCH):
            added += self.session.execute(stmt, list(rows[start : start + BATCH])).rowcount or 0
        return added

    def add_from_select(self, columns: list[str], source: Select[Any]) -> int:
        """``INSERT INTO outbox_messages (columns) SELECT ...`` skipping existing keys: the set-wise path
        for messages to many people (reminders), no row passes through Python."""
        stmt = insert_ignoring_conflicts(self.session, OutboxMessage, ["idempotency_key"])
        return self.session.execute(stmt.from_select(columns, source)).rowcount or 0

    def get_for_update(self, message_id: int) -> OutboxMessage | None:
        """The message, locked against a second sender (skipped if another sender holds it)."""
        stmt = select(OutboxMessage).where(OutboxMessage.id == message_id).with_for_update(skip_locked=True)
        return self.session.scalar(stmt)

    def due_ids(self, now: datetime, limit: int) -> list[int]:
        """Unsent messages due now whose lease (if any) has run out, oldest first."""
        stmt = (
            select(OutboxMessage.id)
            .where(
                OutboxMessage.sent_at.is_(None),
                OutboxMessage.next_attempt_at <= now,
                (OutboxMessage.claimed_until.is_(None)) | (OutboxMessage.claimed_until <= now),
            )
            .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
            .limit(limit)
        )
        return list(self.session.scalars(stmt))

    def claim(self, message_ids: Sequence[int], now: datetime, until: datetime) -> list[int]:
        """Lease these messages to one sender (those still unsent and unclaimed); the ids it got."""
        if not message_ids:
            return []
        stmt = (
            update(OutboxMessage)
            .where(
                OutboxMessage.id.in_(message_ids),
                OutboxMessage.sent_at.is_(None),
                (OutboxMessage.claimed_until.is_(None)) | (OutboxMessage.claimed_until <= now),
            )
            .values(claimed_until=until)
            .returning(OutboxMessage.id)
        )
        return sorted(self.session.scalars(stmt))

    def pending(self, limit: int = 100) -> Sequence[OutboxMessage]:
        stmt = select(OutboxMessage).where(OutboxMessage.sent_at.is_(None)).order_by(OutboxMessage.id).limit(limit)
        return self.session.scalars(stmt).all()

    def count_unsent(self) -> int:
        return int(self.session.scalar(select(func.count()).where(OutboxMessage.sent_at.is_(None))) or 0)

    def to_address(self, address: str) -> Sequence[OutboxMessage]:
        stmt = select(OutboxMessage).where(OutboxMessage.to_address == address).order_by(OutboxMessage.id)
        return self.session.scalars(stmt).all()
