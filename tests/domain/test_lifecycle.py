"""The pure core of moving a plan: decide, work_due, needs_run, edit_recommendations and replay."""

from __future__ import annotations

import itertools
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

import pytest

from plans.domain.errors import StageLocked
from plans.domain.facts import Decision, DecisionFacts, PlanFacts, SignOffFacts, SurveyFacts
from plans.domain.lifecycle import (
    Blocked,
    Move,
    ReplayedState,
    ReplayError,
    VersionAfterEdit,
    decide,
    edit_recommendations,
    needs_run,
    replay,
    work_due,
)
from plans.domain.quorum import QuorumRule
from plans.domain.stages import Stage

NOW = datetime(2024, 6, 1, 12, 0)
Event = tuple[str, dict[str, Any]]
CREATED: Event = ("plan_created", {"stage": "vision", "version": 1})


def survey(*, closes_in: int = 10, closed: bool = False, responses: int = 0, eligible: int = 10) -> SurveyFacts:
    return SurveyFacts(
        "S",
        NOW - timedelta(days=1),
        NOW + timedelta(days=closes_in),
        NOW if closed else None,
        0.6,
        responses,
        eligible,
        ("q1",),
    )


def sign_off(round_version: int | None, *decisions: tuple[str, Decision, int]) -> SignOffFacts:
    return SignOffFacts(round_version, ("Pat",), QuorumRule(), tuple(DecisionFacts(*d) for d in decisions))


def facts(stage: Stage, version: int = 1, **kw: Any) -> PlanFacts:
    return PlanFacts(stage=stage, version=version, now=NOW, **kw)


def moved(source: str, target: str) -> Event:
    return ("stage_changed", {"from": source, "to": target})


class TestDecide:
    def test_closed_stays_closed_even_with_override(self) -> None:
        for pending in (False, True):
            assert decide(facts(Stage.CLOSED), override_pending=pending) == Blocked(
                Stage.CLOSED, ("the plan is closed",)
            )

    def test_gate_passes(self) -> None:
        f = facts(Stage.DELIVERY, checkpoints_planned=2, checkpoints_recorded=2)
        assert decide(f, override_pending=False) == Move(Stage.DELIVERY, Stage.SUMMATIVE_EVALUATION, "gate")

    def test_blocked_with_reasons(self) -> None:
        f = facts(Stage.DELIVERY, checkpoints_planned=2, checkpoints_recorded=1)
        assert decide(f, override_pending=False) == Blocked(
            Stage.DELIVERY, ("1 of 2 formative checkpoint report(s) not yet recorded",)
        )

    def test_override_moves_forward_and_keeps_the_reasons(self) -> None:
        f = facts(Stage.DELIVERY, checkpoints_planned=2, checkpoints_recorded=1)
        assert decide(f, override_pending=True) == Move(
            Stage.DELIVERY,
            Stage.SUMMATIVE_EVALUATION,
            "override",
            ("1 of 2 formative checkpoint report(s) not yet recorded",),
        )

    def test_pending_override_unused_when_gate_passes(self) -> None:
        f = facts(Stage.DELIVERY, checkpoints_planned=1, checkpoints_recorded=1)
        assert decide(f, override_pending=True).via == "gate"  # type: ignore[union-attr]

    @pytest.mark.parametrize("pending", [False, True])
    @pytest.mark.parametrize("decision", [Decision.REQUEST_CHANGES, Decision.REJECT], ids=str)
    def test_changes_requested_beats_override(self, decision: Decision, pending: bool) -> None:
        f = facts(Stage.SIGN_OFF, 2, sign_off=sign_off(2, ("Pat", decision, 2)))
        assert decide(f, override_pending=pending) == Move(Stage.SIGN_OFF, Stage.RECOMMENDATIONS, "changes_requested")

    def test_sign_off_approved_goes_to_delivery(self) -> None:
        f = facts(Stage.SIGN_OFF, 2, sign_off=sign_off(2, ("Pat", Decision.APPROVE, 2)))
        assert decide(f, override_pending=False) == Move(Stage.SIGN_OFF, Stage.DELIVERY, "gate")


