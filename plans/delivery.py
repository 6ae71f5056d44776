"""Sending the outbox: the transaction boundary for delivery (one commit per message, straight after
the SMTP server accepts it). Used after commit for messages people are waiting for (sign-in links)
and by the delivery flow for everything due."""

from __future__ import annotations

import logging
from collections import Counter
from datetime import datetime

from sqlalchemy.orm import Session

from plans import smtp
from plans.config import settings
from plans.db import after_commit, session_scope
from plans.models import utcnow
from plans.repositories.outbox import OutboxRepository
from plans.services.outbox import send_one

log = logging.getLogger(__name__)


def deliver(message_ids: list[int], now: datetime | None = None) -> Counter[str]:
    """Send these messages, each in its own transaction; counts of sent / failed / skipped."""
    counts: Counter[str] = Counter()
    for message_id in message_ids:
        with session_scope() as session:
            counts[send_one(session, message_id=message_id, send=smtp.send, now=now or utcnow())] += 1
    return counts


def deliver_due(now: datetime | None = None, batch: int = 200) -> Counter[str]:
    """Send every message that is due, oldest first, in batches."""
    now = now or utcnow()
    total: Counter[str] = Counter()
    if not settings.smtp_host:
        return total
    while True:
        with session_scope() as session:
            ids = OutboxRepository(session).due_ids(now, batch)
        if not ids:
            return total
        counts = deliver(ids, now)
        total.update(counts)
        if counts["sent"] == 0:  # everything in the batch failed or was taken: try again next run
            return total


def deliver_after_commit(session: Session, message_id: int) -> None:
    """Send a message as soon as its transaction commits (someone is waiting for it); if that fails it
    stays in the outbox and the next delivery run sends it."""
    if settings.smtp_host:
        after_commit(session, lambda: log.info("delivery of message %s: %s", message_id, dict(deliver([message_id]))))
