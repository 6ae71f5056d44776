"""Objectives' progress, milestones and the formative report of a checkpoint, through the services on
SQLite and PostgreSQL: progress kept as a RAG history (a note owed when red, amber or going backwards),
milestones inside the plan's year and their lateness, the dates' suggested RAG, and a checkpoint's report
with its what-we-did/learned/will-change, its evidence by Kirkpatrick level, the objectives as they stood
when it was recorded and who answered; each report published once."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select

from plans.db import session_scope
from plans.domain.delivery import FieldsRefused, Rag
from plans.domain.errors import AlreadyDecided, InvalidInput, NotFound, NotPermitted
from plans.models import AuditEvent, ObjectiveProgress
from plans.services import delivery_views, evaluation, evidence_requests, formative, objective_progress
from plans.services.evidence_items import EvidenceDraft, submit_evidence
from tests.conftest import Database
from tests.delivery_world import ASKING, CORA, TESS, TOM, World, actor, in_delivery

RECORDED = datetime(2027, 7, 6, 15, tzinfo=UTC)


def _progress(w: World, email: str, status: str, percent: int | None, note: str = "", *, at: datetime = ASKING) -> int:
    with session_scope() as s:
        return objective_progress.update_progress(
            s,
            plan_id=w.plan_id,
            actor=actor(email),
            objective_id=w.objectives[0],
            status=status,
            percent_complete=percent,
            note=note,
            now=at,
        ).id


def _record(w: World, number: int = 1, at: datetime = RECORDED) -> None:
    with session_scope() as s:
        evaluation.record_checkpoint(
            s,
            plan_id=w.plan_id,
            actor=actor(CORA),
            number=number,
            did="Ran two reporting-back workshops with citizens co-delivering.",
            learned="Managers came; front-line staff could not be released.",
            change="Run the next ones in team meetings.",
            attendance=37,
            now=at,
        )


def test_progress_is_a_history_and_a_note_is_owed_when_red_amber_or_backwards(db: Database) -> None:
    w = in_delivery()
    _progress(w, TESS, "green", 20)
    with pytest.raises(FieldsRefused) as refused, session_scope() as s:
        objective_progress.update_progress(
            s, plan_id=w.plan_id, actor=actor(TESS), objective_id=w.objectives[0], status="purple",
            percent_complete=140, note="", now=ASKING,
        )  # fmt: skip
    assert [f for f, _ in refused.value.problems] == ["status", "percent_complete"]
    with pytest.raises(FieldsRefused, match="note: say why the objective is amber"):
        _progress(w, TESS, "amber", 30)
    with pytest.raises(FieldsRefused, match="note: say why progress went down from 20% to 10%"):
        _progress(w, TESS, "green", 10)
    _progress(w, TESS, "amber", 35, "Two teams could not release staff.", at=datetime(2027, 6, 22, tzinfo=UTC))
    with pytest.raises(NotPermitted, match="objective's owner or a coordinator"):
        _progress(w, TOM, "green", 50)  # Tess's objective
    other = in_delivery("other-plan")
    refused_id = f"^objective_id: objective {other.objectives[0]} is not an objective"
    with pytest.raises(InvalidInput, match=refused_id), session_scope() as s:
        objective_progress.update_progress(
            s, plan_id=w.plan_id, actor=actor(CORA), objective_id=other.objectives[0], status="green",
            percent_complete=5, note="", now=ASKING,
        )  # fmt: skip
    with session_scope() as s:
        assert s.scalar(select(func.count()).select_from(ObjectiveProgress)) == 2
        view = delivery_views.delivery_view(s, plan_id=w.plan_id, now=datetime(2027, 6, 23, tzinfo=UTC))
    tess = view.objectives[0]
    assert (tess.status, tess.percent_complete, tess.note) == (Rag.AMBER, 35, "Two teams could not release staff.")
    assert [(h.status, h.percent_complete, h.checkpoint) for h in tess.history] == [
        (Rag.AMBER, 35, 1),
        (Rag.GREEN, 20, 1),
    ]  # newest first, each towards the checkpoint it reports to
    assert view.rag == {"red": 0, "amber": 1, "green": 0, "not reported": 1}


def test_milestones_inside_the_year_their_lateness_and_the_suggested_rag(db: Database) -> None:
    w = in_delivery()

    def add(title: str, due: date | None) -> int:
        with session_scope() as s:
            return objective_progress.add_milestone(
                s, plan_id=w.plan_id, actor=actor(TESS), objective_id=w.objectives[0], title=title, due_on=due,
                now=ASKING,
            ).id  # fmt: skip

    with pytest.raises(FieldsRefused) as refused:
        add(" ", date(2029, 1, 1))
    assert [f for f, _ in refused.value.problems] == ["title", "due_on"]
    assert "04 January 2027 to 03 January 2028" in str(refused.value)
    pilot, rollout = add("Pilot in two teams", date(2027, 5, 1)), add("Roll out to all", date(2027, 11, 1))

    def done(milestone_id: int, on: date | None) -> None:
        with session_scope() as s:
            objective_progress.milestone_done(
                s, plan_id=w.plan_id, actor=actor(TESS), milestone_id=milestone_id, done_on=on, now=ASKING
            )

    with pytest.raises(FieldsRefused, match="done_on: cannot be in the future"):
        done(pilot, date(2027, 8, 1))
    with session_scope() as s:  # before it is done: overdue, and green on the dates turns amber
        tess = delivery_views.delivery_view(s, plan_id=w.plan_id, now=ASKING).objectives[0]
    assert [m.status for m in tess.milestones] == ["Overdue by 51 days", "Due in 133 days"]
    done(pilot, date(2027, 5, 11))
    with pytest.raises(AlreadyDecided):
        done(pilot, date(2027, 5, 11))
    _progress(w, TESS, "green", 47)
    with session_scope() as s:
        tess = delivery_views.delivery_view(s, plan_id=w.plan_id, now=ASKING).objectives[0]
    assert [m.status for m in tess.milestones] == ["Done 10 days late", "Due in 133 days"]
    assert tess.suggested is Rag.GREEN  # 47% against 46% at an even pace, nothing overdue
    assert rollout


def test_the_formative_report_of_a_checkpoint(db: Database) -> None:
    w = in_delivery()
    with session_scope() as s:
        evidence_requests.ask_due(s, plan_id=w.plan_id, now=ASKING)
    drafts = [
        EvidenceDraft(type="attendance", summary="Two workshops", participants=37, checkpoint=1),
        EvidenceDraft(type="reaction", summary="Workshop 1", value=4, unit="out of 5", participants=10, checkpoint=1),
        EvidenceDraft(type="reaction", summary="Workshop 2", value=5, unit="out of 5", participants=30, checkpoint=1),
        EvidenceDraft(type="behaviour", summary="Two managers now open meetings with a citizen", checkpoint=1),
        EvidenceDraft(type="quote", summary="It felt like they meant it.", checkpoint=1),
        EvidenceDraft(type="story", summary="Not for a checkpoint: given later"),
    ]
    for d in drafts:
        with session_scope() as s:
            submit_evidence(s, plan_id=w.plan_id, actor=actor(TESS), draft=d, now=ASKING)
    _progress(w, TESS, "amber", 40, "Front-line staff not released.")
    with pytest.raises(NotFound, match="no recorded checkpoint 1"), session_scope() as s:
        formative.formative_report(s, plan_id=w.plan_id, number=1)
    _record(w)
    _progress(w, TESS, "green", 60, at=datetime(2027, 8, 1, tzinfo=UTC))  # after: not in checkpoint 1's report
    with session_scope() as s:
        report = formative.formative_report(s, plan_id=w.plan_id, number=1)
    assert report.what_we_did.startswith("Ran two")
    assert report.what_we_will_change == "Run the next ones in team meetings."
    assert report.what_we_learned == "Managers came; front-line staff could not be released."
    assert report.attendance == 37 and report.output == "formative-1"
    assert report.levels == [1, 3]
    summary = {r.type.value: (r.items, r.participants, r.figures) for r in report.evidence_summary}
    assert summary == {
        "attendance": (1, 37, []),
        "reaction": (2, 40, ["mean 4.8 out of 5 (2 pieces of evidence, 40 people)"]),
        "behaviour": (1, 0, []),
        "quote": (1, 0, []),
    }
    assert [(o.status, o.percent_complete) for o in report.objectives] == [(Rag.AMBER, 40), (None, None)]
    assert report.rag == {"red": 0, "amber": 1, "green": 0, "not reported": 1}
    answers = [(r.owner, r.state) for r in report.requests]
    assert answers == [("Tess Manager", "evidence"), ("Tom Manager", "unanswered")]
    with session_scope() as s:  # the audit event keeps the totals as they were when it was recorded
        recorded = s.scalar(select(AuditEvent.data).where(AuditEvent.kind == "checkpoint_recorded"))
    assert recorded is not None
    assert {k: recorded[k] for k in ("evidence", "levels", "asked", "answered")} == {
        "evidence": 5,
        "levels": [1, 3],
        "asked": 2,
        "answered": 1,
    }


def test_each_report_is_published_once(db: Database) -> None:
    w = in_delivery()
    _record(w)
    with session_scope() as s:
        assert [r.number for r in formative.reports_to_publish(s, plan_id=w.plan_id)] == [1]
        assert formative.mark_published(s, plan_id=w.plan_id, number=1, now=RECORDED)
        assert not formative.mark_published(s, plan_id=w.plan_id, number=1, now=RECORDED)
    with session_scope() as s:
        assert formative.reports_to_publish(s, plan_id=w.plan_id) == []
        kinds = s.scalars(select(AuditEvent.kind).where(AuditEvent.plan_id == w.plan_id)).all()
    assert kinds.count("formative_report_published") == 1
    with session_scope() as s:
        recorded = s.scalar(select(AuditEvent.data).where(AuditEvent.kind == "checkpoint_recorded"))
    assert recorded is not None and (recorded["evidence"], recorded["asked"], recorded["answered"]) == (0, 0, 0)
    assert formative.artifact_key(w.plan_id, 1) == f"plan-{w.plan_id}-formative-1"
