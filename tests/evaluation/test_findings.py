"""Per-question findings and the Wilson score interval."""

from __future__ import annotations

import math
from statistics import NormalDist

import pytest
from hypothesis import given
from hypothesis import strategies as st

from evaluation.findings import Z95, Finding, Question, finding, findings, wilson_interval

Q = Question("q1", frozenset({"agree", "strongly agree"}))


def reference_wilson(x: int, n: int, z: float) -> tuple[float, float]:
    """Wilson's interval as the roots of (p_hat - p)^2 = z^2 p (1 - p) / n, solved as a quadratic in p."""
    p_hat, k = x / n, z * z / n
    a, b, c = 1 + k, -(2 * p_hat + k), p_hat * p_hat
    root = math.sqrt(b * b - 4 * a * c)
    return (-b - root) / (2 * a), (-b + root) / (2 * a)


counts = st.integers(min_value=1, max_value=5000).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n)))


class TestZ95:
    def test_is_the_975th_percentile_of_the_normal(self) -> None:
        assert pytest.approx(NormalDist().inv_cdf(0.975), abs=1e-12) == Z95


class TestWilsonInterval:
    @pytest.mark.parametrize(
        ("x", "n", "low", "high"),
        [
            (8, 10, 0.4902, 0.9433),
            (5, 10, 0.2366, 0.7634),
            (0, 10, 0.0, 0.2775),
            (10, 10, 0.7225, 1.0),
            (1, 1, 0.2065, 1.0),
            (0, 1, 0.0, 0.7935),
            (50, 100, 0.4038, 0.5962),
        ],
    )
    def test_hand_worked_values(self, x: int, n: int, low: float, high: float) -> None:
        got = wilson_interval(x, n)
        assert got == pytest.approx((low, high), abs=1e-4)

    def test_zero_successes_lower_bound_is_zero(self) -> None:
        assert wilson_interval(0, 10)[0] == 0.0

    @given(counts)
    def test_matches_the_quadratic_reference(self, xn: tuple[int, int]) -> None:
        x, n = xn
        assert wilson_interval(x, n) == pytest.approx(reference_wilson(x, n, Z95), abs=1e-9)

    @pytest.mark.parametrize("z", [1.0, 1.6448536269514722, 2.5758293035489004])
    def test_other_confidence_levels(self, z: float) -> None:
        assert wilson_interval(7, 20, z) == pytest.approx(reference_wilson(7, 20, z), abs=1e-12)

    def test_wider_z_gives_a_wider_interval(self) -> None:
        (a, b), (c, d) = wilson_interval(7, 20, 1.0), wilson_interval(7, 20, 2.0)
        assert c < a < b < d

    @given(counts)
    def test_bounds_within_unit_interval_and_contain_p(self, xn: tuple[int, int]) -> None:
        x, n = xn
        low, high = wilson_interval(x, n)
        assert 0.0 <= low <= high <= 1.0
        assert low <= x / n <= high

    @given(counts, st.integers(min_value=2, max_value=10))
    def test_narrows_as_n_grows_at_the_same_proportion(self, xn: tuple[int, int], k: int) -> None:
        x, n = xn
        low, high = wilson_interval(x, n)
        low_k, high_k = wilson_interval(x * k, n * k)
        assert high_k - low_k < high - low

    @given(counts)
    def test_symmetric_under_swapping_success_and_failure(self, xn: tuple[int, int]) -> None:
        x, n = xn
        low, high = wilson_interval(x, n)
        low_f, high_f = wilson_interval(n - x, n)
        assert (low, high) == pytest.approx((1 - high_f, 1 - low_f), abs=1e-12)

    def test_extreme_proportions_reach_the_edge_exactly(self) -> None:
        assert wilson_interval(10, 10)[1] == 1.0
        assert wilson_interval(0, 3)[0] == 0.0

    @pytest.mark.parametrize(("x", "n"), [(0, 0), (1, 0), (0, -1), (-1, 10), (11, 10)])
    def test_bad_counts(self, x: int, n: int) -> None:
        with pytest.raises(ValueError):
            wilson_interval(x, n)


