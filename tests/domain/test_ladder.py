"""The escalation ladder and the invitee reminder rule: hand-worked cases, then properties over any
ladder and any run schedule. ``REMINDER_CASES`` is shared with the SQL twin's test
(tests/db/test_chasing_repository.py), so the two definitions are held to the same answers."""

from __future__ import annotations

import itertools
from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from plans.domain.chasing_config import ChasingConfig, InviteeReminders, LadderStep, Rung
from plans.domain.ladder import ChaseState, due_rung, is_named, next_due_on, reminder_due, rung_label

OPENED = date(2026, 3, 2)  # a Monday
LADDER = ChasingConfig().manager_ladder  # remind +7, remind +5, escalate +5, name +2


def _day(n: int) -> date:
    return OPENED + timedelta(days=n)


class TestDueRung:
    def test_nothing_before_the_first_interval(self) -> None:
        state = ChaseState(step=0, last_step_on=None, started_on=OPENED)
        assert [due_rung(LADDER, state, _day(n)) for n in range(7)] == [None] * 7
        assert due_rung(LADDER, state, _day(7)) == 0

    def test_each_rung_counts_from_the_previous_one(self) -> None:
        assert due_rung(LADDER, ChaseState(1, _day(9), OPENED), _day(13)) is None
        assert due_rung(LADDER, ChaseState(1, _day(9), OPENED), _day(14)) == 1
        assert due_rung(LADDER, ChaseState(2, _day(14), OPENED), _day(19)) == 2
        assert due_rung(LADDER, ChaseState(3, _day(19), OPENED), _day(21)) == 3

    def test_a_climbed_ladder_has_nothing_more(self) -> None:
        assert due_rung(LADDER, ChaseState(4, _day(21), OPENED), _day(200)) is None
        assert next_due_on(LADDER, ChaseState(4, _day(21), OPENED)) is None
        assert due_rung((), ChaseState(0, None, OPENED), _day(5)) is None

    def test_a_late_run_takes_one_rung_not_two(self) -> None:
        state = ChaseState(step=0, last_step_on=None, started_on=OPENED)
        assert due_rung(LADDER, state, _day(60)) == 0

    def test_zero_days_is_due_the_same_day(self) -> None:
        ladder = (LadderStep(action=Rung.REMIND, after_days=0),)
        assert due_rung(ladder, ChaseState(0, None, OPENED), OPENED) == 0


class TestLabels:
    def test_the_default_ladder_reads_in_order(self) -> None:
        assert [rung_label(LADDER, i) for i in range(4)] == [
            "reminder",
            "second reminder",
            "escalation",
            "named in the league table",
        ]

    def test_named_from_the_name_rung_on(self) -> None:
        assert [is_named(LADDER, step) for step in range(5)] == [False, False, False, False, True]


# (used, reminders_sent, last reminded (days after the invitation) or None, today (days after), max,
#  min_days_apart) -> due?
REMINDER_CASES: list[tuple[bool, int, int | None, int, int, int, bool]] = [
    (False, 0, None, 6, 2, 7, False),
    (False, 0, None, 7, 2, 7, True),
    (True, 0, None, 7, 2, 7, False),  # answered: never reminded
    (False, 1, 7, 13, 2, 7, False),
    (False, 1, 7, 14, 2, 7, True),
    (False, 2, 14, 40, 2, 7, False),  # at the maximum
    (False, 0, None, 1, 1, 1, True),
    (False, 0, None, 0, 1, 1, False),  # the invitation day itself
    (False, 0, None, 30, 0, 1, False),  # max 0: no reminders at all
    (False, 1, 3, 3, 3, 1, False),  # reminded today already
    (False, 1, 3, 4, 3, 1, True),
]


def _pure_case(case: tuple[bool, int, int | None, int, int, int, bool]) -> bool:
    used, sent, last, today, most, apart, _ = case
    return reminder_due(
        InviteeReminders(max=most, min_days_apart=apart),
        used=used,
        invited_on=OPENED,
        reminders_sent=sent,
        last_reminded_on=None if last is None else _day(last),
        today=_day(today),
    )


