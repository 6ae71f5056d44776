"""Delivery's rules, pure: when a formative checkpoint falls due for evidence and when an owner's evidence
is due, what each type of evidence must say, objective progress (red / amber / green, percentage
complete, when a note is owed, what the dates suggest), milestone lateness, and the summary of a
checkpoint's evidence by type and Kirkpatrick level that its formative report shows.

Evidence owners are asked ``lead_days`` before a checkpoint so their evidence is in for it; someone asked
late (a checkpoint already past, an owner named since) still gets ``min_days`` to answer. Every check
reports all its problems at once, each naming its field, so a person fixes them in one go.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from plans.domain.errors import InvalidInput
from plans.domain.learning_plan import PlanYear as PlanYear  # the plan's 12 months, counted as the learning plan does
from plans.domain.learning_plan import plan_year as plan_year

Problem = tuple[str, str]  # (field, what is wrong)

MAX_SUMMARY, MAX_NOTE, MAX_UNIT, MAX_TITLE = 4000, 2000, 60, 300
MAX_PARTICIPANTS = 10_000_000
MAX_SCALE = 100
DUE_SOON_DAYS = 14


class EvidenceType(StrEnum):
    """What a piece of evidence is; the four Kirkpatrick types carry their level."""

    ATTENDANCE = "attendance"
    REACTION = "reaction"
    LEARNING = "learning"
    BEHAVIOUR = "behaviour"
    RESULTS = "results"
    QUOTE = "quote"
    STORY = "story"

    @property
    def level(self) -> int | None:
        return {"reaction": 1, "learning": 2, "behaviour": 3, "results": 4}.get(self.value)

    @property
    def label(self) -> str:
        return LABELS[self.value]


LABELS = {
    "attendance": "Attendance",
    "reaction": "Reaction (level 1)",
    "learning": "Learning (level 2)",
    "behaviour": "Behaviour (level 3)",
    "results": "Results (level 4)",
    "quote": "Quote",
    "story": "Story",
}
HINTS = {
    "attendance": "how many people took part (in participants)",
    "reaction": "how people rated the learning: a mean score out of N, or the % who rated it good",
    "learning": "what people learned: a pass rate (%) or a mean score out of N in a check",
    "behaviour": "what people now do differently at work, as observed",
    "results": "what changed for the organisation and the people it serves",
    "quote": "someone's own words, with their permission",
    "story": "what happened to someone, told in a few sentences",
}
SCORED = frozenset({EvidenceType.REACTION, EvidenceType.LEARNING})
WORDS_ONLY = frozenset({EvidenceType.QUOTE, EvidenceType.STORY})


class Rag(StrEnum):
    RED = "red"
    AMBER = "amber"
    GREEN = "green"


RAG_ORDER = {Rag.GREEN: 0, Rag.AMBER: 1, Rag.RED: 2}


class FieldsRefused(InvalidInput):
    """Input refused as a whole; ``problems`` are (field, what is wrong) in the order found, each also in
    the message, so a page can put every one next to its field and an API client reads them all."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = list(problems)
        super().__init__("; ".join(f"{name}: {message}" for name, message in self.problems))


def refuse_if_any(problems: Sequence[Problem]) -> None:
    """Raise ``FieldsRefused`` when there is any problem."""
    if problems:
        raise FieldsRefused(problems)


# ---- checkpoints and requests ----------------------------------------------------------------------


@dataclass(frozen=True)
class CheckpointState:
    number: int
    due_on: date
    recorded: bool


def ask_on(due_on: date, lead_days: int) -> date:
    """The day evidence owners are asked for a checkpoint's evidence."""
    return due_on - timedelta(days=lead_days)


def checkpoints_to_ask(checkpoints: Iterable[CheckpointState], today: date, lead_days: int) -> list[int]:
    """Numbers of the checkpoints whose owners should have been asked by ``today``: not yet recorded and
    inside their asking window (a checkpoint left unrecorded past its date still wants its evidence)."""
    return sorted(c.number for c in checkpoints if not c.recorded and ask_on(c.due_on, lead_days) <= today)


def evidence_due_on(checkpoint_due: date, asked_on: date, min_days: int) -> date:
    """When an owner's evidence is due: by the checkpoint, but never sooner than ``min_days`` after asking."""
    return max(checkpoint_due, asked_on + timedelta(days=min_days))


