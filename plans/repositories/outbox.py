"""All SQL for the outbox: write a message once per idempotency key, find what is due, mark it sent."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from plans.models import OutboxMessage


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

    def get_for_update(self, message_id: int) -> OutboxMessage | None:
        """The message, locked against a second sender (skipped if another sender holds it)."""
        stmt = select(OutboxMessage).where(OutboxMessage.id == message_id).with_for_update(skip_locked=True)
        return self.session.scalar(stmt)

    def due_ids(self, now: datetime, limit: int) -> list[int]:
        stmt = (
            select(OutboxMessage.id)
            .where(OutboxMessage.sent_at.is_(None), OutboxMessage.next_attempt_at <= now)
            .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
            .limit(limit)
        )
        return list(self.session.scalars(stmt))

    def pending(self, limit: int = 100) -> Sequence[OutboxMessage]:
        stmt = select(OutboxMessage).where(OutboxMessage.sent_at.is_(None)).order_by(OutboxMessage.id).limit(limit)
        return self.session.scalars(stmt).all()

    def to_address(self, address: str) -> Sequence[OutboxMessage]:
        stmt = select(OutboxMessage).where(OutboxMessage.to_address == address).order_by(OutboxMessage.id)
        return self.session.scalars(stmt).all()
