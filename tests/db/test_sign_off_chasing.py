"""Overdue approvers chased through the daily chase, from a version the coordinator sent with a deadline:
reminded once the deadline (the end of that day) has passed, again three days later, then escalated to
the coordinator; an approver who decides is no longer chased; a superseded round chases nobody; every
step taken is in the plan's audit log, and a second chase the same day writes nothing."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import select

from flows.demo_people import People
from plans.db import session_scope
from plans.domain.facts import Decision
from plans.domain.stages import Stage
from plans.models import AuditEvent, OutboxMessage, utcnow
from plans.services import signoff
from plans.services.chasing import ChaseSummary, chase
from tests.conftest import SMALL_PLAN, Database
from tests.support import create, push, walk_to


def _sent_with_deadline(deadline: date) -> tuple[int, People]:
    plan_id, people = create(SMALL_PLAN)
    walk_to(plan_id, people, Stage.RECOMMENDATIONS)
    people.add_expectations()
    people.draft_recommendations(send=False)
    with session_scope() as s:
        signoff.send_for_sign_off(s, plan_id=plan_id, actor=people.coordinator, deadline=deadline, now=utcnow())
    push(plan_id)
    return plan_id, people


def _chase(on: date) -> tuple[ChaseSummary, list[tuple[str, str]]]:
    """One daily chase at 9am on ``on``: its summary and the sign-off messages it wrote (kind, to whom)."""
    with session_scope() as s:
        last = s.scalar(select(OutboxMessage.id).order_by(OutboxMessage.id.desc()).limit(1)) or 0
        summary = chase(s, now=datetime.combine(on, time(9), tzinfo=UTC))
        stmt = select(OutboxMessage.kind, OutboxMessage.to_address).where(
            OutboxMessage.id > last, OutboxMessage.kind.startswith("sign_off")
        )
        return summary, sorted((kind, to.split("@")[0]) for kind, to in s.execute(stmt))


def _audited(plan_id: int) -> list[tuple[str, str, int, str | None]]:
    with session_scope() as s:
        rows = s.execute(
            select(AuditEvent.kind, AuditEvent.data)
            .where(AuditEvent.plan_id == plan_id, AuditEvent.kind.in_(["sign_off_chased", "sign_off_escalated"]))
            .order_by(AuditEvent.id)
        )
        return [(k, d["approver"], d["step"], d["escalated_to"]) for k, d in rows]


def test_overdue_approvers_are_chased_then_escalated_and_each_step_audited(db: Database) -> None:
    deadline = utcnow().date() + timedelta(days=1)
    plan_id, people = _sent_with_deadline(deadline)

    assert _chase(deadline)[1] == []  # the whole deadline day is theirs
    summary, sent = _chase(deadline + timedelta(days=1))
    assert sent == [("sign_off_chase", "abe"), ("sign_off_chase", "ann")] and summary.sign_off_reminders == 2
    assert _chase(deadline + timedelta(days=1))[1] == []  # the same day again: nothing more

    people.decide(people.approvers[0], 1, Decision.APPROVE)
    summary, sent = _chase(deadline + timedelta(days=4))
    assert summary.sign_offs_resolved == 1 and len(sent) == 1
    waiting = sent[0][1]  # the approver who has still not decided
    summary, sent = _chase(deadline + timedelta(days=7))
    assert sent == [("sign_off_chase", waiting), ("sign_off_escalation", "cora")]
    assert summary.sign_off_escalations == 1

    audited = _audited(plan_id)
    assert [(kind, step, to) for kind, _, step, to in audited] == [
        ("sign_off_chased", 1, None),
        ("sign_off_chased", 1, None),
        ("sign_off_chased", 2, None),
        ("sign_off_escalated", 3, "Cora Coordinator"),
    ]
    assert {who for _, who, _, _ in audited[2:]} == {f"{waiting.capitalize()} Approver"}

    # a new version supersedes the round: nobody is chased for it until it is sent again
    assert people.draft_recommendations(revised=True, send=False) == 2
    summary, sent = _chase(deadline + timedelta(days=8))
    assert sent == [] and summary.sign_offs_resolved == 1
    assert len(_audited(plan_id)) == 4
