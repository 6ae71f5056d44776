"""Gaps between groups: Newcombe's difference interval and the Katz ratio interval."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from evaluation.findings import Z95
from evaluation.gaps import KATZ, Difference, Proportion, Ratio, gap, newcombe_difference, rate_ratio

groups = st.integers(1, 3000).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n)))


def wilson_by_quadratic(x: int, n: int) -> tuple[float, float]:
    """Wilson's bounds as the roots of (p_hat - p)^2 = z^2 p (1 - p) / n."""
    p_hat, k = x / n, Z95 * Z95 / n
    a, b, c = 1 + k, -(2 * p_hat + k), p_hat * p_hat
    root = math.sqrt(b * b - 4 * a * c)
    return (-b - root) / (2 * a), (-b + root) / (2 * a)


class TestProportion:
    def test_rate(self) -> None:
        assert Proportion(3, 12).rate == 0.25
        assert Proportion(0, 0).rate is None

    @pytest.mark.parametrize(("positive", "n"), [(-1, 5), (6, 5), (0, -1)])
    def test_bad_counts(self, positive: int, n: int) -> None:
        with pytest.raises(ValueError):
            Proportion(positive, n)


class TestNewcombeDifference:
    @pytest.mark.parametrize(
        ("a", "b", "low", "high"),
        [  # Newcombe (1998), Statistics in Medicine 17:873-890, table II, method 10
            ((56, 70), (48, 80), 0.0524, 0.3339),
            ((9, 10), (3, 10), 0.1705, 0.8090),
            ((6, 7), (2, 7), 0.0582, 0.8062),
            ((5, 56), (0, 29), -0.0381, 0.1926),
            ((0, 10), (0, 20), -0.1611, 0.2775),
            ((0, 10), (0, 10), -0.2775, 0.2775),
            ((10, 10), (0, 20), 0.6791, 1.0000),
            ((10, 10), (0, 10), 0.6075, 1.0000),
        ],
    )
    def test_newcombes_published_examples(
        self, a: tuple[int, int], b: tuple[int, int], low: float, high: float
    ) -> None:
        d = newcombe_difference(Proportion(*a), Proportion(*b))
        assert (d.ci_low, d.ci_high) == pytest.approx((low, high), abs=5e-5)
        assert d.value == pytest.approx(a[0] / a[1] - b[0] / b[1])

    def test_hand_worked_wres_discrimination_gap(self) -> None:
        # BME 8.1% (81/1000) against white 5.0% (50/1000): d = 0.031
        la, ua = wilson_by_quadratic(81, 1000)
        lb, ub = wilson_by_quadratic(50, 1000)
        low = 0.031 - math.sqrt((0.081 - la) ** 2 + (ub - 0.05) ** 2)
        high = 0.031 + math.sqrt((ua - 0.081) ** 2 + (0.05 - lb) ** 2)
        d = newcombe_difference(Proportion(81, 1000), Proportion(50, 1000))
        assert (d.value, d.ci_low, d.ci_high) == pytest.approx((0.031, low, high), abs=1e-12)
        assert (d.ci_low, d.ci_high) == pytest.approx((0.0093, 0.0530), abs=1e-4)
        assert d.reason is None and "Newcombe" in d.method

    @pytest.mark.parametrize(("a", "b", "which"), [((0, 0), (3, 10), "a"), ((3, 10), (0, 0), "b")])
    def test_an_empty_group_gives_no_difference(self, a: tuple[int, int], b: tuple[int, int], which: str) -> None:
        d = newcombe_difference(Proportion(*a), Proportion(*b))
        assert (d.value, d.ci_low, d.ci_high) == (None, None, None)
        assert d.reason == f"group {which} has no responses"

    @given(groups, groups)
    def test_antisymmetric_bounded_and_contains_the_estimate(self, a: tuple[int, int], b: tuple[int, int]) -> None:
        forward = newcombe_difference(Proportion(*a), Proportion(*b))
        backward = newcombe_difference(Proportion(*b), Proportion(*a))
        assert forward.value is not None and forward.ci_low is not None and forward.ci_high is not None
        assert backward.ci_low is not None and backward.ci_high is not None
        assert (forward.ci_low, forward.ci_high) == pytest.approx((-backward.ci_high, -backward.ci_low), abs=1e-12)
        assert -1.0 <= forward.ci_low <= forward.value <= forward.ci_high <= 1.0

    @settings(max_examples=60, deadline=None)
    @given(groups, groups)
    def test_matches_statsmodels(self, a: tuple[int, int], b: tuple[int, int]) -> None:
        proportion = pytest.importorskip("statsmodels.stats.proportion")
        low, high = proportion.confint_proportions_2indep(*a, *b, method="newcomb", compare="diff")
        d = newcombe_difference(Proportion(*a), Proportion(*b))
        assert (d.ci_low, d.ci_high) == pytest.approx((low, high), abs=1e-9)


