"""Return on expectations: each stakeholder's expectation judged met, partly met or not met on a chain
of evidence up the Kirkpatrick levels (1 reaction, 2 learning, 3 behaviour, 4 results).

An expectation at level L is about change at L; the chain asks for evidence at every level from 1 up
to L, because a result nobody can connect to what people learned and did differently is not a return on
the learning (Kirkpatrick's "chain of evidence"). The rules here say what a judgement needs and sum
the register up; people make the judgement.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import IntEnum

from plans.domain.facts import Judgement


class Level(IntEnum):
    REACTION = 1
    LEARNING = 2
    BEHAVIOUR = 3
    RESULTS = 4

    @property
    def label(self) -> str:
        return self.name.capitalize()


@dataclass(frozen=True)
class Chain:
    """The evidence behind one expectation: the levels it needs and those with evidence."""

    level: Level
    evidenced: frozenset[Level]

    @property
    def needed(self) -> tuple[Level, ...]:
        return tuple(lv for lv in Level if lv <= self.level)

    @property
    def gaps(self) -> tuple[Level, ...]:
        return tuple(lv for lv in self.needed if lv not in self.evidenced)

    @property
    def complete(self) -> bool:
        return not self.gaps


def chain(level: int, evidence_levels: Iterable[int]) -> Chain:
    """The chain of evidence for an expectation at ``level`` given the levels its evidence sits at
    (evidence above the expectation's level is kept but not needed)."""
    return Chain(Level(level), frozenset(Level(x) for x in evidence_levels))


def judgement_problem(judgement: Judgement, c: Chain) -> str | None:
    """Why the evidence cannot carry ``judgement``, or None. "Met" needs the whole chain; "partly met"
    needs evidence at some level; "not met" needs none (absence of evidence is itself a finding)."""
    if judgement is Judgement.MET and not c.complete:
        missing = ", ".join(f"{lv.value} ({lv.label.lower()})" for lv in c.gaps)
        return f"judging it met needs evidence at every level up to {c.level.value}; none yet at level {missing}"
    if judgement is Judgement.PARTLY_MET and not c.evidenced:
        return "judging it partly met needs some evidence; none is linked to this expectation"
    return None


@dataclass(frozen=True)
class RegisterSummary:
    total: int
    judged: int
    by_judgement: dict[Judgement, int]
    by_level: dict[Level, int]
    complete_chains: int

    @property
    def unjudged(self) -> int:
        return self.total - self.judged


def summarise(rows: Sequence[tuple[int, Judgement | None, Chain]]) -> RegisterSummary:
    """The register in figures: ``rows`` are (level, judgement, chain) per expectation."""
    judged = Counter(j for _, j, _ in rows if j is not None)
    return RegisterSummary(
        total=len(rows),
        judged=sum(judged.values()),
        by_judgement={j: judged.get(j, 0) for j in Judgement},
        by_level={lv: sum(1 for level, _, _ in rows if level == lv) for lv in Level},
        complete_chains=sum(1 for _, _, c in rows if c.complete),
    )
