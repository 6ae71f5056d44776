"""Sending the outbox: the transaction boundary for delivery.

A sender claims a batch of due messages with a lease (one commit), sends them over one SMTP connection,
and marks each one sent in its own transaction (one autocommitted UPDATE) straight after the server
accepts it. So a crash loses
nothing and repeats at most the message in flight: the duplicate window is one SMTP transaction plus
one commit, and the resend carries the same ``Message-ID``. A sender that dies keeps its claim until
the lease runs out (``delivery_lease_seconds``), then any sender takes the messages again. The claim is
the arbiter between concurrent senders. See docs/email.md.

Used after commit for messages people are waiting for (sign-in links), by ``coproduce mail send``, and
by the ``deliver-outbox`` flow for everything due.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from plans import smtp
from plans.config import settings
from plans.db import after_commit, get_engine, session_scope
from plans.faults import fault_point
from plans.models import utcnow
from plans.repositories.outbox import OutboxRepository
from plans.services.outbox import Rendered, retry_at, with_link

log = logging.getLogger(__name__)
LEASE_MARGIN = 0.8  # stop sending a batch once this share of its lease is used (clock skew, slow servers)


@dataclass
class Outcome:
    """What a delivery run did. ``skipped``: asked for but not claimed (sent already, not due, or another
    sender has it); ``left``: claimed but not tried because the batch stopped early (``stopped`` says
    why), released at once for the next run."""

    claimed: int = 0
    sent: int = 0
    failed: int = 0
    skipped: int = 0
    left: int = 0
    stopped: str | None = None
    connection_failed: bool = False  # stopped because the SMTP server could not be reached or hung up

    def add(self, other: Outcome) -> None:
        """Add another batch's counts to these."""
        self.claimed += other.claimed
        self.sent += other.sent
        self.failed += other.failed
        self.skipped += other.skipped
        self.left += other.left
        self.stopped = other.stopped or self.stopped
        self.connection_failed = other.connection_failed or self.connection_failed

    def as_dict(self) -> dict[str, Any]:
        """The counts as a plain dict (for logs and flow results)."""
        return asdict(self)


def lease() -> timedelta:
    """How long a sender's claim on a batch lasts."""
    return timedelta(seconds=settings.delivery_lease_seconds)


def deliver(message_ids: Sequence[int], now: datetime | None = None) -> Outcome:
    """Send these messages if they are due and nobody else is sending them."""
    now = now or utcnow()
    with session_scope() as session:
        claimed = OutboxRepository(session).claim(message_ids, now, now + lease())
    with smtp.Sender() as sender:
        outcome = _send_claimed(claimed, now, sender)
    outcome.skipped += len(set(message_ids)) - len(claimed)
    return outcome


def deliver_batch(now: datetime | None = None, limit: int | None = None, sender: smtp.Sender | None = None) -> Outcome:
    """Claim up to ``limit`` due messages (oldest first) and send them over one connection.

    A sender not yet connected connects before it claims (if anything is due): a server that cannot be
    reached then leaves every message alone, and senders running at once do not pass a batch around."""
    now = now or utcnow()
    if sender is None:
        with smtp.Sender() as own:
            return deliver_batch(now, limit, own)
    if not sender.connected:
        with session_scope() as session:
            if not OutboxRepository(session).any_due(now):
                return Outcome()
        try:
            sender.connect()
        except smtp.CannotConnect as exc:
            return Outcome(stopped=str(exc), connection_failed=True)
    with session_scope() as session:
        claimed = OutboxRepository(session).claim_due(now, now + lease(), limit or settings.delivery_batch)
    return _send_claimed(claimed, now, sender)


