"""Delivery in one process against a real SMTP server (aiosmtpd) on SQLite and PostgreSQL: the claim
decides between senders, one connection serves a batch and is opened again when the server drops it,
refusals back off, an unreachable server leaves everything for the next run."""

from __future__ import annotations

import email
import email.policy
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import literal, select

from plans import smtp
from plans.config import settings
from plans.db import session_factory, session_scope
from plans.delivery import deliver, deliver_batch, deliver_due, waiting
from plans.models import OutboxMessage
from plans.repositories.outbox import OutboxRepository
from plans.services.outbox import Rendered, message_id_for
from tests.conftest import Database
from tests.delivery_support import add_messages
from tests.mail_server import Mailbox, _free_port

NOW = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)


class PickyServer(Mailbox):
    """Refuses some recipients (550) and hangs up (421) on the nth message of every connection."""

    def __init__(self) -> None:
        super().__init__()
        self.refuse: set[str] = set()
        self.hang_up_on: set[str] = set()
        self.per_connection: int | None = None
        self._count: dict[int, int] = {}

    async def handle_MAIL(self, server: Any, session: Any, envelope: Any, address: str, options: list[str]) -> str:
        seen = self._count[id(session)] = self._count.get(id(session), 0) + 1
        if self.per_connection and seen > self.per_connection:
            return "421 4.7.0 too many messages on one connection"
        envelope.mail_from = address
        envelope.mail_options.extend(options)
        return "250 OK"

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: list[str]) -> str:
        if address in self.refuse:
            return "550 5.1.1 no such mailbox"
        if address in self.hang_up_on:
            return "421 4.3.2 closing connection"
        envelope.rcpt_tos.append(address)
        return "250 OK"


@pytest.fixture
def picky(monkeypatch: pytest.MonkeyPatch) -> Iterator[PickyServer]:
    server = PickyServer()
    controller = Controller(server, hostname="127.0.0.1", port=_free_port())
    controller.start()
    monkeypatch.setattr(settings, "smtp_host", "127.0.0.1")
    monkeypatch.setattr(settings, "smtp_port", controller.port)
    try:
        yield server
    finally:
        controller.stop()


def message(message_id: int) -> OutboxMessage:
    with session_scope() as s:
        found = s.get(OutboxMessage, message_id)
        assert found is not None
        return found


class TestMessage:
    def test_what_is_sent_reads_back_as_written(self) -> None:
        words = Rendered(
            subject="Arolwg staff \u2013 dweud eich dweud",
            text="Annwyl gydweithiwr,\n\n" + "Atebwch = ateb. " * 12 + "\n.\nCafé\n",
            html="<p>Caf\u00e9 <a href='https://example.org/s/x'>ateb</a></p>\n",
        )
        data = smtp.build(
            key="survey:1:42",
            to="ffion@example.org",
            created_at=NOW,
            content=words,
            cfg=settings.model_copy(update={"mail_from": "Cydgynhyrchu \u2013 GIG <coproduce@nhs.example>"}),
        )
        assert data.isascii() and b"\r\n" in data and b"\n" not in data.replace(b"\r\n", b"")
        parsed = email.message_from_bytes(data, policy=email.policy.default)
        assert parsed["Subject"] == words.subject and parsed["To"] == "ffion@example.org"
        assert parsed["From"].addresses[0].display_name == "Cydgynhyrchu \u2013 GIG"
        assert parsed["Message-ID"] == message_id_for("survey:1:42") and parsed["Date"].datetime == NOW
        text, html = (parsed.get_body(preferencelist=(kind,)) for kind in ("plain", "html"))
        assert text is not None and text.get_content().replace("\r\n", "\n") == words.text
        assert html is not None and html.get_content().replace("\r\n", "\n") == words.html

    def test_an_address_with_a_line_break_is_refused(self) -> None:
        words = Rendered("s", "t", "h")
        with pytest.raises(ValueError, match="not an email address"):
            smtp.build(key="k", to="a@example.org\r\nBcc: b@example.org", created_at=NOW, content=words, cfg=settings)


class TestClaim:
    def test_a_claimed_message_is_nobody_elses_until_the_lease_runs_out(self, db: Database) -> None:
        ids = add_messages(3, NOW)
        until = NOW + timedelta(minutes=5)
        with session_scope() as s:
            assert OutboxRepository(s).claim_due(NOW, until, limit=2) == ids[:2]
        with session_scope() as s:
            repo = OutboxRepository(s)
            assert repo.claim(ids, NOW, until) == ids[2:]
            assert repo.claim_due(NOW + timedelta(minutes=4), until, limit=10) == []
            assert repo.claim_due(until, until + timedelta(minutes=5), limit=10) == ids

    def test_a_second_sender_skips_rows_another_is_claiming(self, db: Database) -> None:
        if db.dialect != "postgresql":
            pytest.skip("SQLite has one writer at a time: the second sender waits instead")
        ids = add_messages(4, NOW)
        until = NOW + timedelta(minutes=5)
        first, second = session_factory()(), session_factory()()
        try:
            assert OutboxRepository(first).claim_due(NOW, until, limit=2) == ids[:2]  # not committed yet
            assert OutboxRepository(second).claim_due(NOW, until, limit=4) == ids[2:]  # no wait, no overlap
            first.commit()
            assert OutboxRepository(second).claim(ids, NOW, until) == []
            second.commit()
        finally:
            first.close()
            second.close()

    def test_writers_count_only_new_keys(self, db: Database) -> None:
        add_messages(3, NOW)
        m = OutboxMessage
        row = {"idempotency_key": "m:1", "kind": "k", "to_address": "a@example.org", "created_at": NOW}
        columns = ["idempotency_key", "kind", "to_address", "created_at", "next_attempt_at", "attempts"]
        copies = select(m.idempotency_key + literal("+"), m.kind, m.to_address, m.created_at, m.created_at, m.attempts)
        with session_scope() as s:
            repo = OutboxRepository(s)
            assert repo.add_many([{**row, "next_attempt_at": NOW, "attempts": 0}]) == 0
            assert repo.add_from_select(columns, copies.where(m.idempotency_key != "m:0")) == 2
            assert repo.add_from_select(columns, copies.where(m.idempotency_key.in_(["m:0", "m:1", "m:2"]))) == 1


