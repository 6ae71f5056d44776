"""The co-production ladder service on SQLite and PostgreSQL: the working party and coordinators record
where a stage sat, with a note; a later record stands in front of the earlier ones; bad input, a stage
not reached, a closed plan or someone outside the working party is refused with a readable error and
nothing written; the ladder appears in the plan's status."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from api.cli import app
from plans.db import session_scope
from plans.domain.coproduction import LadderProblems, Rung
from plans.domain.errors import NotFound, NotPermitted, StageLocked
from plans.domain.stages import Stage
from plans.models import AuditEvent, CoproductionRecord, utcnow
from plans.repositories.plans import PlanRepository
from plans.services import coproduction
from plans.services.actors import actor_by_email
from plans.services.status import plan_status
from tests.conftest import SMALL_PLAN, Database
from tests.support import create

CAT, SUE, CORA, ANN, PAT = (
    "cat@citizens.example",
    "sue@small.example",
    "cora@small.example",
    "ann@small.example",
    "pat@citizens.example",
)
NOTE = "Citizens wrote half the vision statements and chaired the meeting."


def record(plan_id: int, email: str, stage: str = "vision", rung: str = "co_design", note: str = NOTE) -> int:
    """Record as the person with this email; the new record's id."""
    with session_scope() as s:
        row = coproduction.record(
            s, plan_id=plan_id, actor=actor_by_email(s, email), stage=stage, rung=rung, note=note, now=utcnow()
        )
        return row.id


def written() -> tuple[int, int]:
    """How many ladder records and audit events there are."""
    with session_scope() as s:
        records = s.scalar(select(func.count()).select_from(CoproductionRecord)) or 0
        events = s.scalar(select(func.count()).select_from(AuditEvent)) or 0
    return records, events


def refused(action: Callable[[], Any], error: type[Exception]) -> str:
    """The refusal's message, after checking it left nothing behind."""
    before = written()
    with pytest.raises(error) as info:
        action()
    assert written() == before
    return str(info.value)


def put_in_stage(plan_id: int, stage: Stage, *, been: tuple[Stage, ...] = ()) -> None:
    """Set the plan's stage directly (and record stage entries for ``been``): the ladder reads only
    the stage and the history, so walking a plan through real surveys would only slow the test."""
    with session_scope() as s:
        repo = PlanRepository(s)
        plan = repo.get(plan_id)
        assert plan is not None
        for number, past in enumerate(been, start=plan.stage_entry_no + 1):
            plan.stage, plan.stage_entry_no = past, number
            repo.add_entry(plan, "test", utcnow())
        plan.stage = stage