class TestReminderDue:
    @pytest.mark.parametrize("case", REMINDER_CASES)
    def test_hand_worked(self, case: tuple[bool, int, int | None, int, int, int, bool]) -> None:
        assert _pure_case(case) is case[-1]

    @settings(max_examples=200, deadline=None)
    @given(
        most=st.integers(0, 5),
        apart=st.integers(1, 10),
        answered_on=st.one_of(st.none(), st.integers(0, 60)),
        run_days=st.sets(st.integers(0, 60)),
    )
    def test_over_any_schedule_of_runs(
        self, most: int, apart: int, answered_on: int | None, run_days: set[int]
    ) -> None:
        """Whatever days the chase runs: at most ``max`` reminders, spaced at least ``min_days_apart``
        from each other and from the invitation, none on or after the day the person answered, and a
        daily run sends one as soon as one is allowed."""
        rule = InviteeReminders(max=most, min_days_apart=apart)
        sent: list[int] = []
        for day in sorted(run_days):
            used = answered_on is not None and answered_on <= day
            if reminder_due(
                rule,
                used=used,
                invited_on=OPENED,
                reminders_sent=len(sent),
                last_reminded_on=_day(sent[-1]) if sent else None,
                today=_day(day),
            ):
                sent.append(day)
        assert len(sent) <= most
        assert all(b - a >= apart for a, b in itertools.pairwise([0, *sent]))
        assert answered_on is None or all(d < answered_on for d in sent)
        if run_days == set(range(61)) and answered_on is None:
            assert sent == [apart * k for k in range(1, most + 1) if apart * k <= 60]


ladders = st.lists(
    st.builds(LadderStep, action=st.sampled_from(list(Rung)), after_days=st.integers(0, 15)), max_size=6
).map(tuple)


class TestClimbing:
    @settings(max_examples=300, deadline=None)
    @given(ladder=ladders, run_days=st.sets(st.integers(0, 90)))
    def test_rungs_in_order_never_early_one_a_run(self, ladder: tuple[LadderStep, ...], run_days: set[int]) -> None:
        """Running on any days: rungs are taken in order, one per run at most, each no earlier than its
        interval after the previous rung (or the start)."""
        state = ChaseState(0, None, OPENED)
        taken: list[tuple[int, date]] = []
        for day in sorted(run_days):
            rung = due_rung(ladder, state, _day(day))
            if rung is not None:
                assert rung == state.step
                taken.append((rung, _day(day)))
                state = ChaseState(rung + 1, _day(day), OPENED)
        assert [r for r, _ in taken] == list(range(len(taken)))
        previous = OPENED
        for rung, on in taken:
            assert on >= previous + timedelta(days=ladder[rung].after_days)
            previous = on

    @settings(max_examples=200, deadline=None)
    @given(ladder=ladders)
    def test_a_daily_run_climbs_on_exact_days(self, ladder: tuple[LadderStep, ...]) -> None:
        """Run every day, rung k is taken exactly the sum of the first k+1 intervals after the start,
        except that a zero interval still waits for the next run (one rung per run)."""
        state = ChaseState(0, None, OPENED)
        days: list[int] = []
        for day in range(200):
            if due_rung(ladder, state, _day(day)) is not None:
                days.append(day)
                state = ChaseState(state.step + 1, _day(day), OPENED)
        expected, at = [], 0
        for k, step in enumerate(ladder):
            at = at + step.after_days if k == 0 else max(at + step.after_days, at + 1)
            expected.append(at)
        assert days == [d for d in expected if d < 200]

    @given(ladder=ladders, step=st.integers(0, 6), last=st.integers(0, 60), today=st.integers(0, 120))
    def test_due_is_monotone_in_time(self, ladder: tuple[LadderStep, ...], step: int, last: int, today: int) -> None:
        """Once a rung is due it stays due until it is taken."""
        state = ChaseState(min(step, len(ladder)), _day(last) if step else None, OPENED)
        if due_rung(ladder, state, _day(today)) is not None:
            assert due_rung(ladder, state, _day(today + 1)) == due_rung(ladder, state, _day(today))
