"""The lifecycle through the services, on SQLite and PostgreSQL: every gate stops the plan with its
reasons, decisions move it on, and the audit log replays to where it is."""

from __future__ import annotations

from datetime import timedelta

import pytest

from flows.demo_people import People
from plans.db import session_scope
from plans.domain.errors import (
    AlreadyDecided,
    GateBlocked,
    IllegalTransition,
    InvalidInput,
    NotPermitted,
    OverrideRefused,
    StageLocked,
    StaleVersion,
)
from plans.domain.facts import SUMMATIVE_OUTPUT, Decision, Judgement
from plans.domain.lifecycle import replay
from plans.domain.stages import Stage
from plans.models import SurveyKind, Verdict, utcnow
from plans.repositories.evaluation import EvaluationRepository
from plans.repositories.plans import PlanRepository
from plans.services import evaluation, lifecycle, plan_views, signoff, stage_work
from plans.services.status import plan_status
from tests.conftest import SMALL_PLAN, Database
from tests.support import create, events, push, stage_of, walk_to


def _replayed(plan_id: int) -> tuple[Stage, int]:
    state = replay((e.kind, e.data) for e in events(plan_id))
    return state.stage, state.version


def _current(plan_id: int) -> tuple[Stage, int]:
    with session_scope() as s:
        plan = PlanRepository(s).get(plan_id)
        assert plan is not None
        return plan.stage, plan.version


class TestWholeLifecycle:
    def test_reaches_closed_with_a_round_of_changes(self, db: Database) -> None:
        plan_id, people = create(SMALL_PLAN)
        assert push(plan_id) == []
        with session_scope() as s:
            reasons = plan_status(s, plan_id=plan_id, now=utcnow()).blocked_by
        assert any("agree the vision" in r for r in reasons)

        walk_to(plan_id, people, Stage.SIGN_OFF)
        people.sign_off(1, first_requests_changes=True)
        moves = push(plan_id)
        assert [(m["source"], m["stage"], m["via"]) for m in moves] == [
            ("sign_off", "recommendations", "changes_requested")
        ]
        assert push(plan_id) == []  # the turned-back version cannot go to sign-off again unchanged
        with session_scope() as s:
            assert any(
                "revise the recommendations" in r for r in plan_status(s, plan_id=plan_id, now=utcnow()).blocked_by
            )
        assert people.draft_recommendations(revised=True) == 2
        push(plan_id)
        assert _current(plan_id) == (Stage.SIGN_OFF, 2)
        walk_to(plan_id, people, Stage.CLOSED)

        assert _replayed(plan_id) == _current(plan_id) == (Stage.CLOSED, 2)
        keys = [e.dedupe_key for e in events(plan_id) if e.dedupe_key]
        assert len(keys) == len(set(keys))
        with session_scope() as s:
            entries = PlanRepository(s).entries(plan_id)
        assert [e.stage.value for e in entries] == [
            "vision",
            "evidence_survey",
            "recommendations",
            "sign_off",
            "recommendations",
            "sign_off",
            "delivery",
            "summative_evaluation",
            "repeat_survey",
            "closed",
        ]
        assert all(e.left_at is not None for e in entries[:-1]) and entries[-1].left_at is None

    def test_repeating_runs_changes_nothing(self, db: Database) -> None:
        plan_id, people = create(SMALL_PLAN)
        walk_to(plan_id, people, Stage.RECOMMENDATIONS)
        before = [(e.kind, e.dedupe_key) for e in events(plan_id)]
        for _ in range(3):
            assert push(plan_id) == []
            with session_scope() as s:
                assert stage_work.run(s, plan_id=plan_id, now=utcnow()) == []
        assert [(e.kind, e.dedupe_key) for e in events(plan_id)] == before

    @pytest.mark.parametrize("kind", [SurveyKind.BASELINE, SurveyKind.REPEAT])
    def test_a_run_killed_between_closing_a_survey_and_analysing_it_is_restarted(
        self, db: Database, kind: SurveyKind
    ) -> None:
        # found by bench.worker_kills at 50 plans: 7 plans sat in repeat_survey with the survey closed and
        # no analysis, so no comparison for the panel to review, and the reconciler saw nothing to do
        plan_id, people = create(SMALL_PLAN)
        stage = Stage.EVIDENCE_SURVEY if kind is SurveyKind.BASELINE else Stage.REPEAT_SURVEY
        walk_to(plan_id, people, stage)
        people.answer_survey(kind, rate=0.8, lift=0.0)  # the target rate met: the survey is due to close
        with session_scope() as s:  # the run closes it, and is killed before its analysis
            assert stage_work.run(s, plan_id=plan_id, now=utcnow()) != []
        with session_scope() as s:
            assert lifecycle.plans_needing_a_run(s, now=utcnow()) == [plan_id]
        push(plan_id)  # the run the reconciler starts analyses it first
        with session_scope() as s:
            assert lifecycle.plans_needing_a_run(s, now=utcnow()) == []
        if kind is SurveyKind.BASELINE:
            assert stage_of(plan_id) is Stage.RECOMMENDATIONS
        else:  # the comparison is published: the panel's review is what the plan waits for now
            people.review_repeat()
            push(plan_id)
            assert stage_of(plan_id) is Stage.CLOSED