def deliver_due(
    now: datetime | None = None,
    batch: int | None = None,
    max_seconds: float | None = None,
    connections: int | None = None,
) -> Outcome:
    """Send every message that is due, with ``connections`` senders at once (each its own SMTP
    connection, claiming batch after batch), until none is left, the server cannot be used, or
    ``max_seconds`` have passed. Each sender is strictly one message at a time: running several
    multiplies throughput without widening the duplicate window."""
    if not settings.smtp_host:
        return Outcome()
    started = time.monotonic()
    server_down = threading.Event()  # one sender finding the server unusable stops the others too

    def one_sender() -> Outcome:
        total = Outcome()
        with smtp.Sender() as sender:
            while not server_down.is_set() and (max_seconds is None or time.monotonic() - started < max_seconds):
                outcome = deliver_batch(now, batch, sender)
                total.add(outcome)
                if outcome.connection_failed:
                    server_down.set()
                if outcome.claimed == 0 or outcome.stopped:
                    break
        return total

    connections = connections or settings.delivery_connections
    if connections == 1:
        return one_sender()
    total = Outcome()
    with ThreadPoolExecutor(connections, thread_name_prefix="coproduce-sender") as pool:
        for outcome in pool.map(lambda _: one_sender(), range(connections)):
            total.add(outcome)
    return total


def waiting(now: datetime | None = None) -> int:
    """How many unsent messages are due now."""
    with session_scope() as session:
        return OutboxRepository(session).count_due(now or utcnow())


def deliver_after_commit(session: Session, message_id: int) -> None:
    """Send a message as soon as its transaction commits (someone is waiting for it); if that fails it
    stays in the outbox and the next delivery run sends it."""
    if settings.smtp_host:
        after_commit(session, lambda: log.info("delivery of message %s: %s", message_id, deliver([message_id])))


@contextmanager
def _autocommit_session() -> Iterator[Session]:
    """A session in which every statement is a transaction of its own: a message's mark is one
    statement, one round trip, and durable when it returns."""
    with get_engine().connect().execution_options(isolation_level="AUTOCOMMIT") as conn, Session(bind=conn) as session:
        yield session


def _send_claimed(claimed: list[int], now: datetime, sender: smtp.Sender) -> Outcome:
    """Send messages this sender has just claimed, marking each in its own transaction."""
    outcome = Outcome(claimed=len(claimed))
    if not claimed:
        return outcome
    fault_point("after_claim")
    deadline = time.monotonic() + settings.delivery_lease_seconds * LEASE_MARGIN
    with _autocommit_session() as session:
        repo = OutboxRepository(session)
        rows = repo.for_sending(claimed)
        bodies = repo.bodies(sorted({r.body_id for r in rows if r.body_id is not None}))
        secret = settings.resolved_secret_key() if any(r.link_ref for r in rows) else None
        untried: list[int] = []
        for i, row in enumerate(rows):
            if time.monotonic() > deadline:
                outcome.stopped = "the batch used most of its lease; the rest is left for the next run"
                untried = [r.id for r in rows[i:]]
                break
            tried = _send_one(repo, sender, row, bodies, secret, now, outcome)
            if outcome.stopped:
                untried = [r.id for r in rows[i + tried :]]
                break
        if untried:  # back at once, not after the lease
            repo.release(untried)
            outcome.left += len(untried)
    return outcome


def _send_one(
    repo: OutboxRepository,
    sender: smtp.Sender,
    row: Any,
    bodies: dict[int, tuple[str, str, str]],
    secret: bytes | None,
    now: datetime,
    outcome: Outcome,
) -> bool:
    """Send one claimed message and commit its mark, or its failure and when to retry; False if it was
    not tried (no connection to the server could be made)."""
    try:
        words = (
            Rendered(*bodies[row.body_id])
            if row.body_id is not None
            else Rendered(row.subject, row.body_text, row.body_html)
        )
        data = smtp.build(
            key=row.idempotency_key,
            to=row.to_address,
            created_at=row.created_at,
            content=with_link(words, row.link_ref, secret),
            cfg=settings,
        )
        fault_point("before_smtp")
        sender.send(row.to_address, data)
    except smtp.CannotConnect as exc:  # nothing of this message reached the server: not its fault
        outcome.stopped, outcome.connection_failed = str(exc), True
        return False
    except Exception as exc:  # a refusal, a dropped connection mid-message, a missing body: retried later
        repo.mark_failed(row.id, f"{type(exc).__name__}: {exc}"[:2000], retry_at(now, row.attempts + 1))
        outcome.failed += 1
        if isinstance(exc, smtp.ConnectionLost):
            outcome.stopped, outcome.connection_failed = str(exc), True
        return True
    fault_point("after_smtp_accept")
    repo.mark_sent(row.id, now)  # committed when it returns (autocommit)
    fault_point("after_mark")
    outcome.sent += 1
    return True
