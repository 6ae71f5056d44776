"""Asking evidence owners for a formative checkpoint's evidence, their answers and the daily chase, through
the services on SQLite and PostgreSQL: owners asked once when the asking window opens (never before), an
owner named later asked at once, evidence with bad input (another plan's objective or expectation, a
score without its scale) refused with every field named and nothing written, and the chase climbing its
ladder for the one owner who has not answered, once a day."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from plans.db import session_scope
from plans.domain.delivery import FieldsRefused
from plans.domain.errors import AlreadyDecided, InvalidInput, NotPermitted
from plans.models import AuditEvent, EvidenceItem, EvidenceRequest, OutboxMessage
from plans.services import evaluation, evidence_requests, stage_work
from plans.services.evidence_chasing import chase_evidence
from plans.services.evidence_items import EvidenceDraft, submit_evidence
from tests.conftest import Database
from tests.delivery_world import ASKING, BEFORE, CORA, SUE, TESS, TOM, World, actor, in_delivery

REACTION = EvidenceDraft(type="reaction", summary="Post-session feedback", value=4.4, unit="out of 5", participants=18)


def _mail(kind: str) -> list[str]:
    with session_scope() as s:
        return sorted(s.scalars(select(OutboxMessage.to_address).where(OutboxMessage.kind == kind)))


def _count(model: type) -> int:
    with session_scope() as s:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)


def _ask(plan_id: int, now: datetime) -> list[str]:
    with session_scope() as s:
        return evidence_requests.ask_due(s, plan_id=plan_id, now=now)


def _give(w: World, email: str, draft: EvidenceDraft, now: datetime = ASKING) -> int:
    with session_scope() as s:
        return submit_evidence(s, plan_id=w.plan_id, actor=actor(email), draft=draft, now=now).id


def test_owners_are_asked_once_when_the_window_opens(db: Database) -> None:
    w = in_delivery()
    assert _ask(w.plan_id, BEFORE) == []  # 33 days before checkpoint 1: too early
    assert _count(EvidenceRequest) == 0
    assert _ask(w.plan_id, ASKING) == ["asked 2 evidence owner(s) for checkpoint 1's evidence"]
    assert _ask(w.plan_id, ASKING + timedelta(days=1)) == []  # asked once, however often it runs
    assert _mail("evidence_request") == [TESS, TOM]
    with session_scope() as s:
        rows = s.scalars(select(EvidenceRequest)).all()
        assert {r.due_on for r in rows} == {date(2027, 7, 4)}  # by the checkpoint: 13 days is more than 7
        body = s.scalar(select(OutboxMessage.body_text).where(OutboxMessage.to_address == TESS))
    assert body is not None and "Every team reports back to citizens" in body and "by 4 July 2027" in body


def test_an_owner_asked_late_still_gets_the_minimum_days(db: Database) -> None:
    w = in_delivery()
    late = datetime(2027, 7, 10, 9, tzinfo=UTC)  # checkpoint 1 is past and still not recorded
    assert _ask(w.plan_id, late) == ["asked 2 evidence owner(s) for checkpoint 1's evidence"]
    with session_scope() as s:
        assert {r.due_on for r in s.scalars(select(EvidenceRequest))} == {date(2027, 7, 17)}


def test_a_named_owner_is_asked_at_once_and_unknown_or_repeated_names_are_refused(db: Database) -> None:
    w = in_delivery()
    _ask(w.plan_id, ASKING)
    with session_scope() as s:
        owner = evidence_requests.name_owner(s, plan_id=w.plan_id, actor=actor(CORA), email=SUE, now=ASKING)
    assert owner.named and owner.objectives == 0
    assert _mail("evidence_request") == [SUE, TESS, TOM]
    with pytest.raises(InvalidInput, match=r"^email: nobody with the address 'nobody@x"), session_scope() as s:
        evidence_requests.name_owner(s, plan_id=w.plan_id, actor=actor(CORA), email="nobody@x.example", now=ASKING)
    with pytest.raises(AlreadyDecided, match="already an evidence owner"), session_scope() as s:
        evidence_requests.name_owner(s, plan_id=w.plan_id, actor=actor(CORA), email=SUE, now=ASKING)
    with pytest.raises(NotPermitted), session_scope() as s:
        evidence_requests.name_owner(s, plan_id=w.plan_id, actor=actor(TESS), email=SUE, now=ASKING)
    with session_scope() as s:  # removed: her open request is withdrawn, nobody chases her
        assert evidence_requests.remove_owner(s, plan_id=w.plan_id, actor=actor(CORA), email=SUE, now=ASKING) == 1
    assert _count(EvidenceRequest) == 2


def test_evidence_answers_the_givers_request(db: Database) -> None:
    w = in_delivery()
    _ask(w.plan_id, ASKING)
    draft = EvidenceDraft(**{**REACTION.__dict__, "checkpoint": 1, "activity_id": w.activity, "unit": "/5"})
    item = _give(w, TESS, draft)
    with session_scope() as s:
        row = s.get(EvidenceItem, item)
        assert row is not None and row.unit == "out of 5" and row.objective_id == w.objectives[0]  # via the activity
        answered = {r.owner_id: r.answered_at for r in s.scalars(select(EvidenceRequest))}
    assert answered[w.people[TESS]] is not None and answered[w.people[TOM]] is None
    with session_scope() as s:  # Tom has nothing this time; saying it twice is refused
        evidence_requests.nothing_this_time(s, plan_id=w.plan_id, actor=actor(TOM), number=1, note="", now=ASKING)
    with pytest.raises(AlreadyDecided), session_scope() as s:
        evidence_requests.nothing_this_time(s, plan_id=w.plan_id, actor=actor(TOM), number=1, note="", now=ASKING)


def test_evidence_with_bad_input_is_refused_naming_every_field_and_writes_nothing(db: Database) -> None:
    w, other = in_delivery(), in_delivery("other-plan")
    _ask(w.plan_id, ASKING)
    before = (_count(EvidenceItem), _count(AuditEvent))
    bad = EvidenceDraft(
        type="reaction",
        summary="  ",
        value=7,
        unit="out of 5",
        participants=0,
        checkpoint=9,
        objective_id=other.objectives[0],
        expectation_id=other.expectation,
        activity_id=other.activity,
    )
    with pytest.raises(FieldsRefused) as refused, session_scope() as s:
        submit_evidence(s, plan_id=w.plan_id, actor=actor(TESS), draft=bad, now=ASKING)
    fields = [name for name, _ in refused.value.problems]
    assert fields == [
        "summary",
        "participants",
        "value",
        "checkpoint",
        "objective_id",
        "expectation_id",
        "activity_id",
    ]
    message = str(refused.value)
    assert f"expectation {other.expectation} is not in this plan's register" in message
    assert "7 is outside its scale: a score out of 5 is from 0 to 5" in message
    assert (_count(EvidenceItem), _count(AuditEvent)) == before
    with pytest.raises(FieldsRefused, match="unit: give the score's scale"), session_scope() as s:
        no_scale = EvidenceDraft(**{**REACTION.__dict__, "unit": ""})
        submit_evidence(s, plan_id=w.plan_id, actor=actor(TESS), draft=no_scale, now=ASKING)
    with pytest.raises(FieldsRefused, match="a quote carries no figure; leave value empty"), session_scope() as s:
        quote = EvidenceDraft(type="quote", summary="I finally felt heard.", value=5)
        submit_evidence(s, plan_id=w.plan_id, actor=actor(TESS), draft=quote, now=ASKING)
    with pytest.raises(NotPermitted, match="evidence owners"), session_scope() as s:  # Sue is not an owner
        submit_evidence(s, plan_id=w.plan_id, actor=actor(SUE), draft=REACTION, now=ASKING)
    with pytest.raises(FieldsRefused, match="on_behalf_of: only a coordinator"), session_scope() as s:
        draft = EvidenceDraft(**{**REACTION.__dict__, "on_behalf_of": w.people[TOM]})
        submit_evidence(s, plan_id=w.plan_id, actor=actor(TESS), draft=draft, now=ASKING)
    assert (_count(EvidenceItem), _count(AuditEvent)) == before


def test_every_type_of_evidence_is_taken(db: Database) -> None:
    w = in_delivery()
    drafts = [
        EvidenceDraft(type="attendance", summary="Workshop 1", participants=19),
        REACTION,
        EvidenceDraft(type="learning", summary="Quiz after the module", value=82, unit="%", participants=17),
        EvidenceDraft(type="behaviour", summary="Managers now invite a citizen to team meetings"),
        EvidenceDraft(type="results", summary="Complaints about not being listened to", value=4, unit="a month"),
        EvidenceDraft(type="quote", summary="They asked me before deciding, for once."),
        EvidenceDraft(type="story", summary="A carer co-wrote the discharge leaflet with the ward team."),
    ]
    for d in drafts:
        _give(w, CORA, EvidenceDraft(**{**d.__dict__, "on_behalf_of": w.people[TESS], "expectation_id": w.expectation}))
    with session_scope() as s:
        rows = s.scalars(select(EvidenceItem).order_by(EvidenceItem.id)).all()
        assert [r.type.value for r in rows] == [d.type for d in drafts]
        assert {r.submitted_by_id for r in rows} == {w.people[TESS]}  # Tess's evidence, recorded by Cora


def test_the_chase_climbs_for_the_owner_who_has_not_answered(db: Database) -> None:
    w = in_delivery()
    _ask(w.plan_id, ASKING)
    _give(w, TESS, EvidenceDraft(**{**REACTION.__dict__, "checkpoint": 1}))

    def chase(day: date) -> tuple[int, int, int]:
        now = datetime(day.year, day.month, day.day, 8, tzinfo=UTC)
        with session_scope() as s:
            r = chase_evidence(s, today=day, now=now)
        return r.climbed, r.reminders, r.escalations

    assert chase(date(2027, 7, 4)) == (0, 0, 0)  # due today: not yet overdue
    assert chase(date(2027, 7, 5)) == (1, 1, 0)  # Tom reminded; Tess answered
    assert chase(date(2027, 7, 5)) == (0, 0, 0)  # once a day
    assert _mail("evidence_chase") == [TOM]
    assert chase(date(2027, 7, 12)) == (1, 1, 0)
    assert chase(date(2027, 7, 19)) == (1, 1, 1)  # the third rung writes to Cora too
    assert _mail("evidence_escalation") == [CORA]
    with session_scope() as s:  # the checkpoint recorded: the chase is resolved
        evaluation.record_checkpoint(
            s,
            plan_id=w.plan_id,
            actor=actor(CORA),
            number=1,
            did="Ran the workshop.",
            learned="Co-delivery works.",
            change="Evening sessions.",
            attendance=None,
            now=datetime(2027, 7, 20, 9, tzinfo=UTC),
        )
    with session_scope() as s:
        assert chase_evidence(s, today=date(2027, 7, 26), now=datetime(2027, 7, 26, tzinfo=UTC)).resolved == 1


def test_the_lifecycle_stage_work_asks_too(db: Database) -> None:
    w = in_delivery()
    with session_scope() as s:
        assert stage_work.run(s, plan_id=w.plan_id, now=ASKING) == [
            "asked 2 evidence owner(s) for checkpoint 1's evidence"
        ]
    with session_scope() as s:
        assert stage_work.run(s, plan_id=w.plan_id, now=ASKING) == []
