"""Bulk per-group counts and rates (Polars), checked by hand and against the per-group ``findings.finding``."""

from __future__ import annotations

from typing import Any

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from evaluation.breakdowns import MISSING_KEY, breakdown_counts, with_rates
from evaluation.findings import Question, finding, wilson_interval

AGREE = Question("q1", frozenset({"agree", "strongly agree"}))
REVERSED = Question("q2", frozenset({"disagree", "strongly disagree"}))  # e.g. "I have been bullied"
BROAD = Question("q3", frozenset({"agree", "neutral"}))
QUESTIONS = (AGREE, REVERSED, BROAD)
SCHEMA = {"team": pl.String, "ethnicity": pl.String, "q1": pl.String, "q2": pl.String, "q3": pl.String}


def frame(rows: list[tuple[str | None, ...]]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=SCHEMA, orient="row")


def counts_of(df: pl.DataFrame) -> dict[tuple[str, str, str], tuple[int, int | None]]:
    return {(r["breakdown"], r["group"], r["question"]): (r["n"], r["positive"]) for r in df.iter_rows(named=True)}


# team a: 3 respondents, team b: 2; blanks are None and ""
HAND = frame(
    [
        ("a", "x", "agree", "disagree", "neutral"),
        ("a", "y", "strongly agree", "agree", None),
        ("a", "x", "", "strongly disagree", "agree"),
        ("b", "x", "disagree", None, "disagree"),
        ("b", "y", None, "agree", ""),
    ]
)


class TestBreakdownCounts:
    def test_hand_counts_with_blanks_and_a_reversed_question(self) -> None:
        got = counts_of(breakdown_counts(HAND, QUESTIONS, [("team",)]))
        assert got == {
            ("team", "a", "q1"): (2, 2),
            ("team", "a", "q2"): (3, 2),
            ("team", "a", "q3"): (2, 2),
            ("team", "b", "q1"): (1, 0),
            ("team", "b", "q2"): (1, 0),
            ("team", "b", "q3"): (1, 0),
            ("overall", "all", "q1"): (3, 2),
            ("overall", "all", "q2"): (4, 2),
            ("overall", "all", "q3"): (3, 2),
        }

    def test_schema_labels_and_order(self) -> None:
        out = breakdown_counts(HAND.lazy(), QUESTIONS, [("team", "ethnicity"), ()])
        assert out.schema == pl.Schema(
            {"breakdown": pl.String, "group": pl.String, "question": pl.String, "n": pl.Int64, "positive": pl.Int64}
        )
        assert out["breakdown"].unique(maintain_order=True).to_list() == ["team x ethnicity", "overall"]
        assert out.filter(pl.col("question") == "q1")["group"].to_list() == ["a / x", "a / y", "b / x", "b / y", "all"]
        assert out["question"].to_list()[:3] == ["q1", "q2", "q3"]

    def test_overall_is_always_included_once(self) -> None:
        for bds in ([], [()], [(), ("team",), ()]):
            out = breakdown_counts(HAND, QUESTIONS, bds)
            assert out.filter(pl.col("breakdown") == "overall").height == len(QUESTIONS)

    def test_group_with_every_answer_blank_has_n_zero(self) -> None:
        df = frame([("a", "x", None, "agree", ""), ("b", "x", "agree", "agree", "agree")])
        got = counts_of(breakdown_counts(df, QUESTIONS, [("team",)]))
        assert got[("team", "a", "q1")] == (0, 0)
        assert got[("team", "a", "q3")] == (0, 0)

    def test_null_key_is_its_own_group(self) -> None:
        df = frame([(None, "x", "agree", None, None), ("a", None, "agree", None, None)])
        out = counts_of(breakdown_counts(df, [AGREE], [("team",), ("team", "ethnicity")]))
        assert out[("team", MISSING_KEY, "q1")] == (1, 1)
        assert out[("team x ethnicity", f"a / {MISSING_KEY}", "q1")] == (1, 1)

    def test_categorical_answers_and_integer_keys(self) -> None:
        df = pl.DataFrame({"site": [1, 1, 2], "q1": ["agree", "no", "agree"]}).with_columns(
            pl.col("q1").cast(pl.Categorical)
        )
        got = counts_of(breakdown_counts(df, [AGREE], [("site",)]))
        assert got[("site", "1", "q1")] == (2, 1)
        assert got[("site", "2", "q1")] == (1, 1)

    def test_empty_responses_give_an_overall_row_of_zeros(self) -> None:
        got = counts_of(breakdown_counts(frame([]), QUESTIONS, [("team",)]))
        assert got == {("overall", "all", q.id): (0, 0) for q in QUESTIONS}

    def test_missing_key_column_is_named(self) -> None:
        with pytest.raises(ValueError, match="'directorate'"):
            breakdown_counts(HAND, QUESTIONS, [("team",), ("directorate", "ethnicity")])

    def test_question_without_column_is_named(self) -> None:
        with pytest.raises(ValueError, match="'q9'"):
            breakdown_counts(HAND, [AGREE, Question("q9", frozenset({"yes"}))], [("team",)])


