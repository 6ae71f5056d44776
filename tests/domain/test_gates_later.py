"""Stage gates, second half: changes requested, delivery, summative, repeat survey, closed, overrides."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from plans.domain.facts import (
    Decision,
    DecisionFacts,
    ExpectationFacts,
    Judgement,
    PanelFacts,
    PlanFacts,
    SignOffFacts,
    SurveyFacts,
)
from plans.domain.gates import (
    MIN_OVERRIDE_REASON,
    changes_requested,
    closed_reasons,
    delivery_reasons,
    override_reason_problem,
    repeat_survey_reasons,
    summative_reasons,
)
from plans.domain.quorum import QuorumRule
from plans.domain.stages import Stage

NOW = datetime(2024, 6, 1, 12, 0)
APPROVE, CHANGES, REJECT = Decision.APPROVE, Decision.REQUEST_CHANGES, Decision.REJECT


def with_decisions(
    *decisions: tuple[str, Decision, int],
    stage: Stage = Stage.SIGN_OFF,
    version: int = 2,
    round_version: int | None = 2,
) -> PlanFacts:
    so = SignOffFacts(round_version, ("Pat", "Quinn"), QuorumRule(), tuple(DecisionFacts(*d) for d in decisions))
    return PlanFacts(stage=stage, version=version, now=NOW, sign_off=so)


class TestChangesRequested:
    @pytest.mark.parametrize("decision", [CHANGES, REJECT], ids=str)
    def test_objection_on_current_version(self, decision: Decision) -> None:
        assert changes_requested(with_decisions(("Pat", APPROVE, 2), ("Quinn", decision, 2))) is True

    def test_approvals_only(self) -> None:
        assert changes_requested(with_decisions(("Pat", APPROVE, 2), ("Quinn", APPROVE, 2))) is False

    def test_no_decisions(self) -> None:
        assert changes_requested(with_decisions()) is False

    def test_no_sign_off_round(self) -> None:
        assert changes_requested(PlanFacts(stage=Stage.SIGN_OFF, version=1, now=NOW)) is False

    def test_objection_on_an_older_version(self) -> None:
        assert changes_requested(with_decisions(("Pat", CHANGES, 1))) is False

    def test_round_on_an_older_version(self) -> None:
        assert changes_requested(with_decisions(("Pat", CHANGES, 1), round_version=1)) is False

    @pytest.mark.parametrize("stage", [s for s in Stage if s is not Stage.SIGN_OFF], ids=str)
    def test_only_in_sign_off(self, stage: Stage) -> None:
        assert changes_requested(with_decisions(("Pat", CHANGES, 2), stage=stage)) is False


class TestDeliveryReasons:
    def facts(self, planned: int, recorded: int) -> PlanFacts:
        return PlanFacts(
            stage=Stage.DELIVERY, version=1, now=NOW, checkpoints_planned=planned, checkpoints_recorded=recorded
        )

    def test_none_planned(self) -> None:
        assert delivery_reasons(self.facts(0, 0)) == ["no formative checkpoints are scheduled"]

    @pytest.mark.parametrize(("recorded", "missing"), [(0, 3), (1, 2), (2, 1)])
    def test_missing_reports(self, recorded: int, missing: int) -> None:
        assert delivery_reasons(self.facts(3, recorded)) == [
            f"{missing} of 3 formative checkpoint report(s) not yet recorded"
        ]

    @pytest.mark.parametrize("recorded", [3, 4])
    def test_all_recorded_may_pass(self, recorded: int) -> None:
        assert delivery_reasons(self.facts(3, recorded)) == []


def summative(**kw: object) -> PlanFacts:
    base: dict[str, object] = {
        "expectations": (ExpectationFacts("Head", "Fewer exclusions", Judgement.MET),),
        "summative_report": True,
        "panel": PanelFacts(members=3, reviews=1),
    }
    return PlanFacts(stage=Stage.SUMMATIVE_EVALUATION, version=1, now=NOW, **(base | kw))  # type: ignore[arg-type]


class TestSummativeReasons:
    def test_complete_may_pass(self) -> None:
        assert summative_reasons(summative()) == []

    @pytest.mark.parametrize("judgement", list(Judgement), ids=str)
    def test_any_judgement_counts(self, judgement: Judgement) -> None:
        assert summative_reasons(summative(expectations=(ExpectationFacts("Head", "X", judgement),))) == []

    def test_empty_register(self) -> None:
        assert summative_reasons(summative(expectations=())) == ["the return-on-expectations register is empty"]

    def test_unjudged_named_up_to_three(self) -> None:
        exps = tuple(ExpectationFacts("Head", f"E{i}", None) for i in range(5))
        assert summative_reasons(summative(expectations=exps)) == [
            "5 expectation(s) not yet judged: E0, E1, E2 and 2 more"
        ]

    def test_no_report(self) -> None:
        assert summative_reasons(summative(summative_report=False)) == ["the summative report has not been written"]

    def test_no_panel(self) -> None:
        assert summative_reasons(summative(panel=PanelFacts(0, 0))) == ["the plan has no citizen panel"]

    def test_panel_has_not_reviewed(self) -> None:
        assert summative_reasons(summative(panel=PanelFacts(3, 0))) == [
            "the citizen panel has not reviewed the summative report"
        ]

    def test_members_yet_to_review_are_named(self) -> None:
        panel = PanelFacts(3, 1, awaiting_review=("Pat Panel", "Pia Panel"))
        assert summative_reasons(summative(panel=panel)) == [
            "waiting for 2 citizen panel member(s) to review the summative report: Pat Panel, Pia Panel"
        ]

    def test_unanswered_challenges(self) -> None:
        panel = PanelFacts(3, 1, ("Why so slow?", "Who decided?"))
        assert summative_reasons(summative(panel=panel)) == [
            "2 citizen panel challenge(s) await a written response: Why so slow?, Who decided?"
        ]

    def test_every_reason_at_once(self) -> None:
        f = PlanFacts(stage=Stage.SUMMATIVE_EVALUATION, version=1, now=NOW, panel=PanelFacts(0, 0, ("C1",)))
        assert summative_reasons(f) == [
            "the return-on-expectations register is empty",
            "the summative report has not been written",
            "the plan has no citizen panel",
            "1 citizen panel challenge(s) await a written response: C1",
        ]


def repeat(question_ids: tuple[str, ...], *, closed: bool = True) -> SurveyFacts:
    return SurveyFacts(
        "Repeat", NOW - timedelta(days=30), NOW - timedelta(days=1), NOW if closed else None, 0.6, 7, 10, question_ids
    )


class TestRepeatSurveyReasons:
    def facts(self, survey: SurveyFacts | None, baseline_ids: tuple[str, ...] = ("q1", "q2")) -> PlanFacts:
        return PlanFacts(
            stage=Stage.REPEAT_SURVEY, version=1, now=NOW, repeat=survey, baseline_question_ids=baseline_ids
        )

    def test_closed_with_all_baseline_questions_may_pass(self) -> None:
        assert repeat_survey_reasons(self.facts(repeat(("q2", "q1", "q9")))) == []

    def test_not_opened(self) -> None:
        assert repeat_survey_reasons(self.facts(None)) == ["the repeat survey has not been opened"]

    def test_missing_baseline_questions(self) -> None:
        assert repeat_survey_reasons(self.facts(repeat(("q1",)))) == [
            "the repeat survey leaves out baseline question(s) q2"
        ]

    def test_missing_questions_added_to_survey_reason(self) -> None:
        assert repeat_survey_reasons(self.facts(repeat(("q9",), closed=False))) == [
            "the repeat survey is due to close (end date reached; the next lifecycle run closes it)",
            "the repeat survey leaves out baseline question(s) q1, q2",
        ]

    def test_no_baseline_questions_nothing_to_reuse(self) -> None:
        assert repeat_survey_reasons(self.facts(repeat(()), baseline_ids=())) == []


class TestThePanelReviewsTheRepeatComparison:
    """Like the summative report, the repeat survey's comparison with the baseline waits for every panel
    member's review once the survey has closed (its publication follows the close): the panel's last say."""

    def facts(self, *awaiting: str, closed: bool = True, challenges: tuple[str, ...] = ()) -> PlanFacts:
        return PlanFacts(
            stage=Stage.REPEAT_SURVEY,
            version=1,
            now=NOW,
            repeat=repeat(("q1",), closed=closed),
            baseline_question_ids=("q1",),
            panel=PanelFacts(3, 3, challenges, awaiting_repeat_review=awaiting),
        )

    def test_everyone_reviewed_may_close(self) -> None:
        assert repeat_survey_reasons(self.facts()) == []

    def test_members_yet_to_review_are_named(self) -> None:
        assert repeat_survey_reasons(self.facts("Pat Panel", "Pia Panel")) == [
            "waiting for 2 citizen panel member(s) to review the repeat survey's comparison with the baseline: "
            "Pat Panel, Pia Panel"
        ]

    def test_named_up_to_five(self) -> None:
        names = tuple(f"Member {i}" for i in range(1, 8))
        assert repeat_survey_reasons(self.facts(*names)) == [
            "waiting for 7 citizen panel member(s) to review the repeat survey's comparison with the baseline: "
            "Member 1, Member 2, Member 3, Member 4, Member 5 and 2 more"
        ]

    def test_not_asked_while_the_survey_is_open(self) -> None:
        assert repeat_survey_reasons(self.facts("Pat Panel", closed=False)) == [
            "the repeat survey is due to close (end date reached; the next lifecycle run closes it)"
        ]

    def test_not_asked_before_the_survey_opens(self) -> None:
        f = PlanFacts(
            stage=Stage.REPEAT_SURVEY, version=1, now=NOW, panel=PanelFacts(1, 1, awaiting_repeat_review=("Pat",))
        )
        assert repeat_survey_reasons(f) == ["the repeat survey has not been opened"]

    def test_asked_alongside_left_out_questions(self) -> None:
        f = PlanFacts(
            stage=Stage.REPEAT_SURVEY,
            version=1,
            now=NOW,
            repeat=repeat(("q9",)),
            baseline_question_ids=("q1",),
            panel=PanelFacts(1, 1, awaiting_repeat_review=("Pat Panel",)),
        )
        assert repeat_survey_reasons(f) == [
            "the repeat survey leaves out baseline question(s) q1",
            "waiting for 1 citizen panel member(s) to review the repeat survey's comparison with the baseline: "
            "Pat Panel",
        ]

    def test_a_challenge_as_review_still_needs_its_answer(self) -> None:
        assert repeat_survey_reasons(
            self.facts("Pia Panel", challenges=("Pat Panel on the repeat survey comparison",))
        ) == [
            "waiting for 1 citizen panel member(s) to review the repeat survey's comparison with the baseline: "
            "Pia Panel",
            "1 citizen panel challenge(s) await a written response: Pat Panel on the repeat survey comparison",
        ]


class TestNoPlanClosesWithAnUnansweredChallenge:
    """Passing the repeat survey's gate closes the plan, so a challenge on any output holds it, named."""

    def facts(self, *waiting: str) -> PlanFacts:
        return PlanFacts(
            stage=Stage.REPEAT_SURVEY,
            version=1,
            now=NOW,
            repeat=repeat(("q1",)),
            baseline_question_ids=("q1",),
            panel=PanelFacts(2, 2, waiting),
        )

    def test_answered_everything_may_close(self) -> None:
        assert repeat_survey_reasons(self.facts()) == []

    @pytest.mark.parametrize(
        "waiting",
        [
            "Pat Panel on formative report 1",
            "Pia Panel on the summative report",
            "Pat Panel on the repeat survey comparison",
        ],
    )
    def test_a_challenge_on_any_output_holds_the_plan_open(self, waiting: str) -> None:
        assert repeat_survey_reasons(self.facts(waiting)) == [
            f"1 citizen panel challenge(s) await a written response: {waiting}"
        ]

    def test_challenges_are_named_up_to_three(self) -> None:
        waiting = tuple(f"Member {i} on formative report {i}" for i in range(1, 5))
        assert repeat_survey_reasons(self.facts(*waiting)) == [
            "4 citizen panel challenge(s) await a written response: Member 1 on formative report 1, "
            "Member 2 on formative report 2, Member 3 on formative report 3 and 1 more"
        ]

    def test_with_the_survey_still_open(self) -> None:
        f = PlanFacts(
            stage=Stage.REPEAT_SURVEY, version=1, now=NOW, panel=PanelFacts(1, 1, ("Pat Panel on formative report 2",))
        )
        assert repeat_survey_reasons(f) == [
            "the repeat survey has not been opened",
            "1 citizen panel challenge(s) await a written response: Pat Panel on formative report 2",
        ]


