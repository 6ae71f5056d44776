"""WRES indicators 5-8 from a findings frame by ethnicity: the BME rule, the yes side, suppression, formulas."""

from __future__ import annotations

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from evaluation.breakdowns import with_rates
from evaluation.findings import Question
from evaluation.wres import SurveyCounts, survey_indicator
from evaluation.wres_survey import survey_indicators_by_ethnicity

AGREE = ("Strongly agree", "Agree", "Neither agree nor disagree", "Disagree", "Strongly disagree")
YES_NO = ("Yes", "No")
THRESHOLD = 11


def findings(cells: list[tuple[str, str, int, int, list[int] | None]], *, legacy: bool = False) -> pl.DataFrame:
    """(group, question, n, positive, distribution) by ethnicity, suppressed below THRESHOLD like the pipeline:
    ``respondents`` on every row (here as many as answered), ``n`` null where suppressed. ``legacy``: as the
    pipeline wrote it before, ``n`` on every row and no ``respondents``."""
    frame = pl.DataFrame(
        {
            "breakdown": ["ethnicity"] * len(cells),
            "group": [c[0] for c in cells],
            "question": [c[1] for c in cells],
            "n": [c[2] for c in cells],
            "positive": [c[3] for c in cells],
            "distribution": [c[4] for c in cells],
        },
        schema_overrides={"n": pl.Int64, "positive": pl.Int64, "distribution": pl.List(pl.Int64)},
    )
    rated = with_rates(frame, THRESHOLD)
    hidden = pl.col("suppressed")
    if legacy:
        return rated.with_columns(
            pl.when(hidden).then(pl.format("primary: n={} < 11", pl.col("n"))).alias("reason"),
            pl.when(hidden).then(None).otherwise(pl.col("distribution")).alias("distribution"),
        )
    return rated.with_columns(
        pl.col("n").alias("respondents"),
        pl.when(hidden).then(None).otherwise(pl.col("n")).alias("n"),
        pl.when(hidden).then(pl.format("primary: {} respondents < 11", pl.col("n"))).alias("reason"),
        pl.when(hidden).then(None).otherwise(pl.col("distribution")).alias("distribution"),
    )


def yes_no(qid: str, positive: str = "Yes") -> Question:
    return Question(qid, frozenset({positive}), YES_NO)


def same_figures(got: object, want: object) -> None:
    """Two SurveyIndicators agree in every value and interval (formulas may differ in their notes)."""
    for name in ("white", "bme", "difference", "ratio"):
        a, b = getattr(got, name), getattr(want, name)
        for field in ("value", "ci_low", "ci_high"):
            x, y = getattr(a, field), getattr(b, field)
            assert x == (None if y is None else pytest.approx(y, rel=1e-12)), (name, field)


