"""ROI arithmetic against hand-worked examples and its invariants (hypothesis)."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from evaluation.roi import Benefit, IsolationMethod, cost_per_participant, format_pct, roi, round_pence
from plans.domain.errors import InvalidInput

MANAGER = IsolationMethod.MANAGER_ESTIMATE


class TestHandWorked:
    def test_phillips_textbook_case(self) -> None:
        # £80,000 of benefit, 50% attributed to the programme at 80% confidence = £32,000 adjusted;
        # costs £20,000: ROI = (32,000 - 20,000) / 20,000 x 100 = 60%, BCR 1.6
        r = roi(2_000_000, [Benefit("fewer agency shifts", 8_000_000, MANAGER, 50, 80)])
        assert r.benefits_pence == 3_200_000
        assert r.net_pence == 1_200_000
        assert r.roi_pct == 60
        assert r.benefit_cost_ratio == Fraction(8, 5)
        assert format_pct(r.roi_pct) == "60.0%"

    def test_loss_is_a_negative_roi(self) -> None:
        # £5,000 of benefit fully attributed against £12,500 of cost: (5,000 - 12,500) / 12,500 = -60%
        r = roi(1_250_000, [Benefit("lower sickness absence", 500_000, IsolationMethod.CONTROL_GROUP)])
        assert r.roi_pct == -60 and r.net_pence == -750_000

    def test_several_benefits_round_once(self) -> None:
        # 3 x 1p at 50%: 1.5p in all rounds to 2p (rounding each would give 3 x 1p = 3p)
        r = roi(100, [Benefit(f"b{i}", 1, MANAGER, 50) for i in range(3)])
        assert r.benefits_pence == 2
        assert [v for _, v in r.counted] == [1, 1, 1]

    def test_intangibles_are_listed_not_counted(self) -> None:
        b = [Benefit("staff feel listened to"), Benefit("fewer grievances", 300_000, MANAGER)]
        r = roi(100_000, b)
        assert r.intangible == (b[0],) and r.benefits_pence == 300_000 and r.roi_pct == 200

    def test_nothing_spent_has_no_ratio(self) -> None:
        r = roi(0, [Benefit("volunteer time saved", 1_000, MANAGER)])
        assert r.roi_pct is None and r.benefit_cost_ratio is None
        assert format_pct(r.roi_pct).startswith("not defined")

    def test_cost_per_participant(self) -> None:
        assert cost_per_participant(2_000_000, 160) == 12_500
        assert cost_per_participant(100, 3) == 33
        assert cost_per_participant(200, 3) == 67
        assert cost_per_participant(100, 0) is None


class TestBadInput:
    def test_a_valued_benefit_needs_an_isolation_method(self) -> None:
        with pytest.raises(InvalidInput, match=r"benefits\[1\]\.isolation_method: .*control_group.*intangible"):
            roi(100, [Benefit("a", 10, MANAGER), Benefit("b", 10)])

    def test_every_bad_row_is_named(self) -> None:
        with pytest.raises(InvalidInput) as exc:
            roi(100, [Benefit(" ", 10, MANAGER), Benefit("x", -5, MANAGER, 120, -1)])
        message = exc.value.message
        for part in (
            "benefits[0].description",
            "benefits[1].value",
            "benefits[1].contribution_pct: 120",
            "benefits[1].confidence_pct: -1",
        ):
            assert part in message

    def test_negative_costs_and_participants(self) -> None:
        with pytest.raises(InvalidInput, match="costs"):
            roi(-1, [])
        with pytest.raises(InvalidInput, match="participants"):
            cost_per_participant(100, -1)


pence = st.integers(min_value=0, max_value=10**11)
pct = st.integers(min_value=0, max_value=100)
benefits = st.lists(
    st.builds(Benefit, st.just("b"), st.one_of(st.none(), pence), st.sampled_from(IsolationMethod), pct, pct),
    max_size=8,
)


@given(costs=pence, bs=benefits)
def test_invariants(costs: int, bs: list[Benefit]) -> None:
    r = roi(costs, bs)
    exact = sum(
        (
            Fraction(b.value_pence * b.contribution_pct * b.confidence_pct, 10_000)
            for b in bs
            if b.value_pence is not None
        ),
        Fraction(0),
    )
    assert abs(r.benefits_pence - exact) <= Fraction(1, 2)
    assert r.net_pence == r.benefits_pence - costs
    if costs:
        assert r.roi_pct == (r.benefit_cost_ratio - 1) * 100  # type: ignore[operator]
    assert len(r.counted) + len(r.intangible) == len(bs)


@given(st.fractions())
def test_round_pence_is_nearest_half_up(x: Fraction) -> None:
    n = round_pence(x)
    assert abs(n - x) <= Fraction(1, 2)
    if abs(n - x) == Fraction(1, 2):
        assert abs(n) > abs(x)
