"""A repeat survey whose questions diverge from the baseline's: every changed, dropped or new question is
left out of the comparison explicitly, with why in words, and exactly those ``comparability`` refuses."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from evaluation.compare import comparability
from evaluation.divergence import Exclusion, exclusions
from evaluation.findings import Question

AGREE = ("Strongly agree", "Agree", "Neither", "Disagree", "Strongly disagree")
POSITIVE = frozenset({"Strongly agree", "Agree"})


def q(qid: str, text: str = "", options: tuple[str, ...] = AGREE, positive: frozenset[str] = POSITIVE) -> Question:
    return Question(id=qid, positive=positive, options=options, text=text or f"Question {qid}.")


class TestExclusions:
    def test_the_same_questions_exclude_nothing(self) -> None:
        same = (q("K1", "I know what coproduction means."), q("S1"))
        assert exclusions(same, same) == []

    def test_rewrapped_wording_is_the_same_question(self) -> None:
        assert (
            exclusions((q("K1", "I know what\n  coproduction means."),), (q("K1", "I know what coproduction means."),))
            == []
        )

    def test_each_kind_of_divergence_says_why(self) -> None:
        baseline = (
            q("K1", "I know what coproduction means."),
            q("S1", "I feel confident involving citizens."),
            q("S2", options=("Yes", "No"), positive=frozenset({"Yes"})),
            q("E1", options=("Yes", "No"), positive=frozenset({"Yes"})),
            q("E2"),
            q("D1", "I was asked."),
        )
        repeat = (
            q("K1", "I understand what coproduction means."),
            q("S1", "I feel confident involving citizens.", options=tuple(reversed(AGREE))),
            q("S2", options=("Yes", "No", "Not sure"), positive=frozenset({"Yes"})),
            q("E1", options=("Yes", "No"), positive=frozenset({"No"})),
            q("E2"),
            q("N1", "I have been to a workshop."),
        )
        assert exclusions(baseline, repeat) == [
            Exclusion(
                "K1",
                "I understand what coproduction means.",
                ("the wording changed since the first survey, which asked “I know what coproduction means.”",),
            ),
            Exclusion(
                "S1",
                "I feel confident involving citizens.",
                (
                    "the answers were offered in a different order (first survey: Strongly agree / Agree / Neither / "
                    "Disagree / Strongly disagree; repeat survey: Strongly disagree / Disagree / Neither / Agree / "
                    "Strongly agree)",
                ),
            ),
            Exclusion(
                "S2",
                "Question S2.",
                ("the answers offered changed (first survey: Yes / No; repeat survey: Yes / No / Not sure)",),
            ),
            Exclusion(
                "E1", "Question E1.", ("different answers count as positive (first survey: Yes; repeat survey: No)",)
            ),
            Exclusion("D1", "I was asked.", ("the repeat survey did not ask it",)),
            Exclusion("N1", "I have been to a workshop.", ("it is new: the first survey did not ask it",)),
        ]

    def test_several_reasons_make_one_sentence(self) -> None:
        [only] = exclusions((q("K1", "Old words."),), (q("K1", "New words.", options=("Yes", "No")),))
        assert only.explanation == (
            "Left out of the comparison: the wording changed since the first survey, which asked “Old words.”; "
            "the answers offered changed (first survey: Strongly agree / Agree / Neither / Disagree / Strongly "
            "disagree; repeat survey: Yes / No)."
        )

    def test_a_question_listed_twice_is_refused(self) -> None:
        with pytest.raises(ValueError, match="the repeat survey lists question 'K1' twice"):
            exclusions((q("K1"),), (q("K1"), q("K1")))


QUESTIONS = st.builds(
    q,
    st.sampled_from(["K1", "K2", "S1", "E1"]),
    st.sampled_from(["A.", "B.", "A. "]),
    st.sampled_from([AGREE, ("Yes", "No"), ("No", "Yes")]),
    st.sampled_from([POSITIVE, frozenset({"Yes"}), frozenset({"No"})]),
)


@given(
    st.lists(QUESTIONS, max_size=4, unique_by=lambda x: x.id), st.lists(QUESTIONS, max_size=4, unique_by=lambda x: x.id)
)
def test_exactly_the_questions_comparability_refuses_each_with_a_reason(
    baseline: list[Question], repeat: list[Question]
) -> None:
    _, refused = comparability(baseline, repeat)
    found = exclusions(baseline, repeat)
    assert [e.question_id for e in found] == [qid for qid, _ in refused]
    assert all(e.reasons and e.explanation.startswith("Left out of the comparison: ") for e in found)