class TestConcurrentMoves:
    def test_a_stale_move_records_nothing(self, db: Database) -> None:
        plan_id, people = create(SMALL_PLAN)
        people.agree_vision()
        with session_scope() as s:
            stale = PlanRepository(s).get(plan_id)
            assert stale is not None
            s.expunge(stale)
        push(plan_id)
        with session_scope() as s:
            s.add(stale)
            assert PlanRepository(s).move(stale, Stage.EVIDENCE_SURVEY, utcnow()) is False
        assert [e.kind for e in events(plan_id)].count("stage_changed") == 1


class TestOverride:
    def test_refused_without_a_reason(self, db: Database) -> None:
        plan_id, people = create(SMALL_PLAN)
        for reason in (None, "", "   ", "because", "1234567890123456"):
            with pytest.raises(OverrideRefused, match="reason"), session_scope() as s:
                lifecycle.override_gate(s, plan_id=plan_id, actor=people.coordinator, reason=reason, now=utcnow())
        assert "gate_overridden" not in [e.kind for e in events(plan_id)]

    def test_refused_to_a_non_coordinator(self, db: Database) -> None:
        plan_id, people = create(SMALL_PLAN)
        with pytest.raises(NotPermitted, match="coordinator"), session_scope() as s:
            lifecycle.override_gate(
                s,
                plan_id=plan_id,
                actor=people.approvers[0],
                reason="The working party met offline and agreed.",
                now=utcnow(),
            )

    def test_override_moves_the_plan_and_is_recorded(self, db: Database) -> None:
        plan_id, people = create(SMALL_PLAN)
        reason = "The working party agreed the vision at the March meeting; minutes attached."
        with session_scope() as s:
            lifecycle.override_gate(s, plan_id=plan_id, actor=people.coordinator, reason=reason, now=utcnow())
        moves = push(plan_id)
        assert moves[0]["via"] == "override" and stage_of(plan_id) is Stage.EVIDENCE_SURVEY
        overridden = [e for e in events(plan_id) if e.kind == "gate_overridden"]
        assert len(overridden) == 1 and overridden[0].data["reason"] == reason
        assert overridden[0].actor_id == people.coordinator.person_id
        assert any("agree the vision" in r for r in overridden[0].data["overridden_reasons"])