class TestWithRates:
    def test_rates_and_exact_edges(self) -> None:
        counts = pl.DataFrame({"n": [10, 10, 10, 25], "positive": [0, 10, 3, 7]})
        out = with_rates(counts, threshold=10)
        assert out["suppressed"].to_list() == [False] * 4
        assert out["ci_low"][0] == 0.0 and out["ci_high"][1] == 1.0
        for row in out.iter_rows(named=True):
            low, high = wilson_interval(row["positive"], row["n"])
            assert row["pct_positive"] == pytest.approx(row["positive"] / row["n"], abs=1e-15)
            assert row["ci_low"] == pytest.approx(low, abs=1e-12)
            assert row["ci_high"] == pytest.approx(high, abs=1e-12)

    def test_suppressed_rows_keep_n_and_hide_the_rest(self) -> None:
        counts = pl.DataFrame({"n": [9, 10, 0], "positive": [4, 4, 0]})
        out = with_rates(counts, threshold=10)
        assert out["suppressed"].to_list() == [True, False, True]
        assert out["n"].to_list() == [9, 10, 0]
        for col in ("positive", "pct_positive", "ci_low", "ci_high"):
            assert out[col][0] is None and out[col][2] is None and out[col][1] is not None

    def test_empty_group_is_suppressed_even_without_a_threshold(self) -> None:
        out = with_rates(pl.DataFrame({"n": [0, 1], "positive": [0, 1]}), threshold=0)
        assert out["suppressed"].to_list() == [True, False]

    def test_missing_count_column_is_named(self) -> None:
        with pytest.raises(ValueError, match="'positive'"):
            with_rates(pl.DataFrame({"n": [1]}), threshold=1)


ANSWERS = st.sampled_from(["agree", "strongly agree", "neutral", "disagree", "strongly disagree", "", None])
ROWS = st.lists(
    st.tuples(st.sampled_from(["a", "b", "c"]), st.sampled_from(["x", "y"]), ANSWERS, ANSWERS, ANSWERS),
    max_size=200,
)
BREAKDOWNS: list[tuple[str, ...]] = [("team",), ("ethnicity",), ("team", "ethnicity")]


def reference_groups(rows: list[tuple[Any, ...]]) -> dict[tuple[str, str], list[tuple[Any, ...]]]:
    """The rows of every observed group of every breakdown, by plain Python."""
    groups: dict[tuple[str, str], list[tuple[Any, ...]]] = {("overall", "all"): list(rows)}
    for r in rows:
        groups.setdefault(("team", r[0]), []).append(r)
        groups.setdefault(("ethnicity", r[1]), []).append(r)
        groups.setdefault(("team x ethnicity", f"{r[0]} / {r[1]}"), []).append(r)
    return groups


class TestAgainstFindings:
    @settings(max_examples=60, deadline=None)
    @given(rows=ROWS, threshold=st.integers(0, 12))
    def test_matches_finding_per_group(self, rows: list[tuple[Any, ...]], threshold: int) -> None:
        counts = breakdown_counts(frame(rows), QUESTIONS, BREAKDOWNS)
        raw_counts = counts_of(counts)
        rated = {
            (r["breakdown"], r["group"], r["question"]): r for r in with_rates(counts, threshold).iter_rows(named=True)
        }
        expected_keys = set()
        for (bd, group), members in reference_groups(rows).items():
            for i, q in enumerate(QUESTIONS):
                expected_keys.add((bd, group, q.id))
                answers = [m[2 + i] for m in members]
                raw = finding(q, answers, 0)
                ref = finding(q, answers, threshold)
                got = rated[(bd, group, q.id)]
                assert got["n"] == raw.responses == ref.responses
                assert raw_counts[(bd, group, q.id)] == (raw.responses, raw.positive)
                assert got["suppressed"] == ref.suppressed
                if ref.suppressed:
                    assert got["positive"] is None and got["pct_positive"] is None
                    assert got["ci_low"] is None and got["ci_high"] is None
                else:
                    assert got["positive"] == ref.positive
                    assert got["pct_positive"] == pytest.approx(ref.pct_positive, abs=1e-12)
                    assert got["ci_low"] == pytest.approx(ref.ci_low, abs=1e-12)
                    assert got["ci_high"] == pytest.approx(ref.ci_high, abs=1e-12)
        assert set(rated) == expected_keys
        assert counts.height == len(expected_keys)