class TestRateRatio:
    def test_hand_worked_katz_interval(self) -> None:
        r = rate_ratio(Proportion(81, 1000), Proportion(50, 1000))
        se = math.sqrt(1 / 81 - 1 / 1000 + 1 / 50 - 1 / 1000)
        assert r.value == pytest.approx(1.62)
        assert (r.ci_low, r.ci_high) == pytest.approx((1.62 * math.exp(-Z95 * se), 1.62 * math.exp(Z95 * se)))
        assert (r.ci_low, r.ci_high) == pytest.approx((1.1514, 2.2793), abs=1e-4)
        assert r.reason is None

    def test_parity_is_one(self) -> None:
        r = rate_ratio(Proportion(30, 100), Proportion(60, 200))
        assert r.value == pytest.approx(1.0)
        assert r.ci_low is not None and r.ci_high is not None and r.ci_low < 1.0 < r.ci_high

    def test_no_positives_in_the_denominator_group(self) -> None:
        r = rate_ratio(Proportion(3, 10), Proportion(0, 10))
        assert r == Ratio(None, None, None, KATZ, "group b has no positives: the ratio divides by zero")

    def test_no_positives_in_the_numerator_group_gives_zero_without_an_interval(self) -> None:
        r = rate_ratio(Proportion(0, 10), Proportion(3, 10))
        assert (r.value, r.ci_low, r.ci_high) == (0.0, None, None)
        assert r.reason is not None and "no positives" in r.reason

    def test_all_positive_in_both_groups_has_a_zero_width_interval(self) -> None:
        r = rate_ratio(Proportion(10, 10), Proportion(20, 20))
        assert (r.value, r.ci_low, r.ci_high) == pytest.approx((1.0, 1.0, 1.0))

    @pytest.mark.parametrize(("a", "b"), [((0, 0), (3, 10)), ((3, 10), (0, 0))])
    def test_an_empty_group_gives_no_ratio(self, a: tuple[int, int], b: tuple[int, int]) -> None:
        r = rate_ratio(Proportion(*a), Proportion(*b))
        assert r.value is None and r.reason is not None and "no responses" in r.reason

    @given(groups, groups)
    def test_reciprocal_when_swapped(self, a: tuple[int, int], b: tuple[int, int]) -> None:
        forward, backward = rate_ratio(Proportion(*a), Proportion(*b)), rate_ratio(Proportion(*b), Proportion(*a))
        if a[0] and b[0]:
            assert forward.value is not None and backward.value is not None
            assert forward.value * backward.value == pytest.approx(1.0)
            assert forward.ci_low is not None and forward.ci_high is not None and backward.ci_high is not None
            assert forward.ci_low == pytest.approx(1 / backward.ci_high)
            assert forward.ci_low <= forward.value <= forward.ci_high

    @settings(max_examples=60, deadline=None)
    @given(groups, groups)
    def test_matches_statsmodels_log_method(self, a: tuple[int, int], b: tuple[int, int]) -> None:
        proportion = pytest.importorskip("statsmodels.stats.proportion")
        r = rate_ratio(Proportion(*a), Proportion(*b))
        if not (a[0] and b[0]):
            assert r.ci_low is None and r.reason is not None
            return
        low, high = proportion.confint_proportions_2indep(*a, *b, method="log", compare="ratio")
        assert (r.ci_low, r.ci_high) == pytest.approx((low, high), rel=1e-9)


class TestGap:
    def test_bundles_difference_and_ratio(self) -> None:
        a, b = Proportion(81, 1000), Proportion(50, 1000)
        g = gap(a, b)
        assert (g.a, g.b) == (a, b)
        assert g.difference == newcombe_difference(a, b)
        assert g.ratio == rate_ratio(a, b)
        assert isinstance(g.difference, Difference)