class TestWorkDue:
    @pytest.mark.parametrize(("stage", "which"), [(Stage.EVIDENCE_SURVEY, "baseline"), (Stage.REPEAT_SURVEY, "repeat")])
    def test_open_the_survey(self, stage: Stage, which: str) -> None:
        assert work_due(facts(stage)) == [f"open the {which} survey"]

    @pytest.mark.parametrize(
        "s",
        [survey(closes_in=0), survey(closes_in=-3, eligible=0), survey(responses=6), survey(responses=10)],
        ids=["date", "date_nobody_eligible", "target", "everyone"],
    )
    def test_close_the_survey(self, s: SurveyFacts) -> None:
        assert work_due(facts(Stage.EVIDENCE_SURVEY, baseline=s)) == ["close the survey"]
        assert work_due(facts(Stage.REPEAT_SURVEY, repeat=s)) == ["close the survey"]

    @pytest.mark.parametrize(
        "s",
        [survey(closed=True), survey(closed=True, closes_in=-1), survey(responses=5), survey(eligible=0)],
        ids=["closed", "closed_late", "below_target", "nobody_eligible"],
    )
    def test_nothing_for_the_survey(self, s: SurveyFacts) -> None:
        assert work_due(facts(Stage.EVIDENCE_SURVEY, baseline=s)) == []

    @pytest.mark.parametrize("stage", [Stage.EVIDENCE_SURVEY, Stage.RECOMMENDATIONS, Stage.REPEAT_SURVEY])
    def test_a_closed_survey_without_its_analysis_is_work(self, stage: Stage) -> None:
        # a run killed between closing the survey and analysing it: nobody else will wake the plan
        waiting = replace(survey(closed=True), awaiting_analysis=True)
        which = {"repeat": waiting} if stage is Stage.REPEAT_SURVEY else {"baseline": waiting}
        f = facts(stage, **which)
        assert "analyse the closed survey" in work_due(f) and needs_run(f, override_pending=False)

    def test_survey_of_the_other_stage_is_ignored(self) -> None:
        assert work_due(facts(Stage.REPEAT_SURVEY, baseline=survey(closes_in=-1))) == ["open the repeat survey"]

    @pytest.mark.parametrize("so", [None, sign_off(None), sign_off(1)], ids=["no_round", "unsent", "old_round"])
    def test_send_for_sign_off(self, so: SignOffFacts | None) -> None:
        assert work_due(facts(Stage.SIGN_OFF, 2, sign_off=so)) == ["send version 2 for sign-off"]

    def test_round_already_sent(self) -> None:
        assert work_due(facts(Stage.SIGN_OFF, 2, sign_off=sign_off(2))) == []

    @pytest.mark.parametrize(
        ("planned", "scheduled", "due"), [(3, 0, True), (3, 2, True), (3, 3, False), (0, 0, False)]
    )
    def test_schedule_checkpoints(self, planned: int, scheduled: int, due: bool) -> None:
        f = facts(Stage.DELIVERY, checkpoints_planned=planned, checkpoints_scheduled=scheduled)
        assert work_due(f) == (["schedule the formative checkpoints"] if due else [])

    @pytest.mark.parametrize("stage", [Stage.VISION, Stage.RECOMMENDATIONS, Stage.SUMMATIVE_EVALUATION, Stage.CLOSED])
    def test_stages_without_flow_work(self, stage: Stage) -> None:
        assert work_due(facts(stage, sign_off=None, checkpoints_planned=3)) == []


class TestNeedsRun:
    def test_blocked_and_nothing_to_do(self) -> None:
        assert needs_run(facts(Stage.VISION), override_pending=False) is False

    def test_override_pending_makes_a_move(self) -> None:
        assert needs_run(facts(Stage.VISION), override_pending=True) is True

    def test_gate_passes(self) -> None:
        f = facts(Stage.DELIVERY, checkpoints_planned=1, checkpoints_scheduled=1, checkpoints_recorded=1)
        assert needs_run(f, override_pending=False) is True

    def test_work_due_without_a_move(self) -> None:
        f = facts(Stage.EVIDENCE_SURVEY, baseline=survey(closes_in=-1))
        assert isinstance(decide(f, override_pending=False), Blocked)
        assert needs_run(f, override_pending=False) is True

    def test_closed_never_needs_a_run(self) -> None:
        assert needs_run(facts(Stage.CLOSED), override_pending=True) is False


