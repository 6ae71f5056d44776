"""Baseline against repeat: the two-proportion z-test."""

from __future__ import annotations

import math
from statistics import NormalDist

import pytest
from hypothesis import given
from hypothesis import strategies as st

from evaluation.compare import Change, two_proportion_change
from evaluation.findings import Z95

groups = st.integers(min_value=1, max_value=2000).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n)))


def reference(pos1: int, n1: int, pos2: int, n2: int) -> tuple[float, float]:
    """z and two-sided p of the pooled test, from the textbook formula and statistics.NormalDist."""
    p1, p2 = pos1 / n1, pos2 / n2
    pooled = (pos1 + pos2) / (n1 + n2)
    z = (p2 - p1) / math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    return z, 2 * (1 - NormalDist().cdf(abs(z)))


class TestTwoProportionChange:
    def test_hand_worked_example(self) -> None:
        c = two_proportion_change(50, 100, 65, 100)
        assert (c.baseline_pct, c.repeat_pct, c.difference) == pytest.approx((0.5, 0.65, 0.15))
        assert c.z == pytest.approx(2.1456, abs=1e-4)
        assert c.p_value == pytest.approx(0.0319, abs=1e-4)
        assert c.significant is True
        assert (c.ci_low, c.ci_high) == pytest.approx((0.0146, 0.2854), abs=1e-4)

    def test_not_significant(self) -> None:
        c = two_proportion_change(50, 100, 55, 100)
        assert c.z == pytest.approx(0.7080, abs=1e-4)
        assert c.p_value == pytest.approx(0.4789, abs=1e-4)
        assert c.significant is False
        assert c.ci_low < 0 < c.ci_high

    @pytest.mark.parametrize(("pos1", "n1", "pos2", "n2"), [(3, 10, 3, 10), (3, 10, 6, 20), (0, 5, 0, 9), (7, 7, 4, 4)])
    def test_identical_proportions(self, pos1: int, n1: int, pos2: int, n2: int) -> None:
        c = two_proportion_change(pos1, n1, pos2, n2)
        assert c.difference == pytest.approx(0.0, abs=1e-15)
        assert c.z == pytest.approx(0.0, abs=1e-12)
        assert c.p_value == pytest.approx(1.0)
        assert c.significant is False

    def test_all_zero_or_all_one_has_no_variance(self) -> None:
        for c in (two_proportion_change(0, 10, 0, 20), two_proportion_change(10, 10, 20, 20)):
            assert c == Change(c.baseline_pct, c.repeat_pct, 0.0, 0.0, 0.0, 0.0, 1.0, False)

    @given(groups, groups)
    def test_matches_the_reference_and_is_antisymmetric(self, g1: tuple[int, int], g2: tuple[int, int]) -> None:
        (pos1, n1), (pos2, n2) = g1, g2
        forward, backward = two_proportion_change(pos1, n1, pos2, n2), two_proportion_change(pos2, n2, pos1, n1)
        assert forward.z == pytest.approx(-backward.z, abs=1e-12)
        assert forward.difference == pytest.approx(-backward.difference, abs=1e-15)
        assert forward.p_value == pytest.approx(backward.p_value, rel=1e-12, abs=1e-300)
        assert (forward.ci_low, forward.ci_high) == pytest.approx((-backward.ci_high, -backward.ci_low), abs=1e-12)
        assert 0.0 <= forward.p_value <= 1.0
        assert forward.significant == (forward.p_value < 0.05)
        assert forward.ci_low <= forward.difference <= forward.ci_high
        pooled = (pos1 + pos2) / (n1 + n2)
        if 0 < pooled < 1:
            z, p = reference(pos1, n1, pos2, n2)
            assert forward.z == pytest.approx(z, rel=1e-9, abs=1e-12)
            assert forward.p_value == pytest.approx(p, rel=1e-6, abs=1e-12)
            assert math.copysign(1, forward.z) == math.copysign(1, forward.difference) or forward.z == 0

    def test_ci_is_unpooled_wald(self) -> None:
        c = two_proportion_change(20, 80, 30, 60)
        se = math.sqrt(0.25 * 0.75 / 80 + 0.5 * 0.5 / 60)
        assert (c.ci_low, c.ci_high) == pytest.approx((0.25 - Z95 * se, 0.25 + Z95 * se))

    @pytest.mark.parametrize(("n1", "n2"), [(0, 10), (10, 0), (0, 0), (-1, 10)])
    def test_empty_group(self, n1: int, n2: int) -> None:
        with pytest.raises(ValueError, match="at least one response"):
            two_proportion_change(0, n1, 0, n2)

    @pytest.mark.parametrize(("pos1", "pos2"), [(11, 5), (-1, 5)])
    def test_counts_outside_the_group_are_refused(self, pos1: int, pos2: int) -> None:
        with pytest.raises(ValueError):
            two_proportion_change(pos1, 10, pos2, 10)
