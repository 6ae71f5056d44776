"""The ladder of co-production (after Arnstein's ladder of participation, as the Think Local Act
Personal ladder puts it for health and care): from doing *to* people to doing *with* them."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Literal

from plans.domain.errors import InvalidInput, StageLocked
from plans.domain.stages import ORDER, Stage


class Rung(StrEnum):
    INFORMING = "informing"
    CONSULTATION = "consultation"
    ENGAGEMENT = "engagement"
    CO_DESIGN = "co_design"
    CO_PRODUCTION = "co_production"

    @property
    def label(self) -> str:
        return _LABELS[self]

    @property
    def height(self) -> int:
        """1 (informing) to 5 (co-production): how far up the ladder."""
        return list(Rung).index(self) + 1

    @property
    def meaning(self) -> str:
        return _MEANINGS[self]

    @property
    def doing(self) -> Doing:
        """Whether a stage on this rung was done "to", "for" or "with" people."""
        return _DOING[self]


_LABELS = {
    Rung.INFORMING: "Informing",
    Rung.CONSULTATION: "Consultation",
    Rung.ENGAGEMENT: "Engagement",
    Rung.CO_DESIGN: "Co-design",
    Rung.CO_PRODUCTION: "Co-production",
}

_MEANINGS = {
    Rung.INFORMING: "people were told what was decided (done to them)",
    Rung.CONSULTATION: "people were asked for views; decisions were made elsewhere (done to them)",
    Rung.ENGAGEMENT: "people were involved in discussion and could influence the outcome (done for them)",
    Rung.CO_DESIGN: "people shaped the design alongside staff, decisions mostly shared (done with them)",
    Rung.CO_PRODUCTION: "people and staff shared power and decisions as equals throughout (done with them)",
}


# ---- a plan's ladder: the rules for recording a rung and the summary of its records ---------------

Doing = Literal["to", "for", "with"]
DOINGS: tuple[Doing, ...] = ("to", "for", "with")

# the two lowest rungs do things *to* people, engagement *for* them, the top two *with* them
_DOING: dict[Rung, Doing] = {
    Rung.INFORMING: "to",
    Rung.CONSULTATION: "to",
    Rung.ENGAGEMENT: "for",
    Rung.CO_DESIGN: "with",
    Rung.CO_PRODUCTION: "with",
}

# every stage where people do work together; a closed plan has nothing left to judge
LADDER_STAGES: tuple[Stage, ...] = tuple(s for s in ORDER if s is not Stage.CLOSED)
MIN_NOTE = 15  # as for a gate override: enough for a sentence that says why
MAX_NOTE = 2000


class LadderProblems(InvalidInput):
    """A record refused with every problem at once; ``problems`` holds (field, sentence) pairs, in
    the form's order, so a page can put each message by its field."""

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        self.problems = tuple(problems)
        super().__init__("; ".join(f"{name}: {text}" for name, text in self.problems))


@dataclass(frozen=True)
class Rating:
    """One record as the rules read it; ``seq`` orders records made at the same instant (the row id)."""

    seq: int
    stage: Stage
    rung: Rung
    note: str
    recorded_at: datetime
    recorded_by: str
    plan_version: int

    @property
    def doing(self) -> Doing:
        return self.rung.doing


@dataclass(frozen=True)
class StageRung:
    """One stage of the plan on the ladder: the record that stands (the latest) and every record,
    newest first. ``reached`` is False for a stage the plan has not got to yet."""

    stage: Stage
    reached: bool
    history: tuple[Rating, ...]

    @property
    def latest(self) -> Rating | None:
        return self.history[0] if self.history else None


@dataclass(frozen=True)
class LadderSummary:
    """A plan's ladder: every stage in lifecycle order, the lowest and highest standing rungs, which
    stages were done to, for or with people, and the reached stages nobody has recorded yet."""

    stages: tuple[StageRung, ...]
    lowest: Rung | None
    highest: Rung | None
    by_doing: dict[Doing, tuple[Stage, ...]]
    unrecorded: tuple[Stage, ...]

    @property
    def recorded(self) -> int:
        """How many stages have a standing record."""
        return sum(1 for s in self.stages if s.latest is not None)


