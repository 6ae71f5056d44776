"""Gaps over a findings frame: every question and group at once, against the scalar gap() and statsmodels."""

from __future__ import annotations

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from evaluation.breakdowns import with_rates
from evaluation.gaps import GAP_SCHEMA, Proportion, all_gaps, gap, group_gaps

proportion = pytest.importorskip("statsmodels.stats.proportion")

THRESHOLD = 11


def findings(
    cells: dict[tuple[str, str], tuple[int, int]], breakdown: str = "ethnicity", *, legacy: bool = False
) -> pl.DataFrame:
    """A findings frame from (group, question) -> (n, positive), suppressed below THRESHOLD like the pipeline:
    every group's ``respondents`` shown (here as many as answered), ``n`` null where suppressed. ``legacy``:
    as the pipeline wrote it before, no ``respondents`` and ``n`` shown on every row."""
    counts = pl.DataFrame(
        {
            "breakdown": [breakdown] * len(cells),
            "group": [g for g, _ in cells],
            "question": [q for _, q in cells],
            "n": [n for n, _ in cells.values()],
            "positive": [x for _, x in cells.values()],
        },
        schema={"breakdown": pl.String, "group": pl.String, "question": pl.String, "n": pl.Int64, "positive": pl.Int64},
    )
    rated = with_rates(counts, THRESHOLD)
    if legacy:
        return rated.with_columns(
            pl.when(pl.col("suppressed"))
            .then(pl.format("primary: n={} < {}", pl.col("n"), pl.lit(THRESHOLD)))
            .otherwise(None)
            .alias("reason")
        )
    return rated.select(
        "breakdown",
        "group",
        "question",
        pl.col("n").alias("respondents"),
        pl.when(pl.col("suppressed")).then(None).otherwise(pl.col("n")).alias("n"),
        pl.exclude("breakdown", "group", "question", "n"),
        pl.when(pl.col("suppressed"))
        .then(pl.format("primary: {} respondents < {}", pl.col("n"), pl.lit(THRESHOLD)))
        .otherwise(None)
        .alias("reason"),
    )


class TestGroupGaps:
    def test_hand_worked_wres_gap_and_statsmodels(self) -> None:
        f = findings({("BME", "Q8"): (1000, 81), ("White", "Q8"): (1000, 50)})
        (row,) = group_gaps(f, "ethnicity", "BME", "White").iter_rows(named=True)
        assert (row["pct_a"], row["pct_b"], row["difference"]) == pytest.approx((0.081, 0.05, 0.031))
        assert (row["diff_low"], row["diff_high"]) == pytest.approx((0.0093, 0.0530), abs=1e-4)
        low, high = proportion.confint_proportions_2indep(81, 1000, 50, 1000, method="newcomb", compare="diff")
        assert (row["diff_low"], row["diff_high"]) == pytest.approx((low, high), abs=1e-12)
        assert row["ratio"] == pytest.approx(1.62)
        low, high = proportion.confint_proportions_2indep(81, 1000, 50, 1000, method="log", compare="ratio")
        assert (row["ratio_low"], row["ratio_high"]) == pytest.approx((low, high), rel=1e-12)
        assert row["why"] is None and (row["n_a"], row["n_b"]) == (1000, 1000)

    def test_suppressed_group_gives_no_gap_and_says_why(self) -> None:
        f = findings({("Mixed", "Q1"): (7, 3), ("White", "Q1"): (200, 120)})
        (row,) = group_gaps(f, "ethnicity", "Mixed", "White").iter_rows(named=True)
        # n_a is the published n: none for a hidden group (its respondents are in the reason)
        assert (row["n_a"], row["n_b"]) == (None, 200) and row["pct_a"] is None and row["pct_b"] == pytest.approx(0.6)
        assert all(row[c] is None for c in ("difference", "diff_low", "diff_high", "ratio", "ratio_low", "ratio_high"))
        assert row["why"] == "Mixed is suppressed (primary: 7 respondents < 11)"
        (back,) = group_gaps(f, "ethnicity", "White", "Mixed").iter_rows(named=True)
        assert back["why"] == "Mixed is suppressed (primary: 7 respondents < 11)" and back["difference"] is None

    def test_an_older_frame_with_n_on_every_row(self) -> None:
        # no respondents column and n on hidden rows, as the pipeline wrote before: the same gaps and
        # reasons, and a hidden n is not passed on; an empty group still says it has no responses
        f = findings({("Mixed", "Q1"): (7, 3), ("White", "Q1"): (200, 120), ("Other", "Q1"): (0, 0)}, legacy=True)
        mixed, other = all_gaps(f, "ethnicity", "White").iter_rows(named=True)
        assert (mixed["n_a"], mixed["n_b"], mixed["difference"]) == (None, 200, None)
        assert mixed["why"] == "Mixed is suppressed (primary: n=7 < 11)"
        assert other["why"] == "Other has no responses" and other["n_a"] is None

    def test_a_suppressed_flag_hides_counts_whatever_the_frame_still_holds(self) -> None:
        # secondary suppression: n is above the threshold, the frame says suppressed (and may keep a count)
        f = pl.DataFrame(
            {
                "breakdown": ["team", "team"],
                "group": ["T1", "T2"],
                "question": ["Q1", "Q1"],
                "n": [40, 50],
                "positive": [20, 30],
                "suppressed": [True, False],
            }
        )
        (row,) = group_gaps(f, "team", "T1", "T2").iter_rows(named=True)
        assert row["pct_a"] is None and row["difference"] is None and row["why"] == "T1 is suppressed"
        assert (row["n_a"], row["n_b"]) == (None, 50)  # the frame's n of a hidden group is not repeated

    def test_ratio_not_computable(self) -> None:
        f = findings({("A", "Q1"): (20, 5), ("B", "Q1"): (30, 0), ("A", "Q2"): (20, 0), ("B", "Q2"): (30, 6)})
        q1, q2 = group_gaps(f, "ethnicity", "A", "B").iter_rows(named=True)
        assert q1["difference"] == pytest.approx(0.25) and q1["diff_low"] is not None
        assert (q1["ratio"], q1["ratio_low"]) == (None, None)
        assert q1["why"] == "B has no positive answers: the ratio divides by zero"
        assert (q2["ratio"], q2["ratio_low"], q2["ratio_high"]) == (0.0, None, None)
        assert q2["why"] is not None and q2["why"].startswith("A has no positive answers")

    def test_a_question_missing_for_one_group(self) -> None:
        f = findings({("A", "Q1"): (20, 5), ("B", "Q1"): (30, 6), ("A", "Q2"): (20, 5)})
        rows = group_gaps(f, "ethnicity", "A", "B").to_dicts()
        assert [r["question"] for r in rows] == ["Q1", "Q2"]
        assert rows[1]["why"] == "no row for B and this question" and rows[1]["difference"] is None

    def test_schema_and_order(self) -> None:
        f = findings({(g, q): (50, 20) for q in ("Q3", "Q1", "Q2") for g in ("X", "Y")})
        out = group_gaps(f, "ethnicity", "Y", "X")
        assert out.schema == GAP_SCHEMA
        assert out.get_column("question").to_list() == ["Q3", "Q1", "Q2"]

    @pytest.mark.parametrize(
        ("breakdown", "a", "b", "message"),
        [
            ("team", "A", "B", "no breakdown 'team'"),
            ("ethnicity", "A", "C", "no group 'C'"),
            ("ethnicity", "A", "A", "both 'A'"),
        ],
    )
    def test_bad_arguments(self, breakdown: str, a: str, b: str, message: str) -> None:
        f = findings({("A", "Q1"): (20, 5), ("B", "Q1"): (30, 6)})
        with pytest.raises(ValueError, match=message):
            group_gaps(f, breakdown, a, b)

    def test_missing_column(self) -> None:
        f = findings({("A", "Q1"): (20, 5), ("B", "Q1"): (30, 6)}).drop("suppressed")
        with pytest.raises(ValueError, match="suppressed"):
            group_gaps(f, "ethnicity", "A", "B")


