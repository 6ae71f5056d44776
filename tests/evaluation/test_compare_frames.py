"""Baseline against repeat over findings frames: comparability, per-group change, response rate change.

Each vectorised result is checked against the scalar ``two_proportion_change`` and against statsmodels.
"""

from __future__ import annotations

import math

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from evaluation.breakdowns import with_rates
from evaluation.compare import (
    CHANGE_SCHEMA,
    RATE_CHANGE_SCHEMA,
    changes,
    comparability,
    response_rate_changes,
    two_proportion_change,
)
from evaluation.findings import Question
from evaluation.normal_tail import two_sided_p

proportion = pytest.importorskip("statsmodels.stats.proportion")

AGREE = ("Strongly agree", "Agree", "Neither agree nor disagree", "Disagree", "Strongly disagree")
POSITIVE = frozenset({"Strongly agree", "Agree"})
THRESHOLD = 11


def q(
    qid: str, text: str = "I feel valued.", options: tuple[str, ...] = AGREE, positive: frozenset[str] = POSITIVE
) -> Question:
    return Question(qid, positive, options, section="s", text=text)


class TestComparability:
    def test_same_question_is_comparable(self) -> None:
        assert comparability([q("Q1"), q("Q2")], [q("Q2"), q("Q1")]) == (["Q2", "Q1"], [])

    def test_rewrapped_wording_is_the_same_wording(self) -> None:
        assert comparability([q("Q1", "I feel\n  valued. ")], [q("Q1", "I feel valued.")]) == (["Q1"], [])

    def test_every_reason_is_listed(self) -> None:
        baseline = [
            q("W"),
            q("S"),
            q("O"),
            q("P"),
            q("B"),
            q("G", "Old words"),
        ]
        repeat = [
            q("W", "I feel valued at work."),
            q("S", options=("Yes", "No"), positive=frozenset({"Yes"})),
            q("O", options=AGREE[::-1]),
            q("P", positive=frozenset({"Strongly agree"})),
            q("R"),
            q("G", "New words", options=("Yes", "No"), positive=frozenset({"Yes"})),
        ]
        comparable, not_comparable = comparability(baseline, repeat)
        assert comparable == []
        why = dict(not_comparable)
        assert [qid for qid, _ in not_comparable] == ["W", "S", "O", "P", "B", "G", "R"]
        assert why["W"] == "wording changed"
        assert why["S"].startswith("answer scale changed (Strongly agree / Agree / ")
        assert why["S"].endswith("-> Yes / No)")
        assert why["O"].startswith("answer scale reordered")
        assert why["P"] == "positive answers changed (Agree, Strongly agree -> Strongly agree)"
        assert why["B"] == "only in the baseline" and why["R"] == "only in the repeat"
        assert why["G"].startswith("wording changed; answer scale changed")

    @settings(max_examples=50, deadline=None)
    @given(
        st.lists(st.sampled_from(["Q1", "Q2", "Q3", "Q4", "Q5"]), unique=True, min_size=1),
        st.integers(0, 4),
        st.sampled_from(["text", "options", "positive", "dropped"]),
    )
    def test_only_the_changed_question_is_not_comparable(self, ids: list[str], pick: int, field: str) -> None:
        baseline = [q(qid, text=f"About {qid}") for qid in ids]
        assert comparability(baseline, baseline) == (ids, [])
        changed = ids[pick % len(ids)]
        edit = {
            "text": {"text": "Reworded"},
            "options": {"options": AGREE[:4]},
            "positive": {"positive": frozenset({"Agree"})},
        }
        repeat = [
            q(qid, **({"text": f"About {qid}"} | edit.get(field, {}) if qid == changed else {"text": f"About {qid}"}))
            for qid in ids
            if not (field == "dropped" and qid == changed)
        ]
        comparable, not_comparable = comparability(baseline, repeat)
        assert comparable == [qid for qid in ids if qid != changed]
        assert [qid for qid, _ in not_comparable] == [changed]

    def test_a_repeated_id_is_refused(self) -> None:
        with pytest.raises(ValueError, match="repeat survey lists question 'Q1' twice"):
            comparability([q("Q1")], [q("Q1"), q("Q1")])