class TestClosedReasons:
    def test_closed_never_passes(self) -> None:
        assert closed_reasons(PlanFacts(stage=Stage.CLOSED, version=1, now=NOW)) == ["the plan is closed"]


SHORT = f"the override reason must say why in words (at least {MIN_OVERRIDE_REASON} characters)"


class TestOverrideReasonProblem:
    @pytest.mark.parametrize("reason", [None, "", "   ", "\n\t "], ids=repr)
    def test_missing(self, reason: str | None) -> None:
        assert override_reason_problem(reason) == "an override needs a written reason"

    @pytest.mark.parametrize("reason", ["because", "x" * (MIN_OVERRIDE_REASON - 1), "   too short     "], ids=repr)
    def test_short(self, reason: str) -> None:
        assert override_reason_problem(reason) == SHORT

    @pytest.mark.parametrize("reason", ["1234567890123456789", "2024-06-01 / 12:00!!", "................"], ids=repr)
    def test_no_letters(self, reason: str) -> None:
        assert override_reason_problem(reason) == SHORT

    @pytest.mark.parametrize(
        "reason",
        [
            "The head teacher signed off in person at the governors' meeting",
            "x" * MIN_OVERRIDE_REASON,
            "Survey ran 2 weeks",
        ],
        ids=repr,
    )
    def test_a_real_sentence_is_accepted(self, reason: str) -> None:
        assert override_reason_problem(reason) is None

    @given(st.text())
    def test_accepts_exactly_long_texts_with_a_letter(self, reason: str) -> None:
        text = reason.strip()
        ok = len(text) >= MIN_OVERRIDE_REASON and any(c.isalpha() for c in text)
        assert (override_reason_problem(reason) is None) == ok
