"""The ladder of co-production: which rungs do things to, for or with people, which stages a plan may
record, the checks on a record (every stage x rung x plan stage), and the summary of a plan's records
against an independent statement of it over any history Hypothesis can make."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from plans.domain.coproduction import (
    LADDER_STAGES,
    MAX_NOTE,
    MIN_NOTE,
    LadderProblems,
    Rating,
    Rung,
    check_record,
    note_problem,
    reached_stages,
    summarise,
)
from plans.domain.errors import InvalidInput, StageLocked
from plans.domain.stages import ORDER, Stage

NOTE = "Citizens chose the questions with us at two workshops."
T0 = datetime(2027, 1, 4, 9, 0, tzinfo=UTC)
OPEN_STAGES = [s for s in Stage if s is not Stage.CLOSED]


class TestRungs:
    def test_to_for_with(self) -> None:
        assert {r: r.doing for r in Rung} == {
            Rung.INFORMING: "to",
            Rung.CONSULTATION: "to",
            Rung.ENGAGEMENT: "for",
            Rung.CO_DESIGN: "with",
            Rung.CO_PRODUCTION: "with",
        }

    def test_heights_climb_one_by_one_and_doing_never_falls_back(self) -> None:
        assert [r.height for r in Rung] == [1, 2, 3, 4, 5]
        order = ["to", "for", "with"]
        assert [order.index(r.doing) for r in Rung] == sorted(order.index(r.doing) for r in Rung)

    @pytest.mark.parametrize("rung", list(Rung), ids=str)
    def test_every_rung_has_words_that_agree_with_its_doing(self, rung: Rung) -> None:
        assert rung.label and rung.meaning.endswith(f"(done {rung.doing} them)")

    def test_closed_is_no_stage_of_the_ladder(self) -> None:
        assert tuple(ORDER[:-1]) == LADDER_STAGES and Stage.CLOSED not in LADDER_STAGES


class TestReachedStages:
    @pytest.mark.parametrize("current", list(Stage), ids=str)
    def test_the_stages_up_to_the_current_one(self, current: Stage) -> None:
        upto = ORDER.index(current)
        assert reached_stages(current) == tuple(s for s in LADDER_STAGES if ORDER.index(s) <= upto)

    def test_a_plan_sent_back_from_sign_off_has_still_been_through_it(self) -> None:
        back = reached_stages(Stage.RECOMMENDATIONS, [Stage.VISION, Stage.SIGN_OFF, Stage.RECOMMENDATIONS])
        assert back == (Stage.VISION, Stage.EVIDENCE_SURVEY, Stage.RECOMMENDATIONS, Stage.SIGN_OFF)

    def test_a_closed_plan_has_reached_every_stage(self) -> None:
        assert reached_stages(Stage.CLOSED) == LADDER_STAGES


class TestCheckRecord:
    @pytest.mark.parametrize("current", OPEN_STAGES, ids=str)
    @pytest.mark.parametrize("stage", list(Stage), ids=str)
    @pytest.mark.parametrize("rung", list(Rung), ids=str)
    def test_every_stage_rung_and_plan_stage(self, current: Stage, stage: Stage, rung: Rung) -> None:
        allowed = stage is not Stage.CLOSED and ORDER.index(stage) <= ORDER.index(current)
        if allowed:
            assert check_record(stage=stage.value, rung=rung.value, note=f"  {NOTE}\n", current=current) == (
                stage,
                rung,
                NOTE,
            )
            return
        with pytest.raises(LadderProblems) as info:
            check_record(stage=stage.value, rung=rung.value, note=NOTE, current=current)
        assert [name for name, _ in info.value.problems] == ["stage"]
        assert info.value.kind == "invalid" and info.value.message.startswith("stage: ")
        if stage is not Stage.CLOSED:
            assert f"has not reached {stage.label.lower()} yet (it is in {current.label.lower()})" in str(info.value)

    def test_a_future_stage_names_the_stages_that_may_be_recorded(self) -> None:
        with pytest.raises(LadderProblems) as info:
            check_record(stage="delivery", rung="co_design", note=NOTE, current=Stage.EVIDENCE_SURVEY)
        assert str(info.value) == (
            "stage: the plan has not reached delivery and formative evaluation yet (it is in evidence survey), "
            "so choose a stage it has reached: vision, evidence_survey"
        )

    @pytest.mark.parametrize("rung", ["", "  ", "co-production", "Co_Design", "tokenism", "6"])
    def test_an_unknown_rung_lists_the_allowed_ones(self, rung: str) -> None:
        with pytest.raises(LadderProblems) as info:
            check_record(stage="vision", rung=rung, note=NOTE, current=Stage.VISION)
        assert info.value.problems[0][0] == "rung"
        what = f"{rung.strip()!r} is not a rung of the ladder" if rung.strip() else "no rung was given"
        assert info.value.problems[0][1].startswith(what + ": choose one of")
        assert info.value.problems[0][1].endswith(
            ": choose one of informing (Informing), consultation (Consultation), "
            "engagement (Engagement), co_design (Co-design), co_production (Co-production)"
        )

    @pytest.mark.parametrize("stage", ["", "Vision", "closed", "planning"])
    def test_an_unknown_stage_lists_the_stages(self, stage: str) -> None:
        with pytest.raises(LadderProblems) as info:
            check_record(stage=stage, rung="co_design", note=NOTE, current=Stage.DELIVERY)
        assert info.value.problems[0][0] == "stage"
        assert "choose one of vision, evidence_survey, recommendations, sign_off, delivery" in str(info.value)

    @pytest.mark.parametrize(
        ("note", "words"),
        [
            ("", "a note is required"),
            (" \n\t ", "a note is required"),
            ("Good.", "at least 15 characters; this has 5"),
            ("Fine        fine", "at least 15 characters; this has 9"),
            ("1234567890 1234567890", "say why in words"),
            ("x" * (MAX_NOTE + 1), f"{MAX_NOTE:,} characters or fewer"),
        ],
        ids=["empty", "blank", "short", "spaces-do-not-count", "no-words", "too-long"],
    )
    def test_a_note_must_say_why_in_words(self, note: str, words: str) -> None:
        with pytest.raises(LadderProblems) as info:
            check_record(stage="vision", rung="engagement", note=note, current=Stage.VISION)
        assert info.value.problems == (("note", info.value.problems[0][1]),)
        assert words in str(info.value)

    def test_the_shortest_note_that_says_why(self) -> None:
        assert note_problem("a" * MIN_NOTE) is None and note_problem("a" * (MIN_NOTE - 1)) is not None
        assert note_problem("x" * MAX_NOTE) is None

    def test_every_problem_at_once_in_the_forms_order(self) -> None:
        with pytest.raises(InvalidInput) as info:
            check_record(stage="repeat_survey", rung="top", note="ok", current=Stage.VISION)
        assert isinstance(info.value, LadderProblems)
        assert [name for name, _ in info.value.problems] == ["stage", "rung", "note"]
        assert str(info.value).count("; ") >= 2

    def test_a_closed_plan_is_read_only(self) -> None:
        with pytest.raises(StageLocked, match="the plan is closed"):
            check_record(stage="vision", rung="co_design", note=NOTE, current=Stage.CLOSED)


# ---- the summary against an independent statement of it -------------------------------------------

ratings = st.lists(
    st.tuples(
        st.sampled_from(LADDER_STAGES),
        st.sampled_from(list(Rung)),
        st.integers(min_value=0, max_value=5),  # few distinct minutes, so ties on time happen
    ),
    max_size=25,
)


def _ratings(rows: list[tuple[Stage, Rung, int]]) -> list[Rating]:
    return [
        Rating(
            seq=i + 1,
            stage=stage,
            rung=rung,
            note=f"note {i}",
            recorded_at=T0 + timedelta(minutes=minute),
            recorded_by=f"person {i % 3}",
            plan_version=1,
        )
        for i, (stage, rung, minute) in enumerate(rows)
    ]


class TestSummarise:
    def test_no_records(self) -> None:
        summary = summarise([], current=Stage.RECOMMENDATIONS)
        assert summary.lowest is None and summary.highest is None and summary.recorded == 0
        assert summary.unrecorded == (Stage.VISION, Stage.EVIDENCE_SURVEY, Stage.RECOMMENDATIONS)
        assert summary.by_doing == {"to": (), "for": (), "with": ()}
        assert [s.stage for s in summary.stages] == list(LADDER_STAGES)
        assert [s.reached for s in summary.stages] == [True] * 3 + [False] * 4

    def test_a_later_record_replaces_the_earlier_and_both_stay_in_the_history(self) -> None:
        first, second = _ratings([(Stage.VISION, Rung.CONSULTATION, 0), (Stage.VISION, Rung.CO_DESIGN, 1)])
        vision = summarise([second, first], current=Stage.VISION).stages[0]
        assert vision.latest == second and vision.history == (second, first)

    def test_records_at_the_same_instant_stand_in_the_order_made(self) -> None:
        first, second = _ratings([(Stage.VISION, Rung.CO_DESIGN, 0), (Stage.VISION, Rung.INFORMING, 0)])
        assert summarise([second, first], current=Stage.VISION).stages[0].latest == second

    @settings(max_examples=300, deadline=None)
    @given(rows=ratings, current=st.sampled_from(list(Stage)), data=st.data())
    def test_against_an_independent_statement(
        self, rows: list[tuple[Stage, Rung, int]], current: Stage, data: st.DataObject
    ) -> None:
        records = _ratings(rows)
        shuffled = records[:]
        random.Random(data.draw(st.integers(0, 10**6))).shuffle(shuffled)
        summary = summarise(shuffled, current=current)
        assert summary == summarise(records, current=current)  # the order given does not matter

        latest: dict[Stage, Rating] = {}
        for r in records:  # made in seq order: a record at a later or equal time replaces the standing one
            if r.stage not in latest or r.recorded_at >= latest[r.stage].recorded_at:
                latest[r.stage] = r
        for row in summary.stages:
            assert row.latest == latest.get(row.stage)
            assert sorted(row.history, key=lambda r: r.seq) == [r for r in records if r.stage == row.stage]
            assert row.reached == (ORDER.index(row.stage) <= ORDER.index(current))
        heights = [r.rung.height for r in latest.values()]
        assert (summary.lowest.height if summary.lowest else None) == (min(heights) if heights else None)
        assert (summary.highest.height if summary.highest else None) == (max(heights) if heights else None)
        assert summary.recorded == len(latest)
        # every recorded stage is done to, for or with people, exactly once, in lifecycle order
        together = [s for d in ("to", "for", "with") for s in summary.by_doing[d]]
        assert sorted(together, key=ORDER.index) == sorted(latest, key=ORDER.index)
        for d, stages in summary.by_doing.items():
            assert list(stages) == sorted(stages, key=ORDER.index)
            assert all(latest[s].rung.doing == d for s in stages)
        reached = {s for s in LADDER_STAGES if ORDER.index(s) <= ORDER.index(current)}
        assert set(summary.unrecorded) == reached - set(latest)
