"""The change in the gap between groups from the baseline to the repeat survey: hand-worked, the frame
against the scalar MOVER reference for any counts, hidden groups explained, nothing to compare when a
survey lacks the breakdown."""

from __future__ import annotations

import math

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from evaluation.gap_change import CHANGE_SCHEMA, change_words, gap_change, gap_changes
from evaluation.gaps import Proportion, newcombe_difference

BME, WHITE = "Black and minority ethnic", "White"


def findings(counts: dict[tuple[str, str], tuple[int, int] | None]) -> pl.DataFrame:
    """An analysis findings frame of the ethnicity breakdown: (group, question) -> (positive, n), or None
    for a hidden group (its counts withheld, as the analysis publishes it)."""
    rows = [
        {
            "breakdown": "ethnicity",
            "group": group,
            "question": question,
            "n": None if c is None else c[1],
            "positive": None if c is None else c[0],
            "suppressed": c is None,
        }
        for (group, question), c in counts.items()
    ]
    schema = {"breakdown": pl.String, "group": pl.String, "question": pl.String, "n": pl.Int64}
    return pl.DataFrame(rows, schema={**schema, "positive": pl.Int64, "suppressed": pl.Boolean})


class TestHandWorked:
    def test_a_gap_that_narrowed(self) -> None:
        before = findings({(WHITE, "Q1"): (60, 100), (BME, "Q1"): (40, 100)})
        after = findings({(WHITE, "Q1"): (60, 100), (BME, "Q1"): (55, 100)})
        row = gap_changes(before, after, "ethnicity", WHITE).row(0, named=True)
        assert (row["group"], row["reference"], row["why"]) == (BME, WHITE, None)
        assert row["before"] == pytest.approx(-0.20) and row["after"] == pytest.approx(-0.05)
        assert row["change"] == pytest.approx(0.15)
        # by hand: each gap's Newcombe interval, then MOVER
        g1 = newcombe_difference(Proportion(40, 100), Proportion(60, 100))
        g2 = newcombe_difference(Proportion(55, 100), Proportion(60, 100))
        assert g1.ci_high is not None and g1.ci_low is not None and g2.ci_low is not None and g2.ci_high is not None
        low = 0.15 - math.sqrt((-0.05 - g2.ci_low) ** 2 + (g1.ci_high + 0.20) ** 2)
        high = 0.15 + math.sqrt((g2.ci_high + 0.05) ** 2 + (-0.20 - g1.ci_low) ** 2)
        assert (row["change_low"], row["change_high"]) == (pytest.approx(low), pytest.approx(high))
        assert low < 0 < high  # 100 each side: a 15-point narrowing could still be chance
        assert change_words(row["before"], row["after"], low, high) == "could be chance"

    def test_words(self) -> None:
        assert change_words(-0.20, -0.05, 0.02, 0.28) == "narrowed"
        assert change_words(-0.05, -0.20, -0.28, -0.02) == "widened"
        assert change_words(-0.20, 0.10, 0.10, 0.50) == "reversed"
        assert change_words(-0.20, -0.10, -0.05, 0.25) == "could be chance"

    def test_a_hidden_group_gives_no_change_and_says_which_survey(self) -> None:
        before = findings({(WHITE, "Q1"): (60, 100), (BME, "Q1"): (40, 100), (WHITE, "Q2"): (5, 9), (BME, "Q2"): None})
        after = findings({(WHITE, "Q1"): (60, 100), (BME, "Q1"): None, (WHITE, "Q2"): (50, 90), (BME, "Q2"): (9, 30)})
        rows = {r["question"]: r for r in gap_changes(before, after, "ethnicity", WHITE).iter_rows(named=True)}
        assert rows["Q1"]["change"] is None and rows["Q1"]["after"] is None
        assert rows["Q1"]["why"] == f"repeat survey: {BME} is suppressed"
        assert rows["Q2"]["change"] is None and rows["Q2"]["after"] is not None
        assert rows["Q2"]["why"] == f"first survey: {BME} is suppressed"

    def test_a_question_new_in_the_repeat_has_no_first_gap(self) -> None:
        before = findings({(WHITE, "Q1"): (60, 100), (BME, "Q1"): (40, 100)})
        after = findings({(WHITE, "Q9"): (60, 100), (BME, "Q9"): (40, 100)})
        row = gap_changes(before, after, "ethnicity", WHITE).row(0, named=True)
        assert (row["question"], row["change"], row["why"]) == (
            "Q9",
            None,
            "first survey: no row for this group and question",
        )

    def test_nothing_to_compare_without_the_breakdown_or_the_reference(self) -> None:
        before = findings({(WHITE, "Q1"): (60, 100), (BME, "Q1"): (40, 100)})
        other = findings({("Asian", "Q1"): (60, 100), (BME, "Q1"): (40, 100)})
        assert gap_changes(before, other, "ethnicity", WHITE).schema == CHANGE_SCHEMA
        assert gap_changes(before, other, "ethnicity", WHITE).height == 0
        assert gap_changes(before, before, "staff_group", WHITE).height == 0

    def test_an_empty_gap_gives_no_change(self) -> None:
        g = newcombe_difference(Proportion(4, 10), Proportion(5, 10))
        none = newcombe_difference(Proportion(0, 0), Proportion(5, 10))
        assert gap_change(none, g).reason == "no gap in the first survey" and gap_change(none, g).real is None
        assert gap_change(g, none).reason == "no gap in the repeat survey"


counts = st.integers(min_value=1, max_value=400).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n)))


@settings(max_examples=150, deadline=None)
@given(w1=counts, b1=counts, w2=counts, b2=counts)
def test_the_frame_agrees_with_the_scalar_reference(w1, b1, w2, b2) -> None:
    before = findings({(WHITE, "Q1"): w1, (BME, "Q1"): b1})
    after = findings({(WHITE, "Q1"): w2, (BME, "Q1"): b2})
    row = gap_changes(before, after, "ethnicity", WHITE).row(0, named=True)
    expected = gap_change(
        newcombe_difference(Proportion(*b1), Proportion(*w1)), newcombe_difference(Proportion(*b2), Proportion(*w2))
    )
    assert expected.value is not None and expected.ci_low is not None and expected.ci_high is not None
    assert row["change"] == pytest.approx(expected.value, abs=1e-12)
    assert row["change_low"] == pytest.approx(expected.ci_low, abs=1e-12)
    assert row["change_high"] == pytest.approx(expected.ci_high, abs=1e-12)
    assert row["change_low"] <= row["change"] <= row["change_high"]
