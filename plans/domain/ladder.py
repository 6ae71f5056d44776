"""When to chase: the escalation ladder and the invitee reminder rule, as pure functions of dates.

A chase climbs one rung at a time: rung ``k`` falls due ``ladder[k].after_days`` days after rung
``k - 1`` was taken (the first rung: after the chase's clock started, e.g. the survey opened or the
sign-off deadline passed). A chase run that missed days takes the next rung only, never two at once, so
a manager always gets the reminder before the escalation. The invitee rule has a SQL twin in
``plans.repositories.chasing.reminder_due_clause``; tests hold the two to the same cases.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from plans.domain.chasing_config import InviteeReminders, LadderStep, Rung


@dataclass(frozen=True)
class ChaseState:
    """Where one chase stands: ``step`` rungs taken so far, the last on ``last_step_on``; the clock
    started on ``started_on``."""

    step: int
    last_step_on: date | None
    started_on: date


def next_due_on(ladder: Sequence[LadderStep], state: ChaseState) -> date | None:
    """The day the next rung falls due, or None once the ladder is climbed."""
    if state.step < 0 or state.step >= len(ladder):
        return None
    since = state.started_on if state.step == 0 or state.last_step_on is None else state.last_step_on
    return since + timedelta(days=ladder[state.step].after_days)


def due_rung(ladder: Sequence[LadderStep], state: ChaseState, today: date) -> int | None:
    """The index of the rung due today (taking it makes ``step`` that index + 1), or None."""
    due_on = next_due_on(ladder, state)
    return state.step if due_on is not None and due_on <= today else None


def rung_label(ladder: Sequence[LadderStep], index: int) -> str:
    """How a rung reads in an email: "reminder", "second reminder", "escalation", "named"."""
    action = ladder[index].action
    if action is Rung.REMIND:
        nth = sum(1 for step in ladder[: index + 1] if step.action is Rung.REMIND)
        return "reminder" if nth == 1 else f"{_ordinal(nth)} reminder"
    return "escalation" if action is Rung.ESCALATE else "named in the league table"


def is_named(ladder: Sequence[LadderStep], step: int) -> bool:
    """Whether a chase that has taken ``step`` rungs has reached a NAME rung (it stays named)."""
    return any(s.action is Rung.NAME for s in ladder[: max(0, step)])


def reminder_due(
    rule: InviteeReminders,
    *,
    used: bool,
    invited_on: date,
    reminders_sent: int,
    last_reminded_on: date | None,
    today: date,
) -> bool:
    """Whether an invitee is due a reminder today: not answered, under the maximum, and at least
    ``min_days_apart`` days since the last reminder (or the invitation, before the first)."""
    if used or reminders_sent >= rule.max:
        return False
    since = last_reminded_on if last_reminded_on is not None else invited_on
    return since <= today - timedelta(days=rule.min_days_apart)


def _ordinal(n: int) -> str:
    words = {2: "second", 3: "third", 4: "fourth", 5: "fifth", 6: "sixth", 7: "seventh", 8: "eighth"}
    return words.get(n, f"{n}th")