class TestFinding:
    def test_reports_percentage_and_interval(self) -> None:
        answers = ["agree"] * 6 + ["strongly agree"] * 2 + ["disagree"] * 2
        f = finding(Q, answers, threshold=10)
        low, high = wilson_interval(8, 10)
        assert f == Finding("q1", 10, 8, False, 0.8, low, high)

    def test_suppressed_below_threshold(self) -> None:
        f = finding(Q, ["agree"] * 4, threshold=5)
        assert f == Finding("q1", 4, 0, True, None, None, None)

    def test_threshold_itself_is_reported(self) -> None:
        f = finding(Q, ["agree"] * 4 + ["disagree"], threshold=5)
        assert not f.suppressed
        assert f.pct_positive == 0.8

    def test_blanks_are_not_counted(self) -> None:
        f = finding(Q, ["agree", None, "", "disagree", None, "agree"], threshold=3)
        assert (f.responses, f.positive, f.pct_positive) == (3, 2, pytest.approx(2 / 3))

    def test_blanks_can_push_a_question_below_threshold(self) -> None:
        f = finding(Q, ["agree", "agree", None, "", None], threshold=3)
        assert f.suppressed and f.pct_positive is None and f.responses == 2

    @pytest.mark.parametrize("threshold", [0, 1])
    def test_no_answers_is_suppressed_even_with_no_threshold(self, threshold: int) -> None:
        assert finding(Q, [None, ""], threshold) == Finding("q1", 0, 0, True, None, None, None)

    def test_positive_answers_are_matched_exactly(self) -> None:
        f = finding(Q, ["Agree", "agree ", "agree"], threshold=1)
        assert f.positive == 1

    def test_accepts_any_iterable(self) -> None:
        f = finding(Q, iter(["agree", "disagree"]), threshold=1)
        assert (f.responses, f.positive) == (2, 1)

    @given(st.lists(st.sampled_from(["agree", "strongly agree", "disagree", "neutral", "", None])), st.integers(0, 10))
    def test_counts_and_suppression_property(self, answers: list[str | None], threshold: int) -> None:
        f = finding(Q, answers, threshold)
        given_answers = [a for a in answers if a]
        assert f.responses == len(given_answers)
        assert f.suppressed == (len(given_answers) < threshold or not given_answers)
        if f.suppressed:
            assert (f.positive, f.pct_positive, f.ci_low, f.ci_high) == (0, None, None, None)
        else:
            assert f.positive == sum(a in Q.positive for a in given_answers)
            assert f.ci_low is not None and f.ci_high is not None
            assert f.ci_low - 1e-12 <= f.pct_positive <= f.ci_high + 1e-12  # type: ignore[operator]


class TestFindings:
    def test_one_finding_per_question_in_order(self) -> None:
        q2 = Question("q2", frozenset({"yes"}))
        rows = [{"q1": "agree", "q2": "yes"}, {"q1": "disagree"}, {"q1": "agree", "q2": ""}, {"q2": "no"}]
        result = findings([q2, Q], rows, threshold=2)
        assert [f.question_id for f in result] == ["q2", "q1"]
        assert (result[0].responses, result[0].positive) == (2, 1)
        assert (result[1].responses, result[1].positive) == (3, 2)

    def test_responses_iterated_once_are_reused_for_every_question(self) -> None:
        q2 = Question("q2", frozenset({"yes"}))
        rows = iter([{"q1": "agree", "q2": "yes"}, {"q1": "agree", "q2": "yes"}])
        assert [f.responses for f in findings([Q, q2], rows, threshold=1)] == [2, 2]

    def test_no_questions(self) -> None:
        assert findings([], [{"q1": "agree"}], threshold=1) == []