class RequestState(StrEnum):
    WAITING = "waiting"  # asked, not yet due
    OVERDUE = "overdue"  # past its due day with no answer
    EVIDENCE = "evidence"  # answered with evidence
    NOTHING = "nothing"  # answered: nothing this time
    UNANSWERED = "unanswered"  # the checkpoint was recorded without an answer


@dataclass(frozen=True)
class RequestStatus:
    state: RequestState
    days_overdue: int = 0

    @property
    def words(self) -> str:
        return {
            RequestState.WAITING: "Waiting",
            RequestState.OVERDUE: f"Overdue by {self.days_overdue} day{'' if self.days_overdue == 1 else 's'}",
            RequestState.EVIDENCE: "Evidence given",
            RequestState.NOTHING: "Nothing this time",
            RequestState.UNANSWERED: "No answer",
        }[self.state]


def request_status(
    *, due_on: date, answered: bool, items: int, checkpoint_recorded: bool, today: date
) -> RequestStatus:
    """Where one request stands. Answered with no evidence of the owner's at that checkpoint means they
    said there was nothing this time; a recorded checkpoint stops the clock."""
    if answered:
        return RequestStatus(RequestState.EVIDENCE if items > 0 else RequestState.NOTHING)
    if checkpoint_recorded:
        return RequestStatus(RequestState.UNANSWERED)
    if today > due_on:
        return RequestStatus(RequestState.OVERDUE, (today - due_on).days)
    return RequestStatus(RequestState.WAITING)


def chase_starts_on(due_on: date) -> date:
    """The chase's clock starts the first day a request is overdue."""
    return due_on + timedelta(days=1)


# ---- evidence ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class EvidenceFields:
    """One piece of evidence as a person gave it."""

    type: str
    summary: str
    value: float | None = None
    unit: str = ""
    participants: int | None = None


_OUT_OF = re.compile(r"^(?:out of|/)\s*(\d+)$")
_PERCENT = frozenset({"%", "percent", "per cent", "percentage"})


def normalise_unit(unit: str) -> str:
    """A unit as stored: "%" for a percentage, "out of N" for a score, otherwise as written (trimmed)."""
    text = " ".join(unit.split())
    if text.lower() in _PERCENT:
        return "%"
    m = _OUT_OF.match(text.lower())
    return f"out of {int(m.group(1))}" if m else text


def scale_of(unit: str) -> tuple[float, float] | None:
    """The range a figure in ``unit`` must lie in: 0-100 for a percentage, 0-N for a score out of N."""
    unit = normalise_unit(unit)
    if unit == "%":
        return (0.0, 100.0)
    m = _OUT_OF.match(unit)
    return (0.0, float(m.group(1))) if m else None


def _number(value: float) -> str:
    return f"{value:g}" if abs(value) < 1e15 else f"{value:.3e}"


def check_evidence(f: EvidenceFields) -> tuple[EvidenceFields, list[Problem]]:
    """The evidence tidied (summary trimmed, unit normalised) and every problem with it, by field."""
    problems: list[Problem] = []
    summary, unit = f.summary.strip(), normalise_unit(f.unit)
    tidy = EvidenceFields(f.type, summary, f.value, unit, f.participants)
    if f.type not in set(EvidenceType):
        names = ", ".join(t.value for t in EvidenceType)
        problems.append(("type", f"{f.type!r} is not a type of evidence; choose one of {names}"))
    if not summary:
        problems.append(("summary", "say what the evidence is (for a quote or story, the words themselves)"))
    elif len(summary) > MAX_SUMMARY:
        problems.append(("summary", f"must be {MAX_SUMMARY:,} characters or fewer"))
    if len(unit) > MAX_UNIT:
        problems.append(("unit", f"must be {MAX_UNIT} characters or fewer"))
    if f.participants is not None and f.participants < 0:
        problems.append(("participants", "cannot be negative"))
    elif f.participants is not None and f.participants > MAX_PARTICIPANTS:
        problems.append(("participants", f"must be {MAX_PARTICIPANTS:,} or fewer"))
    if f.value is not None and not math.isfinite(f.value):
        problems.append(("value", "must be a number"))
    if f.type in set(EvidenceType):
        problems += _type_problems(EvidenceType(f.type), tidy)
    return tidy, problems


