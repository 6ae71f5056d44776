"""Objective progress, pure: a red / amber / green status with a percentage complete, when a note is
owed (red, amber, or gone backwards), what the dates suggest at an even pace, milestone lateness, and the
count of objectives by status that a formative report shows. Every check reports all its problems at once,
each naming its field.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from plans.domain.delivery import DUE_SOON_DAYS, MAX_NOTE, MAX_TITLE, PlanYear, Problem, Rag


def progress_problems(status: str, percent: int | None, note: str, previous_percent: int | None) -> list[Problem]:
    """What is wrong with a progress update: a RAG status, a whole percentage 0-100, and a note whenever
    the objective is red or amber or has gone backwards (the next reader needs to know why)."""
    problems: list[Problem] = []
    text = note.strip()
    if status not in set(Rag):
        problems.append(("status", "choose red, amber or green"))
    if percent is None:
        problems.append(("percent_complete", "say how far complete the objective is, from 0 to 100"))
    elif not 0 <= percent <= 100:
        problems.append(("percent_complete", f"{percent} is not a percentage from 0 to 100"))
    if len(text) > MAX_NOTE:
        problems.append(("note", f"must be {MAX_NOTE:,} characters or fewer"))
    elif not text and status in (Rag.RED, Rag.AMBER):
        problems.append(("note", f"say why the objective is {status} and what will bring it back on track"))
    elif not text and percent is not None and previous_percent is not None and percent < previous_percent:
        problems.append(("note", f"say why progress went down from {previous_percent}% to {percent}%"))
    return problems


def expected_percent(starts_on: date, due_on: date, today: date) -> float:
    """How far along an objective would be by ``today`` at an even pace from the plan's start to its due day."""
    span = (due_on - starts_on).days
    if span <= 0 or today >= due_on:
        return 100.0
    return max(0.0, min(100.0, (today - starts_on).days / span * 100))


def suggested_rag(*, percent: int, starts_on: date, due_on: date, today: date, overdue_milestones: int) -> Rag:
    """What the dates say: green within 10 points of an even pace, amber within 25, red beyond or past
    its due day unfinished; an overdue milestone makes green amber. Shown next to the owner's own status."""
    if percent >= 100:
        return Rag.GREEN
    if today > due_on:
        return Rag.RED
    shortfall = expected_percent(starts_on, due_on, today) - percent
    rag = Rag.GREEN if shortfall <= 10 else Rag.AMBER if shortfall <= 25 else Rag.RED
    return Rag.AMBER if rag is Rag.GREEN and overdue_milestones else rag


class MilestoneState(StrEnum):
    DONE = "done"
    DONE_LATE = "done_late"
    OVERDUE = "overdue"
    DUE_SOON = "due_soon"
    UPCOMING = "upcoming"


@dataclass(frozen=True)
class MilestoneStatus:
    state: MilestoneState
    days: int = 0  # late by (done late, overdue) or until due (due soon, upcoming)

    @property
    def words(self) -> str:
        n = f"{self.days} day{'' if self.days == 1 else 's'}"
        return {
            MilestoneState.DONE: "Done on time",
            MilestoneState.DONE_LATE: f"Done {n} late",
            MilestoneState.OVERDUE: f"Overdue by {n}",
            MilestoneState.DUE_SOON: "Due today" if self.days == 0 else f"Due in {n}",
            MilestoneState.UPCOMING: f"Due in {n}",
        }[self.state]


def milestone_status(due_on: date, done_on: date | None, today: date) -> MilestoneStatus:
    """Whether a milestone was met on time, late, or is overdue, due soon or upcoming."""
    if done_on is not None:
        late = (done_on - due_on).days
        return MilestoneStatus(MilestoneState.DONE_LATE, late) if late > 0 else MilestoneStatus(MilestoneState.DONE)
    if today > due_on:
        return MilestoneStatus(MilestoneState.OVERDUE, (today - due_on).days)
    left = (due_on - today).days
    return MilestoneStatus(MilestoneState.DUE_SOON if left <= DUE_SOON_DAYS else MilestoneState.UPCOMING, left)


def milestone_problems(title: str, due_on: date | None, year: PlanYear) -> list[Problem]:
    """A milestone needs a title and a due day inside the plan's 12 months."""
    problems: list[Problem] = []
    if not title.strip():
        problems.append(("title", "say what the milestone is"))
    elif len(title.strip()) > MAX_TITLE:
        problems.append(("title", f"must be {MAX_TITLE} characters or fewer"))
    if due_on is None:
        problems.append(("due_on", "give the day the milestone is due"))
    elif not year.first <= due_on <= year.last:
        problems.append(
            ("due_on", f"must be inside the plan's 12 months, {year.first:%d %B %Y} to {year.last:%d %B %Y}")
        )
    return problems


def done_problems(done_on: date | None, year: PlanYear, today: date) -> list[Problem]:
    """A milestone is done on a real day: not in the future, not before the plan began."""
    if done_on is None:
        return [("done_on", "give the day the milestone was done")]
    if done_on > today:
        return [("done_on", "cannot be in the future")]
    if done_on < year.first:
        return [("done_on", f"cannot be before the plan started on {year.first:%d %B %Y}")]
    return []


def rag_counts(statuses: Iterable[Rag | None]) -> dict[str, int]:
    """How many objectives stand red, amber, green, or have no progress reported yet."""
    out = {"red": 0, "amber": 0, "green": 0, "not reported": 0}
    for s in statuses:
        out[s.value if s is not None else "not reported"] += 1
    return out