class TestExplicitMoves:
    def test_illegal_move_names_the_reason(self, db: Database) -> None:
        plan_id, people = create(SMALL_PLAN)
        with pytest.raises(IllegalTransition, match="cannot be skipped") as info, session_scope() as s:
            lifecycle.request_move(s, plan_id=plan_id, target=Stage.SIGN_OFF, actor=people.coordinator, now=utcnow())
        assert info.value.source == "vision" and info.value.target == "sign_off"

    def test_blocked_move_lists_the_gate(self, db: Database) -> None:
        plan_id, people = create(SMALL_PLAN)
        with pytest.raises(GateBlocked, match="agree the vision"), session_scope() as s:
            lifecycle.request_move(
                s, plan_id=plan_id, target=Stage.EVIDENCE_SURVEY, actor=people.coordinator, now=utcnow()
            )
        assert stage_of(plan_id) is Stage.VISION


class TestSignOffDecisions:
    def _at_sign_off(self) -> tuple[int, People]:
        plan_id, people = create(SMALL_PLAN)
        walk_to(plan_id, people, Stage.SIGN_OFF)
        return plan_id, people

    def test_stale_version_and_double_decision_refused(self, db: Database) -> None:
        plan_id, people = self._at_sign_off()
        ann = people.approvers[0]
        with pytest.raises(StaleVersion, match="version 1"):
            people.decide(ann, 7, Decision.APPROVE, "")
        people.decide(ann, 1, Decision.APPROVE, "")
        with pytest.raises(AlreadyDecided):
            people.decide(ann, 1, Decision.REJECT, "Changed my mind")
        assert [e.kind for e in events(plan_id)].count("sign_off_decision") == 1

    def test_changes_need_a_comment_and_an_approver(self, db: Database) -> None:
        _, people = self._at_sign_off()
        with pytest.raises(InvalidInput, match="comment"):
            people.decide(people.approvers[0], 1, Decision.REQUEST_CHANGES, "  ")
        with pytest.raises(NotPermitted, match="not an approver"):
            people.decide(people.coordinator, 1, Decision.APPROVE, "")

    def test_editing_during_sign_off_makes_a_new_version(self, db: Database) -> None:
        plan_id, people = self._at_sign_off()
        people.decide(people.approvers[0], 1, Decision.APPROVE, "")
        # version 2 goes to the approvers when the coordinator sends it
        assert people.draft_recommendations(revised=True, send=False) == 2
        with session_scope() as s:
            signoff.send_for_sign_off(
                s,
                plan_id=plan_id,
                actor=people.coordinator,
                deadline=utcnow().date() + timedelta(days=10),
                now=utcnow(),
            )
        push(plan_id)
        with session_scope() as s:
            reasons = plan_status(s, plan_id=plan_id, now=utcnow()).blocked_by
        assert _current(plan_id) == (Stage.SIGN_OFF, 2)
        assert any("0 approved version 2" in r for r in reasons), reasons  # the v1 approval no longer counts
        with pytest.raises(StaleVersion):
            people.decide(people.approvers[1], 1, Decision.APPROVE, "")

    def test_a_decision_on_content_other_than_what_was_sent_is_refused(self, db: Database) -> None:
        plan_id, people = self._at_sign_off()
        refused = pytest.raises(StaleVersion, match="content_hash: you decided on version 1 \\(hash 000000000000…\\)")
        with refused, session_scope() as s:
            signoff.decide(
                s,
                plan_id=plan_id,
                actor=people.approvers[0],
                version=1,
                content_hash="0" * 64,
                decision=Decision.APPROVE,
                comment="",
                now=utcnow(),
            )
        assert "sign_off_decision" not in [e.kind for e in events(plan_id)]


