"""The transition table: every (from, to) pair of stages is either allowed or refused in words."""

from __future__ import annotations

import itertools

import pytest

from plans.domain.errors import DomainError, IllegalTransition
from plans.domain.lifecycle import check_move
from plans.domain.stages import ORDER, TRANSITIONS, Stage, Transition, next_stage, refusal, transition

ALL_PAIRS = list(itertools.product(Stage, Stage))

ALLOWED = {
    (Stage.VISION, Stage.EVIDENCE_SURVEY): "advance",
    (Stage.EVIDENCE_SURVEY, Stage.RECOMMENDATIONS): "advance",
    (Stage.RECOMMENDATIONS, Stage.SIGN_OFF): "advance",
    (Stage.SIGN_OFF, Stage.DELIVERY): "advance",
    (Stage.DELIVERY, Stage.SUMMATIVE_EVALUATION): "advance",
    (Stage.SUMMATIVE_EVALUATION, Stage.REPEAT_SURVEY): "advance",
    (Stage.REPEAT_SURVEY, Stage.CLOSED): "advance",
    (Stage.SIGN_OFF, Stage.RECOMMENDATIONS): "changes_requested",
}

FORBIDDEN = [pair for pair in ALL_PAIRS if pair not in ALLOWED]


def _pair_id(pair: tuple[Stage, Stage]) -> str:
    return f"{pair[0].value}->{pair[1].value}"


class TestStage:
    def test_order_is_the_lifecycle(self) -> None:
        assert [s.value for s in ORDER] == [
            "vision",
            "evidence_survey",
            "recommendations",
            "sign_off",
            "delivery",
            "summative_evaluation",
            "repeat_survey",
            "closed",
        ]

    @pytest.mark.parametrize("stage", list(Stage), ids=lambda s: s.value)
    def test_every_stage_has_a_non_empty_label(self, stage: Stage) -> None:
        assert stage.label.strip()
        assert stage.label[0].isupper()


class TestTransition:
    def test_there_are_64_pairs(self) -> None:
        assert len(ALL_PAIRS) == 64
        assert len(FORBIDDEN) == 56

    @pytest.mark.parametrize("pair", ALL_PAIRS, ids=_pair_id)
    def test_each_pair_is_allowed_or_refused_never_both(self, pair: tuple[Stage, Stage]) -> None:
        source, target = pair
        move, why = transition(source, target), refusal(source, target)
        if move is not None:
            assert why is None
            assert (move.source, move.target) == pair
            assert move.kind == ALLOWED[pair]
        else:
            assert isinstance(why, str)
            assert why.strip()
            assert pair not in ALLOWED

    def test_allowed_set_is_the_forward_advances_plus_changes_requested(self) -> None:
        allowed = {pair: t.kind for pair in ALL_PAIRS if (t := transition(*pair)) is not None}
        forward = {(a, b): "advance" for a, b in itertools.pairwise(ORDER)}
        assert len(forward) == 7
        assert allowed == forward | {(Stage.SIGN_OFF, Stage.RECOMMENDATIONS): "changes_requested"}
        assert allowed == ALLOWED

    def test_table_has_no_duplicates(self) -> None:
        pairs = [(t.source, t.target) for t in TRANSITIONS]
        assert len(pairs) == len(set(pairs)) == 8

    def test_transitions_are_immutable(self) -> None:
        t = transition(Stage.VISION, Stage.EVIDENCE_SURVEY)
        assert t == Transition(Stage.VISION, Stage.EVIDENCE_SURVEY, "advance")
        with pytest.raises(AttributeError):
            t.kind = "changes_requested"  # type: ignore[misc]