class TestTwoSidedP:
    def test_against_math_erfc_over_the_whole_range(self) -> None:
        zs = [i / 200 for i in range(0, 200 * 38)] + [1e-9, 50.0, 1e6]
        got = two_sided_p(pl.Series(zs)).to_list()
        for z, p in zip(zs, got, strict=True):
            want = math.erfc(z / math.sqrt(2))
            assert p == pytest.approx(want, rel=1e-12, abs=1e-300), z

    def test_symmetric_and_null_preserving(self) -> None:
        got = two_sided_p(pl.Series("z", [-1.96, None, 1.96, 0.0])).to_list()
        assert got[0] == got[2] == pytest.approx(0.05, abs=1e-4) and got[1] is None and got[3] == 1.0
        assert two_sided_p(pl.Series("z", [], dtype=pl.Float64)).to_list() == []


def frame(cells: list[tuple[str, str, str, int, int]], *, legacy: bool = False) -> pl.DataFrame:
    """A findings frame (suppressed below THRESHOLD) from (breakdown, group, question, n, positive) rows, as
    the analysis publishes it: ``respondents`` always (here as many as answered), ``n`` null where hidden.
    ``legacy``: as it was published before, ``n`` on every row and no ``respondents``."""
    counts = pl.DataFrame(cells, schema=["breakdown", "group", "question", "n", "positive"], orient="row").cast(
        {"n": pl.Int64, "positive": pl.Int64}
    )
    rated = with_rates(counts, THRESHOLD)
    if legacy:
        return rated
    return rated.with_columns(
        respondents=pl.col("n"), n=pl.when(pl.col("suppressed")).then(None).otherwise(pl.col("n"))
    )


