"""WRES indicators: hand-worked figures, their formulas, and refusal of impossible counts."""

from __future__ import annotations

import dataclasses
import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from evaluation.findings import Z95
from evaluation.gaps import Proportion, newcombe_difference
from evaluation.wres import (
    BandCount,
    Disciplinary,
    Figure,
    Headcount,
    Shortlisting,
    SurveyCounts,
    Training,
    indicator_1,
    indicator_2,
    indicator_3,
    indicator_4,
    indicator_9,
    survey_indicator,
)


def katz(x1: int, n1: int, x2: int, n2: int) -> tuple[float, float]:
    """Katz's log interval for (x1/n1) / (x2/n2), written out independently of evaluation.gaps."""
    r = (x1 / n1) / (x2 / n2)
    se = math.sqrt(1 / x1 - 1 / n1 + 1 / x2 - 1 / n2)
    return r * math.exp(-Z95 * se), r * math.exp(Z95 * se)


class TestIndicator1:
    def test_share_of_each_band_and_the_workforce(self) -> None:
        rows = indicator_1([BandCount("Band 5", 900, 300), BandCount("Band 8a", 95, 5, unknown=10)])
        assert [r.band for r in rows] == ["Band 5", "Band 8a", "overall"]
        band5, band8a, overall = rows
        assert (band5.headcount, band5.white.value, band5.bme.value, band5.unknown.value) == (1200, 0.75, 0.25, 0.0)
        assert band5.bme.formula == "BME staff in Band 5 / headcount = 300/1200 = 25.0%"
        assert band8a.bme.value == pytest.approx(5 / 110)  # unknown ethnicity counts in the headcount
        assert overall.headcount == 1310
        assert overall.bme.formula == "BME staff in the workforce / headcount = 305/1310 = 23.3%"

    def test_an_empty_band_is_undefined_not_an_error(self) -> None:
        (vsm, _) = indicator_1([BandCount("VSM", 0, 0)])
        assert vsm.bme == Figure(
            "1", "BME staff in VSM", None, "BME staff in VSM / headcount = 0/0: undefined", reason="no staff counted"
        )

    @given(st.lists(st.tuples(st.integers(0, 500), st.integers(0, 500), st.integers(0, 50)), min_size=1, max_size=8))
    def test_shares_of_a_band_add_up_to_one(self, counts: list[tuple[int, int, int]]) -> None:
        for row in indicator_1(BandCount(f"b{i}", w, b, u) for i, (w, b, u) in enumerate(counts)):
            values = [row.white.value, row.bme.value, row.unknown.value]
            if row.headcount:
                assert sum(v for v in values if v is not None) == pytest.approx(1.0)
            else:
                assert values == [None, None, None]


class TestIndicator2:
    def test_hand_worked_relative_likelihood(self) -> None:
        f = indicator_2(Shortlisting(white_shortlisted=400, white_appointed=120, bme_shortlisted=200, bme_appointed=30))
        assert f.value == pytest.approx(2.0)  # 0.30 / 0.15
        assert f.formula == (
            "(white appointed / white shortlisted) / (BME appointed / BME shortlisted) = (120/400) / (30/200) = 2.00"
        )
        assert (f.ci_low, f.ci_high) == pytest.approx(katz(120, 400, 30, 200))
        assert f.reason is None and f.indicator == "2"

    def test_parity(self) -> None:
        assert indicator_2(Shortlisting(100, 25, 40, 10)).value == pytest.approx(1.0)

    def test_no_bme_appointments_is_undefined_with_a_reason(self) -> None:
        f = indicator_2(Shortlisting(400, 120, 200, 0))
        assert f.value is None and f.formula.endswith("= (120/400) / (0/200): undefined")
        assert f.reason == "BME appointed / BME shortlisted is 0, so the ratio divides by zero"

    def test_no_white_appointments_is_zero_without_an_interval(self) -> None:
        f = indicator_2(Shortlisting(400, 0, 200, 30))
        assert (f.value, f.ci_low, f.ci_high) == (0.0, None, None)
        assert f.reason is not None and f.reason.startswith("white appointed / white shortlisted is 0")

    def test_nobody_shortlisted(self) -> None:
        f = indicator_2(Shortlisting(0, 0, 200, 30))
        assert f.value is None and f.reason == "no staff counted in white appointed / white shortlisted"

    @pytest.mark.parametrize(
        ("counts", "field"),
        [
            ((400, 401, 200, 30), "white_appointed"),
            ((400, 120, 20, 30), "bme_appointed"),
            ((-1, 0, 1, 0), "white_shortlisted"),
        ],
    )
    def test_impossible_counts_name_the_field(self, counts: tuple[int, int, int, int], field: str) -> None:
        with pytest.raises(ValueError, match=field):
            Shortlisting(*counts)


class TestIndicator3:
    def test_hand_worked_relative_likelihood(self) -> None:
        f = indicator_3(Disciplinary(white_workforce=8000, white_entering=60, bme_workforce=2000, bme_entering=30))
        assert f.value == pytest.approx(2.0)  # 0.015 / 0.0075: BME staff twice as likely
        assert f.formula == (
            "(BME entering / BME workforce) / (white entering / white workforce) = (30/2000) / (60/8000) = 2.00"
        )
        assert (f.ci_low, f.ci_high) == pytest.approx(katz(30, 2000, 60, 8000))

    def test_entering_cannot_exceed_the_workforce(self) -> None:
        with pytest.raises(ValueError, match="bme_entering"):
            Disciplinary(8000, 60, 20, 30)