class TestSendingForSignOff:
    def test_a_draft_waits_until_the_coordinator_sends_it_with_a_deadline(self, db: Database) -> None:
        plan_id, people = create(SMALL_PLAN)
        people.agree_vision()
        push(plan_id)
        people.answer_survey(SurveyKind.BASELINE, rate=0.8, lift=0.0)
        push(plan_id)
        people.add_expectations()
        people.draft_recommendations(send=False)
        assert push(plan_id) == [] and stage_of(plan_id) is Stage.RECOMMENDATIONS
        with session_scope() as s:
            assert plan_status(s, plan_id=plan_id, now=utcnow()).blocked_by == [
                "version 1 has not been sent for sign-off: the coordinator sends it with a deadline"
            ]
        deadline = utcnow().date() + timedelta(days=9)
        with session_scope() as s:
            signoff.send_for_sign_off(s, plan_id=plan_id, actor=people.coordinator, deadline=deadline, now=utcnow())
        assert [m["stage"] for m in push(plan_id)] == ["sign_off"]
        with session_scope() as s:
            view = plan_views.sign_off(s, plan_id=plan_id)
        assert (view.round_version, view.deadline.date() if view.deadline else None) == (1, deadline)
        assert [e.kind for e in events(plan_id)].count("sent_for_sign_off") == 1


class TestPanelGate:
    def test_only_reviews_of_the_summative_report_count(self, db: Database) -> None:
        plan_id, people = create(SMALL_PLAN)
        walk_to(plan_id, people, Stage.SUMMATIVE_EVALUATION)  # delivery included a comment on formative-1
        for e in list(_expectation_ids(plan_id)):
            with session_scope() as s:
                evaluation.judge_expectation(
                    s,
                    plan_id=plan_id,
                    actor=people.coordinator,
                    expectation_id=e,
                    judgement=Judgement.MET,
                    evidence="Feedback forms.",
                    now=utcnow(),
                )
        with session_scope() as s:
            evaluation.write_summative_report(
                s,
                plan_id=plan_id,
                actor=people.coordinator,
                did="a",
                learned="b",
                pleased="c",
                different="d",
                now=utcnow(),
            )
        assert push(plan_id) == []
        with session_scope() as s:
            reasons = plan_status(s, plan_id=plan_id, now=utcnow()).blocked_by
        assert reasons == ["waiting for 2 citizen panel member(s) to review the summative report: Pat Panel, Pia Panel"]
        for member in people.panel:
            with session_scope() as s:
                evaluation.review(
                    s,
                    plan_id=plan_id,
                    actor=member,
                    output=SUMMATIVE_OUTPUT,
                    verdict=Verdict.ENDORSE,
                    text="",
                    now=utcnow(),
                )
        assert [m["stage"] for m in push(plan_id)] == ["repeat_survey"]


def _expectation_ids(plan_id: int) -> list[int]:
    with session_scope() as s:
        return [e.id for e in EvaluationRepository(s).expectations(plan_id)]


class TestStageLocks:
    def test_recommendations_cannot_change_after_sign_off(self, db: Database) -> None:
        plan_id, people = create(SMALL_PLAN)
        walk_to(plan_id, people, Stage.DELIVERY)
        with pytest.raises(StageLocked, match="delivery"):
            people.draft_recommendations(revised=True)


class TestOverrideTwice:
    def test_the_same_override_again_is_idempotent_and_another_is_refused(self, db: Database) -> None:
        from plans.domain.errors import AlreadyDecided
        from plans.services.actors import actor_by_email

        plan_id, _ = create(SMALL_PLAN)
        reason = "The working party agreed in the room; recorded on paper."
        with session_scope() as s:
            actor = actor_by_email(s, "cora@small.example")
            first = lifecycle.override_gate(s, plan_id=plan_id, actor=actor, reason=reason, now=utcnow()).id
        with session_scope() as s:
            again = lifecycle.override_gate(s, plan_id=plan_id, actor=actor, reason=reason, now=utcnow()).id
        assert again == first
        with session_scope() as s, pytest.raises(AlreadyDecided, match="already overridden"):
            lifecycle.override_gate(
                s, plan_id=plan_id, actor=actor, reason="A different reason, in words.", now=utcnow()
            )
