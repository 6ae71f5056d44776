"""The league table rule: hand-worked tables, every small (responses, eligible) pair against each
threshold, and properties over random tables against an independent statement of the rule in exact
fractions of the decimals a coordinator writes."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from plans.domain.chasing_config import Reward
from plans.domain.league import Entry, meets, rank

DEFAULT = Reward()


def _table(*rows: tuple[str, int, int]) -> list[Entry]:
    return [Entry(i, name, responses, eligible) for i, (name, responses, eligible) in enumerate(rows, start=1)]


def _exact(rate: float) -> Fraction:
    """The rate as the decimal a coordinator wrote, independently of the module's own conversion."""
    return Fraction(Decimal(str(rate)))


class TestHandWorked:
    def test_competition_ranks_with_ties_by_name(self) -> None:
        table = rank(
            _table(("Wards", 5, 10), ("Admin", 9, 10), ("Cleaning", 3, 6), ("Bins", 1, 4), ("Audit", 2, 4)),
            target=0.5,
            reward=DEFAULT,
        )
        assert [(s.rank, s.name) for s in table] == [
            (1, "Admin"),
            (2, "Audit"),  # 2 of 4, 3 of 6 and 5 of 10 are all one half: one rank, then by name
            (2, "Cleaning"),
            (2, "Wards"),
            (5, "Bins"),
        ]
        assert [s.at_target for s in table] == [True, True, True, True, False]
        assert [s.below_target for s in table] == [False, False, False, False, True]

    def test_nobody_eligible_is_left_out_and_more_answers_than_staff_rank_first(self) -> None:
        table = rank(_table(("Empty", 0, 0), ("Links", 7, 5), ("Full", 5, 5)), target=0.6, reward=DEFAULT)
        assert [(s.rank, s.name, s.rate) for s in table] == [(1, "Links", 1.4), (2, "Full", 1.0)]
        assert all(s.rewarded for s in table)

    def test_same_name_orders_by_id(self) -> None:
        table = rank([Entry(9, "Team", 1, 2), Entry(3, "Team", 2, 4)], target=0.5, reward=DEFAULT)
        assert [(s.rank, s.team_id) for s in table] == [(1, 3), (1, 9)]

    def test_reward_needs_the_rate_and_the_size(self) -> None:
        reward = Reward(at_rate=0.9, min_eligible=5)
        table = rank(_table(("Small", 4, 4), ("Big", 9, 10), ("Short", 8, 10)), target=0.5, reward=reward)
        assert {s.name: s.rewarded for s in table} == {"Small": False, "Big": True, "Short": False}

    def test_named_is_whatever_the_ladder_passes(self) -> None:
        table = rank(_table(("A", 1, 2), ("B", 2, 2)), target=0.5, reward=DEFAULT, named=frozenset({1, 99}))
        assert {s.name: s.named for s in table} == {"A": True, "B": False}

    def test_empty(self) -> None:
        assert rank([], target=0.5, reward=DEFAULT) == []


TARGETS = [0.1, 0.2, 0.25, 0.3, 1 / 3, 0.5, 0.6, 0.7, 0.71, 0.9, 1.0]


class TestMeetsExhaustively:
    @pytest.mark.parametrize("target", TARGETS, ids=str)
    def test_every_small_pair(self, target: float) -> None:
        for eligible in range(0, 31):
            for responses in range(0, eligible + 3):
                expected = eligible > 0 and Fraction(responses, eligible) >= _exact(target)
                assert meets(responses, eligible, target) is expected, (responses, eligible)

    def test_one_in_ten_meets_ten_percent(self) -> None:
        # 0.1 as a binary float is a little above one tenth: compared naively, 1 of 10 would fall short
        assert Fraction(0.1) > Fraction(1, 10)
        assert meets(1, 10, 0.1) and meets(7, 10, 0.7) and not meets(6, 10, 0.61)


entries = st.lists(
    st.tuples(st.sampled_from(["Ash", "Birch", "Cedar", "Elm", "Oak"]), st.integers(0, 40), st.integers(0, 40)),
    max_size=25,
).map(lambda rows: [Entry(i, n, r, e) for i, (n, r, e) in enumerate(rows)])
rates = st.sampled_from(TARGETS) | st.floats(0.01, 1.0).map(lambda x: round(x, 2))


class TestProperties:
    @settings(max_examples=300, deadline=None)
    @given(entries, rates, rates, st.integers(1, 20), st.sets(st.integers(0, 30)))
    def test_against_an_independent_statement(
        self, teams: list[Entry], target: float, at_rate: float, min_eligible: int, named: set[int]
    ) -> None:
        reward = Reward(at_rate=at_rate, min_eligible=min_eligible)
        table = rank(teams, target=target, reward=reward, named=frozenset(named))
        counted = [e for e in teams if e.eligible > 0]
        exact = {e.team_id: Fraction(e.responses, e.eligible) for e in counted}
        # every team with anyone eligible, once, in order of rate (highest first), then name, then id
        expected_order = sorted(counted, key=lambda e: (-exact[e.team_id], e.name, e.team_id))
        assert [s.team_id for s in table] == [e.team_id for e in expected_order]
        for s in table:
            mine = exact[s.team_id]
            assert s.rank == 1 + sum(1 for other in exact.values() if other > mine)
            assert s.at_target == (mine >= _exact(target))
            assert s.rewarded == (s.eligible >= min_eligible and mine >= _exact(at_rate))
            assert s.named == (s.team_id in named)
            assert s.rate == pytest.approx(float(mine))

    @settings(max_examples=100, deadline=None)
    @given(entries, st.randoms(use_true_random=False))
    def test_order_of_input_does_not_matter(self, teams: list[Entry], rnd) -> None:  # type: ignore[no-untyped-def]
        shuffled = list(teams)
        rnd.shuffle(shuffled)
        assert rank(shuffled, target=0.5, reward=DEFAULT) == rank(teams, target=0.5, reward=DEFAULT)

    @settings(max_examples=100, deadline=None)
    @given(entries)
    def test_ranks_start_at_one_and_never_skip_more_than_the_tie(self, teams: list[Entry]) -> None:
        table = rank(teams, target=0.5, reward=DEFAULT)
        ranks = [s.rank for s in table]
        assert ranks == sorted(ranks)
        assert not table or ranks[0] == 1
        for position, s in enumerate(table, start=1):
            assert s.rank <= position
            assert s.rank == position or s.rank == table[position - 2].rank
