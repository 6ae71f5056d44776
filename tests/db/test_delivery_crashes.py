"""A sender killed at each point of delivery (a real process ended by ``os._exit`` at a named fault
point), then a later run, against a real SMTP server (aiosmtpd) on SQLite and PostgreSQL: nothing is
lost, nothing is sent twice except the one message in flight between the server's acceptance and the
mark, and that one comes again with the same Message-ID. Two senders at once never send the same
message. A server down for an hour loses nothing and sends nothing twice."""

from __future__ import annotations

import ast
from datetime import UTC, datetime, timedelta

import pytest
from aiosmtpd.controller import Controller

from plans.config import settings
from plans.db import session_scope
from plans.delivery import deliver_due, waiting
from plans.faults import FAULT_EXIT_CODE
from plans.repositories.outbox import OutboxRepository
from plans.services.outbox import SURVEY_LINK_PLACEHOLDER
from plans.services.survey_tokens import survey_url, token_for
from tests.conftest import Database
from tests.delivery_support import add_messages, run_sender, start_sender
from tests.mail_server import Mailbox, _free_port

NOW = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)


def after_lease() -> datetime:
    return NOW + timedelta(seconds=settings.delivery_lease_seconds + 1)


def addressees(mailbox: Mailbox) -> list[str]:
    return sorted(str(m["To"]) for m in mailbox.messages)


class TestSenderKilled:
    def test_before_sending_nothing_is_sent_and_a_later_run_sends_each_once(
        self, db: Database, smtp_server: Mailbox
    ) -> None:
        add_messages(3, NOW)
        code, output = run_sender(db, NOW, fault="after_claim")
        assert code == FAULT_EXIT_CODE, output
        assert smtp_server.messages == []
        assert deliver_due(NOW).claimed == 0  # the dead sender's lease still holds them
        assert deliver_due(after_lease()).sent == 3
        assert deliver_due(after_lease()).claimed == 0  # running again sends nothing
        assert addressees(smtp_server) == [f"person{i}@example.org" for i in range(3)]

    def test_with_several_connections_a_kill_after_claiming_loses_nothing_and_sends_each_once(
        self, db: Database, smtp_server: Mailbox
    ) -> None:
        """Four sender threads in one process, small batches: the first to claim ends the process while
        the others may hold committed claims (kept until the lease ends) or uncommitted ones (rolled
        back, so due at once). Either way nothing was sent before the kill and each goes exactly once."""
        add_messages(12, NOW)
        code, output = run_sender(db, NOW, fault="after_claim", batch=2, connections=4)
        assert code == FAULT_EXIT_CODE, output
        assert smtp_server.messages == []
        now_sent = deliver_due(NOW).sent  # those no committed claim holds
        assert now_sent <= 12 - 2  # the batch the fault fired on is leased
        assert deliver_due(after_lease()).sent == 12 - now_sent
        assert deliver_due(after_lease()).claimed == 0
        assert addressees(smtp_server) == sorted(f"person{i}@example.org" for i in range(12))

    def test_after_sending_and_marking_nothing_is_sent_again(self, db: Database, smtp_server: Mailbox) -> None:
        add_messages(3, NOW)
        code, output = run_sender(db, NOW, fault="after_mark@2")  # dies after marking the second
        assert code == FAULT_EXIT_CODE, output
        assert addressees(smtp_server) == ["person0@example.org", "person1@example.org"]
        assert deliver_due(after_lease()).sent == 1
        assert addressees(smtp_server) == [f"person{i}@example.org" for i in range(3)]

    def test_between_acceptance_and_mark_the_resend_has_the_same_message_id(
        self, db: Database, smtp_server: Mailbox
    ) -> None:
        add_messages(2, NOW, shared=True)  # one stored body, a personal survey link each
        code, output = run_sender(db, NOW, fault="after_smtp_accept")
        assert code == FAULT_EXIT_CODE, output
        (first,) = smtp_server.messages
        assert deliver_due(NOW).claimed == 0
        assert deliver_due(after_lease()).sent == 2
        assert deliver_due(after_lease()).claimed == 0
        assert addressees(smtp_server) == ["person0@example.org", "person0@example.org", "person1@example.org"]
        again = [m for m in smtp_server.to(str(first["To"])) if m is not first]
        assert [m["Message-ID"] for m in again] == [first["Message-ID"]]
        for i in range(2):
            link = survey_url(token_for(f"invitation:1:{i}"))
            for message in smtp_server.to(f"person{i}@example.org"):
                html = message.get_body(preferencelist=("html",))
                assert html is not None and link in html.get_content()
                assert link in Mailbox.text(message) and SURVEY_LINK_PLACEHOLDER not in message.as_string()


class TestTwoSenders:
    def test_two_senders_at_once_never_send_the_same_message(self, db: Database, smtp_server: Mailbox) -> None:
        add_messages(400, NOW)
        senders = [start_sender(db, NOW, batch=25) for _ in range(2)]
        outcomes = []
        for process in senders:
            out, err = process.communicate(timeout=60)
            assert process.returncode == 0, out + err
            outcomes.append(ast.literal_eval(out.strip().splitlines()[-1]))
        assert sum(o["sent"] for o in outcomes) == 400
        ids = [m["Message-ID"] for m in smtp_server.messages]
        assert len(ids) == 400 and len(set(ids)) == 400
        assert deliver_due(after_lease()).claimed == 0


class TestServerDownForAnHour:
    def test_messages_wait_in_the_outbox_then_each_is_delivered_once(
        self, db: Database, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """The SMTP server is down for a simulated hour while the sender runs every 5 minutes and more
        messages are queued; when it comes back on the same port, every message goes once: none lost,
        none twice, and no attempt was spent on the outage (it is the server's fault, not the message's)."""
        add_messages(30, NOW)
        port = _free_port()
        monkeypatch.setattr(settings, "smtp_host", "127.0.0.1")
        monkeypatch.setattr(settings, "smtp_port", port)  # nothing listens there for the hour
        for minute in range(0, 60, 5):
            if minute == 30:
                add_messages(10, NOW + timedelta(minutes=minute), prefix="later")
            outcome = deliver_due(NOW + timedelta(minutes=minute))
            assert outcome.connection_failed and outcome.sent == 0, outcome
        assert waiting(NOW + timedelta(minutes=60)) == 40
        with session_scope() as s:
            assert {m.attempts for m in OutboxRepository(s).pending(limit=100)} == {0}
        mailbox = Mailbox()
        controller = Controller(mailbox, hostname="127.0.0.1", port=port)
        controller.start()
        try:
            back = NOW + timedelta(minutes=65)
            assert deliver_due(back).sent == 40 and waiting(back) == 0
            assert deliver_due(back + timedelta(minutes=5)).claimed == 0
        finally:
            controller.stop()
        ids = [m["Message-ID"] for m in mailbox.messages]
        assert len(ids) == 40 and len(set(ids)) == 40
        assert len(set(addressees(mailbox))) == 30  # the later ten went to person0-9 again, each its own message
