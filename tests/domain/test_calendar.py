"""Month arithmetic for checkpoint schedules."""

from __future__ import annotations

import calendar
import itertools
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from plans.domain.calendar import add_months, checkpoint_dates

DATES = st.dates(min_value=date(1900, 1, 1), max_value=date(2400, 12, 31))
MONTHS = st.integers(min_value=-600, max_value=600)


def month_index(d: date) -> int:
    return d.year * 12 + d.month - 1


class TestAddMonths:
    @pytest.mark.parametrize(
        ("start", "months", "expected"),
        [
            (date(2023, 1, 31), 1, date(2023, 2, 28)),
            (date(2024, 1, 31), 1, date(2024, 2, 29)),
            (date(2000, 1, 31), 1, date(2000, 2, 29)),
            (date(1900, 1, 31), 1, date(1900, 2, 28)),
            (date(2024, 2, 29), 12, date(2025, 2, 28)),
            (date(2024, 2, 29), 48, date(2028, 2, 29)),
            (date(2024, 3, 31), 1, date(2024, 4, 30)),
            (date(2024, 8, 31), 1, date(2024, 9, 30)),
            (date(2024, 1, 31), 2, date(2024, 3, 31)),
            (date(2024, 11, 15), 1, date(2024, 12, 15)),
            (date(2024, 12, 15), 1, date(2025, 1, 15)),
            (date(2024, 12, 31), 2, date(2025, 2, 28)),
            (date(2024, 5, 10), 12, date(2025, 5, 10)),
            (date(2024, 5, 10), 13, date(2025, 6, 10)),
            (date(2024, 5, 10), 36, date(2027, 5, 10)),
            (date(2024, 5, 10), 0, date(2024, 5, 10)),
            (date(2024, 3, 31), -1, date(2024, 2, 29)),
            (date(2024, 1, 15), -1, date(2023, 12, 15)),
            (date(2024, 1, 15), -13, date(2022, 12, 15)),
        ],
        ids=str,
    )
    def test_examples(self, start: date, months: int, expected: date) -> None:
        assert add_months(start, months) == expected

    def test_clamping_does_not_stick(self) -> None:
        """Each call starts from ``start``, so 31 Jan + 2 months is 31 Mar, not 28 Mar."""
        assert add_months(add_months(date(2023, 1, 31), 1), 1) == date(2023, 3, 28)
        assert add_months(date(2023, 1, 31), 2) == date(2023, 3, 31)

    @given(DATES, MONTHS)
    def test_month_index_moves_by_months_and_day_never_grows(self, start: date, months: int) -> None:
        result = add_months(start, months)
        assert month_index(result) == month_index(start) + months
        assert result.day <= start.day
        last = calendar.monthrange(result.year, result.month)[1]
        assert result.day == min(start.day, last)

    @given(DATES, MONTHS, MONTHS)
    def test_composition_agrees_up_to_clamping(self, start: date, a: int, b: int) -> None:
        direct = add_months(start, a + b)
        stepwise = add_months(add_months(start, a), b)
        assert month_index(direct) == month_index(stepwise)
        assert stepwise.day <= direct.day
        if start.day <= 28:
            assert direct == stepwise

    @given(DATES, st.integers(min_value=0, max_value=600))
    def test_round_trip_when_no_clamping(self, start: date, months: int) -> None:
        if start.day <= 28:
            assert add_months(add_months(start, months), -months) == start


class TestCheckpointDates:
    def test_quarterly(self) -> None:
        assert checkpoint_dates(date(2024, 1, 31), 3, 4) == [
            date(2024, 4, 30),
            date(2024, 7, 31),
            date(2024, 10, 31),
            date(2025, 1, 31),
        ]

    def test_monthly_from_the_31st_clamps_each_month_independently(self) -> None:
        assert checkpoint_dates(date(2023, 12, 31), 1, 3) == [date(2024, 1, 31), date(2024, 2, 29), date(2024, 3, 31)]

    def test_zero_count_is_empty(self) -> None:
        assert checkpoint_dates(date(2024, 1, 1), 6, 0) == []

    @pytest.mark.parametrize(("every", "count"), [(0, 1), (-1, 3), (1, -1), (0, -1)])
    def test_bad_input(self, every: int, count: int) -> None:
        with pytest.raises(ValueError, match="positive interval and a non-negative count"):
            checkpoint_dates(date(2024, 1, 1), every, count)

    @given(DATES, st.integers(min_value=1, max_value=24), st.integers(min_value=0, max_value=20))
    def test_count_and_spacing(self, start: date, every: int, count: int) -> None:
        dates = checkpoint_dates(start, every, count)
        assert len(dates) == count
        assert [month_index(d) - month_index(start) for d in dates] == [every * k for k in range(1, count + 1)]
        assert all(a < b for a, b in itertools.pairwise([start, *dates]))
        assert dates == [add_months(start, every * k) for k in range(1, count + 1)]