class TestRecord:
    def test_a_working_party_member_records_a_stage_with_a_note(self, db: Database) -> None:
        plan_id, _ = create(SMALL_PLAN)
        record_id = record(plan_id, CAT, note=f"  {NOTE}\n")
        with session_scope() as s:
            row = s.get(CoproductionRecord, record_id)
            assert row is not None
            assert (row.stage, row.rung, row.note, row.plan_version) == (Stage.VISION, Rung.CO_DESIGN, NOTE, 1)
            event = s.scalars(select(AuditEvent).where(AuditEvent.kind == "coproduction_recorded")).one()
            assert event.actor.startswith("Cat Citizen") and event.plan_version == 1
            assert event.data == {"record_id": record_id, "stage": "vision", "rung": "co_design", "note": NOTE}

    def test_a_coordinator_records_too_and_a_later_record_stands_in_front(self, db: Database) -> None:
        plan_id, _ = create(SMALL_PLAN)
        first = record(plan_id, CAT, rung="co_production")
        second = record(plan_id, CORA, rung="engagement", note="On reflection staff decided the final wording.")
        with session_scope() as s:
            vision = coproduction.ladder(s, plan_id=plan_id).stages[0]
        assert vision.current is not None and vision.current.id == second
        assert (vision.current.rung, vision.current.doing, vision.current.recorded_by) == (
            "engagement",
            "for",
            "Cora Coordinator",
        )
        assert vision.current.recorded_by_kind is None  # the coordinator is not on the working party
        assert [e.id for e in vision.earlier] == [first] and vision.earlier[0].recorded_by_kind == "citizen"

    @pytest.mark.parametrize("email", [ANN, PAT], ids=["approver", "panel member"])
    def test_someone_outside_the_working_party_is_refused(self, db: Database, email: str) -> None:
        plan_id, _ = create(SMALL_PLAN)
        message = refused(lambda: record(plan_id, email), NotPermitted)
        assert "is recorded by its working party or a coordinator;" in message and message.endswith("is neither")

    def test_an_unknown_rung_lists_the_allowed_ones(self, db: Database) -> None:
        plan_id, _ = create(SMALL_PLAN)
        message = refused(lambda: record(plan_id, CAT, rung="tokenism"), LadderProblems)
        assert message == (
            "rung: 'tokenism' is not a rung of the ladder: choose one of informing (Informing), "
            "consultation (Consultation), engagement (Engagement), co_design (Co-design), "
            "co_production (Co-production)"
        )

    @pytest.mark.parametrize(
        ("note", "words"),
        [("", "a note is required"), ("   ", "a note is required"), ("Went well.", "at least 15 characters")],
        ids=["empty", "blank", "short"],
    )
    def test_a_note_must_say_why(self, db: Database, note: str, words: str) -> None:
        plan_id, _ = create(SMALL_PLAN)
        message = refused(lambda: record(plan_id, SUE, note=note), LadderProblems)
        assert message.startswith("note: ") and words in message

    def test_a_future_stage_is_refused_naming_the_stages_reached(self, db: Database) -> None:
        plan_id, _ = create(SMALL_PLAN)
        message = refused(lambda: record(plan_id, CAT, stage="delivery"), LadderProblems)
        assert message == (
            "stage: the plan has not reached delivery and formative evaluation yet (it is in vision), "
            "so choose a stage it has reached: vision"
        )

    def test_every_problem_at_once(self, db: Database) -> None:
        plan_id, _ = create(SMALL_PLAN)
        message = refused(lambda: record(plan_id, CAT, stage="sign_off", rung="", note="ok"), LadderProblems)
        stage, rung, note = message.split("; ", 2)
        assert stage.startswith("stage: the plan has not reached sign-off yet")
        assert rung.startswith("rung: no rung was given: choose one of informing")
        assert note.startswith("note: say why in words")

    def test_a_stage_passed_and_one_sent_back_from_may_be_recorded(self, db: Database) -> None:
        plan_id, _ = create(SMALL_PLAN)
        put_in_stage(plan_id, Stage.RECOMMENDATIONS, been=(Stage.EVIDENCE_SURVEY, Stage.SIGN_OFF))
        record(plan_id, SUE, stage="evidence_survey", rung="consultation")
        record(plan_id, SUE, stage="sign_off", rung="informing", note="Approvers decided without the citizens.")
        with session_scope() as s:
            view = coproduction.coproduction_view(s, plan_id=plan_id, actor=actor_by_email(s, SUE))
        assert view.recordable == ["vision", "evidence_survey", "recommendations", "sign_off"]
        assert view.ladder.unrecorded == ["vision", "recommendations"]
        assert view.ladder.lowest is not None and view.ladder.highest is not None
        assert (view.ladder.lowest.value, view.ladder.highest.label) == ("informing", "Consultation")
        assert view.ladder.done_to == ["evidence_survey", "sign_off"] and view.ladder.done_with == []

    def test_a_closed_plan_is_read_only(self, db: Database) -> None:
        plan_id, _ = create(SMALL_PLAN)
        record(plan_id, CAT)
        put_in_stage(plan_id, Stage.CLOSED)
        message = refused(lambda: record(plan_id, CORA), StageLocked)
        assert message == "the plan is closed, so its ladder can no longer be changed"
        with session_scope() as s:
            view = coproduction.coproduction_view(s, plan_id=plan_id, actor=actor_by_email(s, CORA))
        assert not view.open and not view.can_record and view.recordable == []
        assert view.ladder.stages[0].current is not None  # still readable

    def test_a_missing_plan_is_not_found(self, db: Database) -> None:
        create(SMALL_PLAN)
        assert refused(lambda: record(987_654, CORA), NotFound) == "plan 987654 does not exist"


class TestLadderView:
    def test_who_may_record_and_what_they_see(self, db: Database) -> None:
        plan_id, _ = create(SMALL_PLAN)
        with session_scope() as s:
            views = {
                e: coproduction.coproduction_view(s, plan_id=plan_id, actor=actor_by_email(s, e))
                for e in (CAT, CORA, ANN)
            }
        assert {e: (v.can_record, v.viewer_is_member) for e, v in views.items()} == {
            CAT: (True, True),
            CORA: (True, False),
            ANN: (False, False),
        }
        assert views[CAT].recordable == ["vision"] and views[ANN].recordable == []
        assert [r.value for r in views[CAT].rungs] == [r.value for r in Rung]
        assert [s.reached for s in views[CAT].ladder.stages] == [True] + [False] * 6
        assert views[CAT].ladder.unrecorded == ["vision"] and views[CAT].ladder.lowest is None

    def test_the_plans_status_carries_its_ladder(self, db: Database) -> None:
        plan_id, _ = create(SMALL_PLAN)
        record(plan_id, CAT, rung="co_production")
        with session_scope() as s:
            status = plan_status(s, plan_id=plan_id, now=utcnow() + timedelta(seconds=1))
        assert status.coproduction is not None
        assert status.coproduction.done_with == ["vision"] and status.coproduction.highest == coproduction.rungs()[-1]

    def test_plan_show_prints_the_ladder(self, db: Database) -> None:
        plan_id, _ = create(SMALL_PLAN)
        record(plan_id, SUE, rung="consultation")
        shown = CliRunner().invoke(app, ["plan", "show", str(plan_id)])
        assert shown.exit_code == 0, shown.output
        ladder = shown.output.split("co-production ladder:\n", 1)[1].splitlines()
        assert ladder[0].split() == ["vision", "Consultation", "(rung", "2", "of", "5,", "done", "to", "people)"]
        assert ladder[1].split() == ["evidence_survey", "not", "reached", "yet"] and len(ladder) == 7