def _type_problems(kind: EvidenceType, f: EvidenceFields) -> list[Problem]:
    if kind in WORDS_ONLY:
        given = {"value": f.value is not None, "unit": bool(f.unit), "participants": f.participants is not None}
        return [(name, f"a {kind.value} carries no figure; leave {name} empty") for name, g in given.items() if g]
    problems: list[Problem] = []
    if kind is EvidenceType.ATTENDANCE:
        if f.participants is None:
            problems.append(("participants", "say how many people attended"))
        if f.value is not None:
            problems.append(("value", "attendance is counted in participants; leave value empty"))
        return problems
    scale = scale_of(f.unit)
    if kind in SCORED:
        what = "score" if kind is EvidenceType.REACTION else "result of the learning check"
        if f.value is None:
            problems.append(("value", f"give the {what}: a percentage or a score out of N"))
        if scale is None:
            problems.append(("unit", f'give the {what}\'s scale: % or "out of N" (N from 2 to {MAX_SCALE})'))
        elif scale[1] < 2 or scale[1] > MAX_SCALE:
            problems.append(("unit", f"a score's scale is out of 2 to out of {MAX_SCALE}"))
        if f.participants is None or f.participants == 0:
            problems.append(("participants", f"say how many people the {what} covers (at least 1)"))
    elif f.value is not None and not f.unit:
        problems.append(("unit", "say what the figure counts (%, out of N, complaints a month ...)"))
    if scale is not None and f.value is not None and math.isfinite(f.value) and not scale[0] <= f.value <= scale[1]:
        low, high = (_number(x) for x in scale)
        shown = "a percentage" if f.unit == "%" else f"a score {f.unit}"
        problems.append(("value", f"{_number(f.value)} is outside its scale: {shown} is from {low} to {high}"))
    return problems


# ---- the formative report's evidence summary -------------------------------------------------------------


@dataclass(frozen=True)
class TypeSummary:
    type: EvidenceType
    items: int
    participants: int  # summed over items that gave a number
    figures: tuple[str, ...]  # weighted means per scale, e.g. "mean 4.3 out of 5 (58 people)"

    @property
    def label(self) -> str:
        return self.type.label

    @property
    def level(self) -> int | None:
        return self.type.level


@dataclass(frozen=True)
class EvidenceSummary:
    rows: tuple[TypeSummary, ...]

    @property
    def items(self) -> int:
        return sum(r.items for r in self.rows)

    @property
    def levels(self) -> tuple[int, ...]:
        """Kirkpatrick levels with at least one piece of evidence."""
        return tuple(sorted({r.level for r in self.rows if r.level is not None}))

    @property
    def attendance(self) -> int:
        return sum(r.participants for r in self.rows if r.type is EvidenceType.ATTENDANCE)


def format_figure(value: float, unit: str) -> str:
    """A figure as people read it: 85%, 4.3 out of 5, 12 complaints a month."""
    shown = f"{value:.1f}".removesuffix(".0") if abs(value) < 1e15 else _number(value)
    return f"{shown}%" if unit == "%" else f"{shown} {unit}".strip()


def summarise_evidence(items: Iterable[EvidenceFields]) -> EvidenceSummary:
    """Evidence by type (in the types' order): how many pieces, people covered, and for scored types the
    participant-weighted mean per scale (a score out of 5 is never averaged with a percentage)."""
    counts: dict[EvidenceType, int] = defaultdict(int)
    people: dict[EvidenceType, int] = defaultdict(int)
    weighted: dict[tuple[EvidenceType, str], list[tuple[float, int]]] = defaultdict(list)
    for item in items:
        kind = EvidenceType(item.type)
        counts[kind] += 1
        people[kind] += item.participants or 0
        if item.value is not None and scale_of(item.unit) is not None:
            weighted[(kind, item.unit)].append((item.value, max(item.participants or 0, 1)))
    rows = []
    for kind in EvidenceType:
        if not counts[kind]:
            continue
        figures = []
        for (k, unit), pairs in sorted(weighted.items(), key=lambda kv: kv[0][1]):
            if k is kind:
                total = sum(w for _, w in pairs)
                mean = sum(v * w for v, w in pairs) / total
                figures.append(f"mean {format_figure(mean, unit)} ({_people(pairs)})")
        rows.append(TypeSummary(kind, counts[kind], people[kind], tuple(figures)))
    return EvidenceSummary(tuple(rows))


def _people(pairs: Sequence[tuple[float, int]]) -> str:
    n = sum(w for _, w in pairs)
    pieces = f"{len(pairs)} piece{'' if len(pairs) == 1 else 's'} of evidence"
    return f"{pieces}, {n} {'person' if n == 1 else 'people'}"