class TestEditRecommendations:
    @pytest.mark.parametrize("stage", [s for s in Stage if s not in (Stage.RECOMMENDATIONS, Stage.SIGN_OFF)])
    @pytest.mark.parametrize("frozen", [False, True])
    def test_locked_outside_recommendations_and_sign_off(self, stage: Stage, frozen: bool) -> None:
        with pytest.raises(StageLocked, match=f"the plan is in {stage.value}"):
            edit_recommendations(stage, 3, frozen)

    @pytest.mark.parametrize("stage", [Stage.RECOMMENDATIONS, Stage.SIGN_OFF])
    def test_unfrozen_draft_changes_in_place(self, stage: Stage) -> None:
        assert edit_recommendations(stage, 3, False) == VersionAfterEdit(3, False, False)

    @pytest.mark.parametrize("stage", [Stage.RECOMMENDATIONS, Stage.SIGN_OFF])
    def test_frozen_makes_a_new_version_and_voids_approvals(self, stage: Stage) -> None:
        assert edit_recommendations(stage, 3, True) == VersionAfterEdit(4, False, True)


class TestReplay:
    def test_just_created(self) -> None:
        assert replay([CREATED]) == ReplayedState(Stage.VISION, 1, 1)

    def test_a_history(self) -> None:
        events = [
            CREATED,
            moved("vision", "evidence_survey"),
            moved("evidence_survey", "recommendations"),
            moved("recommendations", "sign_off"),
            moved("sign_off", "recommendations"),
            ("version_created", {"version": 2}),
            ("comment_added", {"text": "ignored"}),
            moved("recommendations", "sign_off"),
            moved("sign_off", "delivery"),
        ]
        state = replay(iter(events))
        assert (state.stage, state.version) == (Stage.DELIVERY, 2)

    def test_full_lifecycle_reaches_closed(self) -> None:
        stages = [s.value for s in Stage]
        events = [CREATED, *(moved(a, b) for a, b in itertools.pairwise(stages))]
        assert replay(events).stage is Stage.CLOSED

    @pytest.mark.parametrize(
        "events",
        [[], [("version_created", {"version": 2})], [moved("vision", "evidence_survey")]],
        ids=["empty", "version_first", "move_first"],
    )
    def test_no_plan_created(self, events: list[Event]) -> None:
        with pytest.raises(ReplayError):
            replay(events)

    def test_empty_log_message(self) -> None:
        with pytest.raises(ReplayError, match=r"^no plan_created event$"):
            replay([])

    def test_event_before_plan_created_message(self) -> None:
        with pytest.raises(ReplayError, match=r"^version_created recorded before plan_created$"):
            replay([("version_created", {"version": 2}), CREATED])

    def test_duplicated_plan_created(self) -> None:
        with pytest.raises(ReplayError, match=r"^plan_created recorded twice$"):
            replay([CREATED, moved("vision", "evidence_survey"), CREATED])

    def test_stage_changed_from_the_wrong_stage(self) -> None:
        with pytest.raises(ReplayError, match=r"^stage_changed from evidence_survey but the plan was in vision$"):
            replay([CREATED, moved("evidence_survey", "recommendations")])

    @pytest.mark.parametrize(
        ("events", "why"),
        [
            ([CREATED, moved("vision", "recommendations")], "stages cannot be skipped"),
            ([CREATED, moved("vision", "vision")], "the plan is already in vision"),
            ([CREATED, moved("vision", "evidence_survey"), moved("evidence_survey", "vision")], "cannot go back"),
        ],
        ids=["skip", "same", "back"],
    )
    def test_illegal_stage_changed(self, events: list[Event], why: str) -> None:
        with pytest.raises(ReplayError, match=why):
            replay(events)

    def test_closed_plan_moves_again(self) -> None:
        stages = [s.value for s in Stage]
        events = [CREATED, *(moved(a, b) for a, b in itertools.pairwise(stages))]
        with pytest.raises(ReplayError, match="a closed plan does not move"):
            replay([*events, moved("closed", "vision")])

    @pytest.mark.parametrize("version", [1, 3, 0])
    def test_version_gap(self, version: int) -> None:
        with pytest.raises(ReplayError, match=f"^version {version} follows version 1$"):
            replay([CREATED, ("version_created", {"version": version})])

    def test_unknown_stage_raises_value_error(self) -> None:
        with pytest.raises(ValueError):
            replay([("plan_created", {"stage": "limbo", "version": 1})])