class TestChanges:
    def test_hand_worked_change_and_statsmodels(self) -> None:
        b = frame([("overall", "all", "Q1", 100, 50)])
        r = frame([("overall", "all", "Q1", 100, 65)])
        (row,) = changes(b, r, ["Q1"]).iter_rows(named=True)
        assert (row["baseline_pct"], row["repeat_pct"], row["difference"]) == pytest.approx((0.5, 0.65, 0.15))
        assert (row["z"], row["p_value"]) == pytest.approx((2.1456, 0.0319), abs=1e-4)
        z, p = proportion.proportions_ztest([65, 50], [100, 100])
        assert (row["z"], row["p_value"]) == pytest.approx((z, p), rel=1e-12)
        low, high = proportion.confint_proportions_2indep(65, 100, 50, 100, method="wald", compare="diff")
        assert (row["ci_low"], row["ci_high"]) == pytest.approx((low, high), abs=1e-12)
        assert row["significant"] is True and row["suppressed"] is False and row["why"] is None

    @pytest.mark.parametrize("legacy", [False, True], ids=["n-null-where-hidden", "n-on-every-row"])
    def test_suppressed_either_side_keeps_only_the_flag_and_the_published_counts(self, legacy: bool) -> None:
        b = frame([("team", "T1", "Q1", 8, 4), ("team", "T2", "Q1", 40, 20), ("team", "T3", "Q1", 5, 1)], legacy=legacy)
        r = frame([("team", "T1", "Q1", 30, 20), ("team", "T2", "Q1", 9, 2), ("team", "T3", "Q1", 6, 6)], legacy=legacy)
        out = changes(b, r, ["Q1"])
        assert out.get_column("why").to_list() == [
            "suppressed in the baseline",
            "suppressed in the repeat",
            "suppressed in both surveys",
        ]
        assert out.get_column("suppressed").to_list() == [True, True, True]
        values = [c for c in CHANGE_SCHEMA if c not in ("breakdown", "group", "question", "baseline_n", "repeat_n")]
        assert out.select(pl.col(values).exclude("suppressed", "why").is_null().all()).row(0) == (True,) * (
            len(values) - 2
        )
        # each side's n as its frame publishes it: none for a hidden group (an older frame gave it)
        published = [(8, 30), (40, 9), (5, 6)] if legacy else [(None, 30), (40, None), (None, None)]
        assert out.select("baseline_n", "repeat_n").rows() == published

    def test_only_comparable_questions_and_one_sided_groups(self) -> None:
        b = frame([("team", "T1", "Q1", 40, 20), ("team", "T1", "Q2", 40, 20), ("team", "T9", "Q1", 30, 10)])
        r = frame([("team", "T2", "Q1", 50, 25), ("team", "T1", "Q1", 45, 30), ("team", "T1", "Q2", 45, 30)])
        out = changes(b, r, ["Q1"])
        assert out.schema == CHANGE_SCHEMA
        assert out.select("group", "question", "why").rows() == [
            ("T2", "Q1", "only in the repeat"),
            ("T1", "Q1", None),
            ("T9", "Q1", "only in the baseline"),
        ]
        assert out.row(2, named=True)["baseline_n"] == 30 and out.row(2, named=True)["suppressed"] is False

    def test_a_hidden_group_in_one_survey_only_is_one_sided_not_suppressed(self) -> None:
        # presence is read from the rows: a hidden group's null n does not make it look absent
        b = frame([("team", "T1", "Q1", 40, 20), ("team", "T9", "Q1", 4, 1)])
        r = frame([("team", "T1", "Q1", 45, 30), ("team", "T8", "Q1", 3, 3)])
        out = changes(b, r, ["Q1"])
        assert out.select("group", "baseline_n", "repeat_n", "suppressed", "why").rows() == [
            ("T1", 40, 45, False, None),
            ("T8", None, None, False, "only in the repeat"),
            ("T9", None, None, False, "only in the baseline"),
        ]

    def test_no_variance_means_no_change(self) -> None:
        b = frame([("overall", "all", "Q1", 20, 20)])
        r = frame([("overall", "all", "Q1", 30, 30)])
        (row,) = changes(b, r, ["Q1"]).iter_rows(named=True)
        assert (row["difference"], row["z"], row["p_value"], row["significant"]) == (0.0, 0.0, 1.0, False)

    @pytest.mark.parametrize("also_in_the_other", [True, False])
    def test_a_repeated_row_is_refused(self, also_in_the_other: bool) -> None:
        twice = frame([("overall", "all", "Q1", 20, 10), ("team", "T1", "Q1", 20, 10), ("team", "T1", "Q1", 20, 10)])
        other = frame([("overall", "all", "Q1", 20, 10)] + [("team", "T1", "Q1", 30, 10)] * also_in_the_other)
        where = r"more than one row for breakdown='team', group='T1', question='Q1' \(rows 2, 3\)"
        with pytest.raises(ValueError, match=f"the baseline frame has {where}"):
            changes(twice, other, ["Q1"])
        with pytest.raises(ValueError, match=f"the repeat frame has {where}"):
            changes(other, twice, ["Q1"])
        with pytest.raises(ValueError, match=f"the (baseline|repeat) frame has {where}"):
            changes(twice, twice, ["Q1"])

    def test_missing_column(self) -> None:
        b = frame([("overall", "all", "Q1", 20, 10)])
        with pytest.raises(ValueError, match="repeat frame has no column"):
            changes(b, b.drop("suppressed"), ["Q1"])

    @settings(max_examples=40, deadline=None)
    @given(
        st.lists(
            st.tuples(st.integers(0, 300), st.integers(0, 300)).flatmap(
                lambda ns: st.tuples(st.just(ns[0]), st.integers(0, ns[0]), st.just(ns[1]), st.integers(0, ns[1]))
            ),
            min_size=1,
            max_size=12,
        )
    )
    def test_matches_the_scalar_test_row_by_row(self, cells: list[tuple[int, int, int, int]]) -> None:
        b = frame([("team", f"T{i}", "Q1", n1, x1) for i, (n1, x1, _, _) in enumerate(cells)])
        r = frame([("team", f"T{i}", "Q1", n2, x2) for i, (_, _, n2, x2) in enumerate(cells)])
        out = changes(b, r, ["Q1"])
        assert out.get_column("group").to_list() == [f"T{i}" for i in range(len(cells))]
        for (n1, x1, n2, x2), row in zip(cells, out.iter_rows(named=True), strict=True):
            if n1 < THRESHOLD or n2 < THRESHOLD:
                assert row["suppressed"] is True and row["z"] is None and row["baseline_positive"] is None
                assert row["baseline_n"] == (None if n1 < THRESHOLD else n1)
                assert row["repeat_n"] == (None if n2 < THRESHOLD else n2)
                continue
            c = two_proportion_change(x1, n1, x2, n2)
            assert (row["difference"], row["ci_low"], row["ci_high"], row["z"]) == pytest.approx(
                (c.difference, c.ci_low, c.ci_high, c.z), rel=1e-12, abs=1e-15
            )
            assert row["p_value"] == pytest.approx(c.p_value, rel=1e-12, abs=1e-300)
            assert row["significant"] == c.significant