class TestIndicator4:
    def test_hand_worked_relative_likelihood(self) -> None:
        f = indicator_4(Training(white_workforce=8000, white_accessed=4000, bme_workforce=2000, bme_accessed=800))
        assert f.value == pytest.approx(1.25)  # 0.5 / 0.4
        assert f.formula == (
            "(white accessed / white workforce) / (BME accessed / BME workforce) = (4000/8000) / (800/2000) = 1.25"
        )
        assert (f.ci_low, f.ci_high) == pytest.approx(katz(4000, 8000, 800, 2000))

    @pytest.mark.parametrize("field", ["white_workforce", "white_accessed", "bme_workforce", "bme_accessed"])
    def test_negative_counts_name_the_field(self, field: str) -> None:
        counts = {"white_workforce": 10, "white_accessed": 5, "bme_workforce": 10, "bme_accessed": 5, field: -1}
        with pytest.raises(ValueError, match=f"{field} must not be negative"):
            Training(**counts)


class TestSurveyIndicator:
    def test_wres_discrimination_example_white_5_0_bme_8_1(self) -> None:
        s = survey_indicator(SurveyCounts(8, white_respondents=1000, white_yes=50, bme_respondents=1000, bme_yes=81))
        assert (s.white.value, s.bme.value) == (0.05, 0.081)
        assert s.white.formula == "white answering yes / white respondents = 50/1000 = 5.0%"
        assert s.bme.formula == "BME answering yes / BME respondents = 81/1000 = 8.1%"
        assert s.difference.value == pytest.approx(0.031)
        assert s.difference.formula == "BME rate - white rate = 81/1000 - 50/1000 = +3.1 percentage points"
        d = newcombe_difference(Proportion(81, 1000), Proportion(50, 1000))
        assert (s.difference.ci_low, s.difference.ci_high) == (d.ci_low, d.ci_high)
        assert s.ratio.value == pytest.approx(1.62)
        assert (s.ratio.ci_low, s.ratio.ci_high) == pytest.approx(katz(81, 1000, 50, 1000))
        assert s.higher_is_better is False

    def test_equal_opportunities_is_the_one_where_higher_is_better(self) -> None:
        flags = {i: survey_indicator(SurveyCounts(i, 100, 50, 100, 40)).higher_is_better for i in (5, 6, 7, 8)}
        assert flags == {5: False, 6: False, 7: True, 8: False}

    def test_a_small_group_is_suppressed_and_so_is_the_gap(self) -> None:
        s = survey_indicator(SurveyCounts(7, 1000, 500, 7, 3))
        assert s.white.value == 0.5
        assert (s.bme.value, s.difference.value, s.ratio.value) == (None, None, None)
        assert s.bme.reason == s.difference.reason == s.ratio.reason == "suppressed: n=7 < 11"
        assert "3" not in s.bme.formula  # the suppressed count is not leaked through the formula
        assert survey_indicator(SurveyCounts(7, 1000, 500, 7, 3), threshold=5).bme.value == pytest.approx(3 / 7)

    def test_no_white_yes_leaves_the_ratio_undefined_but_the_gap_defined(self) -> None:
        s = survey_indicator(SurveyCounts(5, 100, 0, 50, 5))
        assert s.difference.value == pytest.approx(0.1)
        assert s.ratio.value is None and s.ratio.reason is not None

    @pytest.mark.parametrize(
        ("kwargs", "match"),
        [
            ({"indicator": 4}, "indicator must be one of"),
            ({"bme_yes": 101}, "bme_yes"),
            ({"white_respondents": -1}, "white_respondents"),
        ],
    )
    def test_bad_input(self, kwargs: dict[str, int], match: str) -> None:
        counts = {"indicator": 5, "white_respondents": 100, "white_yes": 10, "bme_respondents": 100, "bme_yes": 10}
        with pytest.raises(ValueError, match=match):
            SurveyCounts(**(counts | kwargs))

    def test_threshold_must_be_positive(self) -> None:
        with pytest.raises(ValueError, match="threshold"):
            survey_indicator(SurveyCounts(5, 10, 1, 10, 1), threshold=0)


class TestIndicator9:
    def test_hand_worked_board_gap(self) -> None:
        gap = indicator_9(Headcount(white=10, bme=2), Headcount(white=8400, bme=1500, unknown=100))
        assert gap.bme.value == pytest.approx(2 / 12 - 0.15)
        assert gap.bme.formula == (
            "BME board members / board - BME staff / workforce = 2/12 - 1500/10000 = 16.7% - 15.0% "
            "= +1.7 percentage points"
        )
        assert gap.white.value == pytest.approx(10 / 12 - 0.84)
        assert gap.unknown.value == pytest.approx(-0.01)

    def test_an_empty_board_is_undefined(self) -> None:
        gap = indicator_9(Headcount(0, 0), Headcount(10, 5))
        assert gap.bme.value is None and gap.bme.reason == "empty board or workforce"


class TestValidation:
    @given(st.sampled_from([Shortlisting, Disciplinary, Training, Headcount]), st.data())
    def test_any_negative_count_is_refused_by_name(self, cls: type, data: st.DataObject) -> None:
        names = [f.name for f in dataclasses.fields(cls)]
        bad = data.draw(st.sampled_from(names))
        kwargs = {name: 1000 for name in names} | {bad: data.draw(st.integers(max_value=-1))}
        with pytest.raises(ValueError, match=f"^{bad} must not be negative"):
            cls(**kwargs)