class TestNextStage:
    @pytest.mark.parametrize(
        ("stage", "expected"),
        [
            (Stage.VISION, Stage.EVIDENCE_SURVEY),
            (Stage.EVIDENCE_SURVEY, Stage.RECOMMENDATIONS),
            (Stage.RECOMMENDATIONS, Stage.SIGN_OFF),
            (Stage.SIGN_OFF, Stage.DELIVERY),
            (Stage.DELIVERY, Stage.SUMMATIVE_EVALUATION),
            (Stage.SUMMATIVE_EVALUATION, Stage.REPEAT_SURVEY),
            (Stage.REPEAT_SURVEY, Stage.CLOSED),
            (Stage.CLOSED, None),
        ],
        ids=lambda v: getattr(v, "value", str(v)),
    )
    def test_next_stage(self, stage: Stage, expected: Stage | None) -> None:
        assert next_stage(stage) is expected

    @pytest.mark.parametrize("stage", ORDER[:-1], ids=lambda s: s.value)
    def test_next_stage_is_an_advance_in_the_table(self, stage: Stage) -> None:
        target = next_stage(stage)
        assert target is not None
        t = transition(stage, target)
        assert t is not None
        assert t.kind == "advance"

    def test_sign_off_advances_to_delivery_not_back(self) -> None:
        assert next_stage(Stage.SIGN_OFF) is Stage.DELIVERY


class TestRefusal:
    @pytest.mark.parametrize("target", list(Stage), ids=lambda s: s.value)
    def test_closed_plan_never_moves(self, target: Stage) -> None:
        assert refusal(Stage.CLOSED, target) == "the plan is closed; a closed plan does not move"

    @pytest.mark.parametrize("stage", ORDER[:-1], ids=lambda s: s.value)
    def test_same_stage(self, stage: Stage) -> None:
        assert refusal(stage, stage) == f"the plan is already in {stage.value}"

    @pytest.mark.parametrize(
        "pair",
        [(a, b) for a, b in FORBIDDEN if a is not Stage.CLOSED and ORDER.index(b) > ORDER.index(a)],
        ids=_pair_id,
    )
    def test_skipping_ahead(self, pair: tuple[Stage, Stage]) -> None:
        source, target = pair
        ahead = next_stage(source)
        assert ahead is not None
        assert ORDER.index(target) > ORDER.index(ahead)
        assert refusal(source, target) == (
            f"stages cannot be skipped: from {source.value} the plan can only advance to {ahead.value}"
        )

    @pytest.mark.parametrize(
        "pair",
        [(a, b) for a, b in FORBIDDEN if a not in (Stage.CLOSED, Stage.SIGN_OFF) and ORDER.index(b) < ORDER.index(a)],
        ids=_pair_id,
    )
    def test_going_back(self, pair: tuple[Stage, Stage]) -> None:
        source, target = pair
        assert refusal(source, target) == f"a plan cannot go back from {source.value} to {target.value}"

    @pytest.mark.parametrize("target", [Stage.VISION, Stage.EVIDENCE_SURVEY], ids=lambda s: s.value)
    def test_sign_off_goes_back_only_to_recommendations(self, target: Stage) -> None:
        assert refusal(Stage.SIGN_OFF, target) == (
            "from sign_off a plan can only go back to recommendations, when changes are requested"
        )

    def test_every_forbidden_pair_falls_in_exactly_one_category(self) -> None:
        counts = {"closed": 0, "same": 0, "skip": 0, "back": 0}
        for source, target in FORBIDDEN:
            why = refusal(source, target)
            assert why is not None
            if why.startswith("the plan is closed"):
                counts["closed"] += 1
            elif why.startswith("the plan is already in"):
                counts["same"] += 1
            elif why.startswith("stages cannot be skipped"):
                counts["skip"] += 1
            else:
                assert "back" in why
                counts["back"] += 1
        # 8 from closed; 7 same-stage; 6+5+4+3+2+1 skips; 1+2+...+6 backward pairs less sign_off->recommendations.
        assert counts == {"closed": 8, "same": 7, "skip": 21, "back": 20}


class TestCheckMove:
    @pytest.mark.parametrize("pair", list(ALLOWED), ids=_pair_id)
    def test_allowed_moves_pass(self, pair: tuple[Stage, Stage]) -> None:
        assert check_move(*pair) is None

    @pytest.mark.parametrize("pair", FORBIDDEN, ids=_pair_id)
    def test_forbidden_moves_raise_with_the_tables_reason(self, pair: tuple[Stage, Stage]) -> None:
        source, target = pair
        with pytest.raises(IllegalTransition) as info:
            check_move(source, target)
        err = info.value
        assert err.reason == refusal(source, target)
        assert (err.source, err.target) == (source.value, target.value)
        assert source.value in str(err)
        assert target.value in str(err)
        assert str(err) == err.message == f"cannot move a plan from {source.value} to {target.value}: {err.reason}"
        assert isinstance(err, DomainError)
        assert err.kind == "conflict"
