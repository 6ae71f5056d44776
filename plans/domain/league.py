"""The survey league table: teams ranked by response rate, as a pure rule.

A team's rate is responses / eligible headcount, compared exactly (as a fraction), so two teams with the
same rate (3 of 6 and 5 of 10) share a rank and are then listed by name. Ranks are standard competition
ranks ("1, 2, 2, 4"): a team's rank is one more than the number of teams strictly ahead of it. Teams with
nobody eligible have no rate and are left out. Each standing says whether the team is at or above the
survey's target, whether the reward rule recognises it, and whether it is named (the chasing ladder
decides who is named; this rule only marks them).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from fractions import Fraction

from plans.domain.chasing_config import Reward


@dataclass(frozen=True)
class Entry:
    """A team's counts for one survey."""

    team_id: int
    name: str
    responses: int
    eligible: int


@dataclass(frozen=True)
class Standing:
    """A team's place in the league table."""

    rank: int
    team_id: int
    name: str
    responses: int
    eligible: int
    rate: float
    at_target: bool
    rewarded: bool
    named: bool

    @property
    def below_target(self) -> bool:
        """Below the survey's target (the teams the ladder chases)."""
        return not self.at_target


def _as_fraction(rate: float) -> tuple[int, int]:
    """A configured rate as the decimal written (0.1 means one in ten), not its nearest binary float."""
    exact = Fraction(repr(rate))
    return exact.numerator, exact.denominator


def meets(responses: int, eligible: int, rate: float) -> bool:
    """Whether responses / eligible reaches ``rate``, exactly."""
    num, den = _as_fraction(rate)
    return eligible > 0 and responses * den >= num * eligible


def rank(
    entries: Iterable[Entry], *, target: float, reward: Reward, named: frozenset[int] = frozenset()
) -> list[Standing]:
    """The league table: highest rate first, ties sharing a rank and then ordered by name (then id)."""
    counted = [e for e in entries if e.eligible > 0]
    # sorting on the float rate is exact here: two different fractions with denominators below 10**7
    # differ by more than 10**-14, far above a float's rounding, and equal fractions give equal floats.
    # (Fraction keys measured 0.8 s for 60,000 teams; floats and integer cross-products ~0.1 s.)
    ordered = sorted(counted, key=lambda e: (-(e.responses / e.eligible), e.name, e.team_id))
    t_num, t_den = _as_fraction(target)
    r_num, r_den = _as_fraction(reward.at_rate)
    out: list[Standing] = []
    place = 0
    before: Entry | None = None
    for position, e in enumerate(ordered, start=1):
        if before is None or e.responses * before.eligible != before.responses * e.eligible:
            place = position
        before = e
        out.append(
            Standing(
                rank=place,
                team_id=e.team_id,
                name=e.name,
                responses=e.responses,
                eligible=e.eligible,
                rate=e.responses / e.eligible,
                at_target=e.responses * t_den >= t_num * e.eligible,
                rewarded=e.eligible >= reward.min_eligible and e.responses * r_den >= r_num * e.eligible,
                named=e.team_id in named,
            )
        )
    return out