class TestSending:
    def test_one_connection_serves_every_batch_and_each_message_is_marked(
        self, db: Database, smtp_server: Mailbox
    ) -> None:
        ids = add_messages(7, NOW)
        with smtp.Sender() as sender:
            outcome = deliver_batch(NOW, limit=5, sender=sender)
            assert (outcome.claimed, outcome.sent) == (5, 5)
            assert deliver_batch(NOW, limit=5, sender=sender).sent == 2
            assert sender.connections == 1
        assert len(smtp_server.messages) == 7 and waiting(NOW) == 0
        sent = message(ids[0])
        assert (sent.sent_at, sent.attempts, sent.claimed_until) == (NOW, 1, None)
        assert deliver_due(NOW).claimed == 0

    def test_a_dropped_connection_is_opened_again(self, db: Database, picky: PickyServer) -> None:
        add_messages(5, NOW)
        picky.per_connection = 2
        with smtp.Sender() as sender:
            assert deliver_batch(NOW, sender=sender).sent == 5
            assert sender.connections == 3
        assert sorted(str(m["To"]) for m in picky.messages) == [f"person{i}@example.org" for i in range(5)]

    def test_a_refused_message_backs_off_and_the_others_go(self, db: Database, picky: PickyServer) -> None:
        ids = add_messages(3, NOW)
        picky.refuse = {"person1@example.org"}
        outcome = deliver_due(NOW)
        assert (outcome.sent, outcome.failed, outcome.stopped) == (2, 1, None)
        refused = message(ids[1])
        assert refused.sent_at is None and refused.claimed_until is None and refused.attempts == 1
        assert refused.next_attempt_at == NOW + timedelta(minutes=1) and "550" in (refused.last_error or "")
        assert deliver([ids[1]], NOW + timedelta(seconds=30)).skipped == 1  # not due yet
        assert deliver_due(NOW + timedelta(minutes=1)).failed == 1
        assert message(ids[1]).next_attempt_at == NOW + timedelta(minutes=3)  # then 2 minutes later
        picky.refuse = set()
        assert deliver_due(NOW + timedelta(minutes=3)).sent == 1
        assert message(ids[1]).last_error is None and message(ids[1]).attempts == 3

    def test_a_message_the_server_hangs_up_on_backs_off_and_stops_the_batch(
        self, db: Database, picky: PickyServer
    ) -> None:
        ids = add_messages(3, NOW)
        picky.hang_up_on = {"person1@example.org"}  # on the reused connection, and again on a new one
        outcome = deliver_batch(NOW)
        assert (outcome.sent, outcome.failed, outcome.left, outcome.connection_failed) == (1, 1, 1, True)
        poison = message(ids[1])
        assert poison.attempts == 1 and poison.next_attempt_at == NOW + timedelta(minutes=1)
        assert "421" in (poison.last_error or "") and message(ids[2]).claimed_until is None
        assert deliver_due(NOW).sent == 1  # the rest goes; the poison waits for its backoff
        assert sorted(str(m["To"]) for m in picky.messages) == ["person0@example.org", "person2@example.org"]

    def test_an_unreachable_server_leaves_everything_for_the_next_run(
        self, db: Database, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        ids = add_messages(3, NOW)
        monkeypatch.setattr(settings, "smtp_host", "127.0.0.1")
        monkeypatch.setattr(settings, "smtp_port", _free_port())  # nothing listens there
        outcome = deliver_due(NOW)
        assert (outcome.claimed, outcome.sent, outcome.failed, outcome.left) == (0, 0, 0, 0)
        assert outcome.connection_failed and outcome.stopped and "cannot connect" in outcome.stopped
        with session_scope() as s:
            rows = s.execute(select(OutboxMessage.attempts, OutboxMessage.claimed_until)).all()
        assert [tuple(r) for r in rows] == [(0, None)] * 3 and waiting(NOW) == len(ids)

    def test_a_batch_stops_before_its_lease_runs_out(
        self, db: Database, smtp_server: Mailbox, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        add_messages(3, NOW)
        monkeypatch.setattr(settings, "delivery_lease_seconds", 1e-9)  # used up before the first message
        outcome = deliver_batch(NOW)
        assert (outcome.claimed, outcome.sent, outcome.left) == (3, 0, 3) and outcome.stopped
        assert smtp_server.messages == []
        monkeypatch.setattr(settings, "delivery_lease_seconds", 300.0)
        assert deliver_due(NOW).sent == 3  # released at once, not after the lease