# a handful of groups answering up to three questions, counts from empty to large, some below the threshold
group_cells = st.lists(
    st.integers(0, 400).flatmap(lambda n: st.tuples(st.just(n), st.integers(0, n))), min_size=1, max_size=3
)


class TestAllGaps:
    def test_every_group_against_the_reference(self) -> None:
        f = findings(
            {
                ("Asian", "Q1"): (120, 30),
                ("Black", "Q1"): (80, 30),
                ("Prefer not to say", "Q1"): (9, 4),
                ("White", "Q1"): (900, 300),
            }
        )
        out = all_gaps(f, "ethnicity", "White")
        assert out.get_column("group_a").to_list() == ["Asian", "Black", "Prefer not to say"]
        assert set(out.get_column("group_b").to_list()) == {"White"}
        asian = out.row(0, named=True)
        g = gap(Proportion(30, 120), Proportion(300, 900))
        assert asian["difference"] == pytest.approx(g.difference.value)
        assert asian["ratio"] == pytest.approx(g.ratio.value)
        assert out.row(2, named=True)["why"] == "Prefer not to say is suppressed (primary: 9 respondents < 11)"

    @settings(max_examples=60, deadline=None)
    @given(st.lists(group_cells, min_size=2, max_size=5))
    def test_matches_the_scalar_gap_row_by_row(self, groups: list[list[tuple[int, int]]]) -> None:
        cells = {(f"G{i}", f"Q{j}"): cell for i, qs in enumerate(groups) for j, cell in enumerate(qs)}
        out = all_gaps(findings(cells), "ethnicity", "G0")
        assert out.height == (len(groups) - 1) * max(len(qs) for qs in groups)
        for row in out.iter_rows(named=True):
            a, b = cells.get((row["group_a"], row["question"])), cells.get(("G0", row["question"]))
            if a is None or b is None:
                assert row["why"] is not None and row["why"].startswith("no row for")
                continue
            (na, xa), (nb, xb) = a, b
            if na < THRESHOLD or nb < THRESHOLD:  # suppressed (an empty group is too)
                assert row["difference"] is None and row["ratio"] is None and "suppressed" in row["why"]
                assert (row["pct_a"] is None) == (na < THRESHOLD) and (row["pct_b"] is None) == (nb < THRESHOLD)
                assert (row["n_a"], row["n_b"]) == (None if na < THRESHOLD else na, None if nb < THRESHOLD else nb)
                continue
            g = gap(Proportion(xa, na), Proportion(xb, nb))
            d, r = g.difference, g.ratio
            assert (row["difference"], row["diff_low"], row["diff_high"]) == pytest.approx(
                (d.value, d.ci_low, d.ci_high), abs=1e-12
            )
            for got, want in zip(
                (row["ratio"], row["ratio_low"], row["ratio_high"]), (r.value, r.ci_low, r.ci_high), strict=True
            ):
                assert got == (None if want is None else pytest.approx(want, rel=1e-12))
            assert (row["why"] is None) == (r.reason is None)