def rates(rows: list[tuple[str, str, int, int]]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=["breakdown", "group", "responses", "eligible"], orient="row")


class TestResponseRateChanges:
    def test_change_in_rate_matches_scalar_and_statsmodels(self) -> None:
        b = rates([("overall", "all", 600, 1000), ("team", "T1", 12, 20), ("team", "T2", 0, 0)])
        r = rates([("overall", "all", 700, 1100), ("team", "T1", 18, 20), ("team", "T2", 3, 4)])
        out = response_rate_changes(b, r)
        assert out.schema == RATE_CHANGE_SCHEMA
        overall, t1, t2 = out.iter_rows(named=True)
        c = two_proportion_change(600, 1000, 700, 1100)
        assert (overall["baseline_rate"], overall["repeat_rate"]) == pytest.approx((0.6, 700 / 1100))
        assert (overall["difference"], overall["z"], overall["p_value"]) == pytest.approx(
            (c.difference, c.z, c.p_value), rel=1e-12
        )
        z, p = proportion.proportions_ztest([18, 12], [20, 20])
        assert (t1["z"], t1["p_value"]) == pytest.approx((z, p), rel=1e-12)
        assert t2["why"] == "nobody eligible in the baseline" and t2["baseline_rate"] is None
        assert t2["repeat_rate"] == 0.75 and t2["z"] is None

    @pytest.mark.parametrize(
        ("row", "message"),
        [
            (("team", "T1", 21, 20), r"baseline frame, row 2 \(team / T1\): responses \(21\) exceed eligible \(20\)"),
            (("team", "T1", -1, 20), r"row 2 \(team / T1\): counts must not be negative"),
            (("team", "T1", None, 20), r"row 2 \(team / T1\): responses and eligible must both be given"),
        ],
    )
    def test_impossible_counts_name_the_row(self, row: tuple[str, str, int | None, int], message: str) -> None:
        b = rates([("overall", "all", 60, 100), row])  # type: ignore[list-item]
        with pytest.raises(ValueError, match=message):
            response_rate_changes(b, rates([("overall", "all", 60, 100)]))

    def test_counts_must_be_whole_numbers(self) -> None:
        b = rates([("overall", "all", 60, 100)]).with_columns(pl.col("responses").cast(pl.Float64))
        with pytest.raises(ValueError, match="'responses' column must hold whole numbers"):
            response_rate_changes(b, rates([("overall", "all", 60, 100)]))