def reached_stages(current: Stage, entered: Iterable[Stage] = ()) -> tuple[Stage, ...]:
    """The ladder stages a plan in ``current`` has reached or passed, in lifecycle order. ``entered``
    adds stages from its history: a plan sent back from sign-off to recommendations has still been
    through sign-off."""
    upto = ORDER.index(current)
    been = set(entered)
    return tuple(s for s in LADDER_STAGES if ORDER.index(s) <= upto or s in been)


def _parse_stage(text: str, reached: tuple[Stage, ...], current: Stage) -> tuple[Stage | None, str | None]:
    value = text.strip()
    names = ", ".join(s.value for s in reached)
    try:
        stage = Stage(value)
    except ValueError:
        stage = None
    if stage is None or stage not in LADDER_STAGES:
        allowed = ", ".join(s.value for s in LADDER_STAGES)
        what = f"{value!r} is not a stage of the plan" if value else "no stage was given"
        return None, f"{what}: choose one of {allowed}"
    if stage not in reached:
        return None, (
            f"the plan has not reached {stage.label.lower()} yet (it is in {current.label.lower()}), "
            f"so choose a stage it has reached: {names}"
        )
    return stage, None


def _parse_rung(text: str) -> tuple[Rung | None, str | None]:
    value = text.strip()
    try:
        return Rung(value), None
    except ValueError:
        allowed = ", ".join(f"{r.value} ({r.label})" for r in Rung)
        what = f"{value!r} is not a rung of the ladder" if value else "no rung was given"
        return None, f"{what}: choose one of {allowed}"


def note_problem(note: str) -> str | None:
    """What is wrong with a note, or None when it says why in words (runs of spaces count as one)."""
    text, words = note.strip(), " ".join(note.split())
    if not words:
        return "say why the stage sat on this rung: a note is required"
    if len(words) < MIN_NOTE or not any(c.isalpha() for c in words):
        return f"say why in words (at least {MIN_NOTE} characters; this has {len(words)})"
    if len(text) > MAX_NOTE:
        return f"the note must be {MAX_NOTE:,} characters or fewer (it has {len(text):,})"
    return None


def check_record(
    *, stage: str, rung: str, note: str, current: Stage, entered: Iterable[Stage] = ()
) -> tuple[Stage, Rung, str]:
    """The stage, rung and note of a record as given, checked: a stage the plan has reached, a rung of
    the ladder, a note that says why. Every problem is reported at once (``LadderProblems``)."""
    if current is Stage.CLOSED:
        raise StageLocked("the plan is closed, so its ladder can no longer be changed")
    problems: list[tuple[str, str]] = []
    found_stage, stage_problem = _parse_stage(stage, reached_stages(current, entered), current)
    found_rung, rung_problem = _parse_rung(rung)
    for name, problem in (("stage", stage_problem), ("rung", rung_problem), ("note", note_problem(note))):
        if problem is not None:
            problems.append((name, problem))
    if problems:
        raise LadderProblems(problems)
    assert found_stage is not None and found_rung is not None
    return found_stage, found_rung, note.strip()


def summarise(ratings: Iterable[Rating], *, current: Stage, entered: Iterable[Stage] = ()) -> LadderSummary:
    """The plan's ladder from its records: per stage the latest record stands (by time, then ``seq``),
    the rest are its history."""
    reached = set(reached_stages(current, entered))
    by_stage: dict[Stage, list[Rating]] = {s: [] for s in LADDER_STAGES}
    for r in ratings:
        if r.stage in by_stage:  # the check never lets a record name a closed plan's "stage"
            by_stage[r.stage].append(r)
    stages = tuple(
        StageRung(
            stage=s,
            reached=s in reached,
            history=tuple(sorted(by_stage[s], key=lambda r: (r.recorded_at, r.seq), reverse=True)),
        )
        for s in LADDER_STAGES
    )
    standing = [s.latest for s in stages if s.latest is not None]
    rungs = [r.rung for r in standing]
    return LadderSummary(
        stages=stages,
        lowest=min(rungs, key=lambda r: r.height) if rungs else None,
        highest=max(rungs, key=lambda r: r.height) if rungs else None,
        by_doing={d: tuple(r.stage for r in standing if r.doing == d) for d in DOINGS},
        unrecorded=tuple(s.stage for s in stages if s.reached and s.latest is None),
    )