class TestByEthnicity:
    def test_hand_worked_discrimination_gap(self) -> None:
        f = findings(
            [
                ("White", "D1", 1000, 50, [50, 950]),
                ("Asian", "D1", 600, 50, [50, 550]),
                ("Black", "D1", 400, 31, [31, 369]),
                ("Prefer not to say", "D1", 80, 20, [20, 60]),
                ("(missing)", "D1", 30, 9, [9, 21]),
            ]
        )
        (ind,) = survey_indicators_by_ethnicity(f, {8: yes_no("D1")})
        assert ind.indicator == 8 and not ind.higher_is_better
        # BME = Asian + Black = 81/1000; not stated and missing count in neither group
        same_figures(ind, survey_indicator(SurveyCounts(8, 1000, 50, 1000, 81)))
        assert ind.bme.formula == "BME answering Yes / BME respondents = 81/1000 = 8.1% (BME: Asian, Black)"
        assert ind.white.formula == "white answering Yes / white respondents = 50/1000 = 5.0%"
        assert ind.difference.formula == "BME rate - white rate = 81/1000 - 50/1000 = +3.1 percentage points"
        assert (ind.difference.ci_low, ind.difference.ci_high) == pytest.approx((0.0093, 0.0530), abs=1e-4)
        assert ind.ratio.value == pytest.approx(1.62) and ind.ratio.reason is None

    def test_against_statsmodels(self) -> None:
        proportion = pytest.importorskip("statsmodels.stats.proportion")
        f = findings([("White", "H", 900, 120, None), ("Asian", "H", 150, 30, None), ("Mixed", "H", 60, 14, None)])
        (ind,) = survey_indicators_by_ethnicity(f, {6: yes_no("H")})
        low, high = proportion.confint_proportions_2indep(44, 210, 120, 900, method="newcomb", compare="diff")
        assert (ind.difference.ci_low, ind.difference.ci_high) == pytest.approx((low, high), abs=1e-12)
        low, high = proportion.confint_proportions_2indep(44, 210, 120, 900, method="log", compare="ratio")
        assert (ind.ratio.ci_low, ind.ratio.ci_high) == pytest.approx((low, high), rel=1e-12)

    def test_harassment_scored_no_as_positive_still_reports_the_share_answering_yes(self) -> None:
        # the heatmap counts "No" (not harassed) as positive; WRES reports those harassed
        f = findings([("White", "H1", 200, 180, [20, 180]), ("Black", "H1", 100, 70, [30, 70])])
        (ind,) = survey_indicators_by_ethnicity(f, {5: yes_no("H1", positive="No")})
        assert (ind.white.value, ind.bme.value) == pytest.approx((0.10, 0.30))
        assert ind.bme.formula.startswith("BME answering Yes / BME respondents = 30/100")

    def test_agreement_counts_strongly_agree_and_agree_whatever_the_positive_set(self) -> None:
        dist_w, dist_b = [100, 300, 200, 250, 150], [20, 30, 50, 60, 40]
        cells = [("White", "EO", 1000, 400, dist_w), ("Asian", "EO", 200, 100, dist_b)]
        negative = Question("EO", frozenset({"Disagree", "Strongly disagree"}), AGREE)
        complement = Question("EO", frozenset(AGREE[2:]), AGREE)
        standard = Question("EO", frozenset(AGREE[:2]), AGREE)
        for q, positives in ((negative, (400, 100)), (complement, (600, 150)), (standard, (400, 50))):
            f = findings([(g, qid, n, p, d) for (g, qid, n, _, d), p in zip(cells, positives, strict=True)])
            (ind,) = survey_indicators_by_ethnicity(f, {7: q})
            assert (ind.white.value, ind.bme.value) == pytest.approx((0.4, 0.25)), q
            assert ind.white.formula.startswith("white answering Strongly agree or Agree / white respondents")
            assert ind.higher_is_better

    @pytest.mark.parametrize("legacy", [False, True], ids=["n-null-where-hidden", "n-on-every-row"])
    def test_a_suppressed_bme_group_suppresses_the_bme_total_and_the_gap(self, legacy: bool) -> None:
        cells = [("White", "Q", 500, 50, None), ("Asian", "Q", 300, 30, None), ("Mixed", "Q", 7, 3, None)]
        f = findings(cells, legacy=legacy)
        (ind,) = survey_indicators_by_ethnicity(f, {8: yes_no("Q")})
        assert ind.white.value == pytest.approx(0.1)
        # the hidden group has respondents (its n is null): it matters, so the BME total is not shown
        reason = "primary: n=7 < 11" if legacy else "primary: 7 respondents < 11"
        why = f"suppressed: Mixed ({reason}) is suppressed, and a BME total would reveal it by subtraction"
        assert ind.bme.value is None and ind.bme.reason == why
        assert ind.difference.value is None and ind.difference.reason == why and ind.ratio.value is None
        assert "30" not in ind.bme.formula and "307" not in ind.bme.formula  # no total leaks through the formula

    def test_a_suppressed_white_group(self) -> None:
        f = findings([("White", "Q", 9, 2, None), ("Asian", "Q", 300, 30, None)])
        (ind,) = survey_indicators_by_ethnicity(f, {8: yes_no("Q")})
        assert ind.white.value is None and ind.white.reason == "suppressed: White (primary: 9 respondents < 11)"
        assert ind.bme.value == pytest.approx(0.1) and ind.difference.value is None

    def test_secondary_suppression_is_honoured(self) -> None:
        f = findings([("White", "Q", 500, 50, None), ("Asian", "Q", 300, 30, None), ("Black", "Q", 40, 4, None)])
        black = pl.col("group") == "Black"
        f = f.with_columns(
            suppressed=black,
            n=pl.when(black).then(None).otherwise(pl.col("n")),
            positive=pl.when(black).then(None).otherwise(pl.col("positive")),
            reason=pl.when(black).then(pl.lit("secondary: protects ethnicity=Mixed")),
        )
        (ind,) = survey_indicators_by_ethnicity(f, {8: yes_no("Q")})
        assert ind.bme.value is None and ind.bme.reason is not None
        assert ind.bme.reason.startswith("suppressed: Black (secondary: protects ethnicity=Mixed) is suppressed")

    @pytest.mark.parametrize("legacy", [False, True], ids=["n-null-where-hidden", "n-on-every-row"])
    def test_an_empty_group_is_no_reason_to_suppress(self, legacy: bool) -> None:
        cells = [("White", "Q", 500, 50, None), ("Asian", "Q", 300, 30, None), ("Mixed", "Q", 0, 0, None)]
        (ind,) = survey_indicators_by_ethnicity(findings(cells, legacy=legacy), {8: yes_no("Q")})
        assert ind.bme.value == pytest.approx(0.1) and ind.bme.formula.endswith("(BME: Asian)")

    def test_several_white_labels_and_custom_not_stated(self) -> None:
        f = findings(
            [
                ("White British", "Q", 400, 40, None),
                ("White Irish", "Q", 100, 20, None),
                ("Asian", "Q", 300, 30, None),
                ("Declined", "Q", 50, 45, None),
            ]
        )
        (ind,) = survey_indicators_by_ethnicity(
            f, {8: yes_no("Q")}, ("White British", "White Irish"), not_stated=("Declined",)
        )
        assert (ind.white.value, ind.bme.value) == pytest.approx((0.12, 0.1))
        assert ind.white.formula.endswith("(white: White British, White Irish)")

    def test_no_bme_respondents_leaves_the_gap_undefined(self) -> None:
        (ind,) = survey_indicators_by_ethnicity(findings([("White", "Q", 500, 50, None)]), {8: yes_no("Q")})
        assert ind.bme.value is None and ind.bme.reason == "no BME respondents"
        assert ind.difference.formula == "BME rate - white rate = undefined"

    def test_indicators_in_order_and_none_asked(self) -> None:
        f = findings([(g, q, 100, 10, None) for g in ("White", "Asian") for q in ("A", "B", "C")])
        got = survey_indicators_by_ethnicity(f, {8: yes_no("A"), 5: yes_no("B"), 6: yes_no("C")})
        assert [i.indicator for i in got] == [5, 6, 8]
        assert survey_indicators_by_ethnicity(f, {}) == []

    @pytest.mark.parametrize(
        ("questions", "breakdown", "message"),
        [
            ({4: yes_no("Q")}, "ethnicity", "indicator must be one of 5, 6, 7, 8"),
            ({8: yes_no("Q")}, "team", "no 'team' breakdown"),
            ({8: Question("Q", frozenset({"Often"}), ("Never", "Often"))}, "ethnicity", "needs a yes or agree answer"),
            ({8: Question("Q", frozenset({"Yes"}))}, "ethnicity", "needs a yes or agree answer"),
        ],
    )
    def test_refusals(self, questions: dict[int, Question], breakdown: str, message: str) -> None:
        f = findings([("White", "Q", 100, 10, None)])
        with pytest.raises(ValueError, match=message):
            survey_indicators_by_ethnicity(f, questions, breakdown=breakdown)

    def test_a_positive_set_that_needs_the_distribution(self) -> None:
        q = Question("Q", frozenset({"Disagree"}), AGREE)
        f = findings([("White", "Q", 100, 10, [1, 2, 3, 10, 84])])
        with pytest.raises(ValueError, match="needs the findings' distribution column"):
            survey_indicators_by_ethnicity(f.drop("distribution"), {7: q})

    @settings(max_examples=40, deadline=None)
    @given(
        st.lists(
            st.integers(11, 500).flatmap(lambda n: st.tuples(st.just(n), st.integers(0, n))), min_size=2, max_size=6
        )
    )
    def test_equals_the_scalar_indicator_on_the_summed_counts(self, groups: list[tuple[int, int]]) -> None:
        names = ["White"] + [f"E{i}" for i in range(1, len(groups))]
        f = findings([(g, "Q", n, x, None) for g, (n, x) in zip(names, groups, strict=True)])
        (ind,) = survey_indicators_by_ethnicity(f, {6: yes_no("Q")})
        bme_n, bme_x = sum(n for n, _ in groups[1:]), sum(x for _, x in groups[1:])
        same_figures(ind, survey_indicator(SurveyCounts(6, groups[0][0], groups[0][1], bme_n, bme_x)))
