"""Return on investment, the Phillips way: the money value of the benefits, each adjusted for how much
of it the programme caused (isolation) and how sure the estimate is, against the full cost.

    adjusted benefit = value x contribution% x confidence%
    ROI%             = (adjusted benefits - costs) / costs x 100
    benefit-cost ratio = adjusted benefits / costs

A benefit counts in ROI only with a stated isolation method (Phillips' guiding principle: isolate the
effect of the programme or do not claim it); one without a money value is intangible and is listed
beside the figure, never converted. Money is whole pence; percentages are 0-100. All arithmetic is on
integers and ``Fraction``s and rounds half up to the penny once, at the end, so the figures add up.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from fractions import Fraction

from plans.domain.errors import InvalidInput


class IsolationMethod(StrEnum):
    """How the programme's share of a benefit was separated from everything else that changed."""

    CONTROL_GROUP = "control_group"
    TREND_LINE = "trend_line"
    FORECASTING = "forecasting"
    PARTICIPANT_ESTIMATE = "participant_estimate"
    MANAGER_ESTIMATE = "manager_estimate"
    EXPERT_ESTIMATE = "expert_estimate"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ")


@dataclass(frozen=True)
class Benefit:
    """One benefit claimed for the plan. ``value_pence`` None makes it intangible."""

    description: str
    value_pence: int | None = None
    isolation: IsolationMethod | None = None
    contribution_pct: int = 100
    confidence_pct: int = 100


@dataclass(frozen=True)
class RoiResult:
    costs_pence: int
    benefits_pence: int  # adjusted, rounded to the penny
    net_pence: int
    roi_pct: Fraction | None  # None when nothing was spent
    benefit_cost_ratio: Fraction | None
    counted: tuple[tuple[Benefit, int], ...]  # each monetised benefit with its adjusted value
    intangible: tuple[Benefit, ...]


def benefit_problems(benefits: Sequence[Benefit]) -> list[str]:
    """Every problem with the benefits, naming the row: the field, what is wrong and what to do."""
    problems: list[str] = []
    for i, b in enumerate(benefits):
        where = f"benefits[{i}]"
        if not b.description.strip():
            problems.append(f"{where}.description: say what the benefit is")
        if b.value_pence is None:
            continue
        if b.value_pence < 0:
            problems.append(f"{where}.value: a benefit cannot be negative (record a cost in the investment ledger)")
        if b.isolation is None:
            problems.append(
                f"{where}.isolation_method: a benefit with a money value needs an isolation method "
                f"({', '.join(m.value for m in IsolationMethod)}), or leave out the value to list it as intangible"
            )
        for name, pct in (("contribution_pct", b.contribution_pct), ("confidence_pct", b.confidence_pct)):
            if not 0 <= pct <= 100:
                problems.append(f"{where}.{name}: {pct} is not a percentage from 0 to 100")
    return problems


def adjusted_value(b: Benefit) -> Fraction:
    """The benefit's value after isolation and confidence, in (fractional) pence."""
    assert b.value_pence is not None
    return Fraction(b.value_pence) * Fraction(b.contribution_pct, 100) * Fraction(b.confidence_pct, 100)


def round_pence(x: Fraction) -> int:
    """Half up, away from zero for negatives (money rounding)."""
    sign = -1 if x < 0 else 1
    return sign * int(abs(x) + Fraction(1, 2))


def roi(costs_pence: int, benefits: Sequence[Benefit]) -> RoiResult:
    """ROI of the plan; raises ``InvalidInput`` listing every bad benefit row (nothing computed)."""
    if costs_pence < 0:
        raise InvalidInput("costs: the investment cannot be negative")
    problems = benefit_problems(benefits)
    if problems:
        raise InvalidInput("; ".join(problems))
    counted = [(b, adjusted_value(b)) for b in benefits if b.value_pence is not None]
    total = sum((v for _, v in counted), Fraction(0))
    benefits_pence = round_pence(total)
    net = benefits_pence - costs_pence
    return RoiResult(
        costs_pence=costs_pence,
        benefits_pence=benefits_pence,
        net_pence=net,
        roi_pct=Fraction(net * 100, costs_pence) if costs_pence else None,
        benefit_cost_ratio=Fraction(benefits_pence, costs_pence) if costs_pence else None,
        counted=tuple((b, round_pence(v)) for b, v in counted),
        intangible=tuple(b for b in benefits if b.value_pence is None),
    )


def cost_per_participant(costs_pence: int, participants: int) -> int | None:
    """The cost of the plan per person who took part, to the penny; None with nobody counted."""
    if participants < 0:
        raise InvalidInput("participants: cannot be negative")
    return round_pence(Fraction(costs_pence, participants)) if participants else None


def format_pct(x: Fraction | None, places: int = 1) -> str:
    """ "125.0%" (or "not defined" when nothing was spent)."""
    return "not defined (nothing was spent)" if x is None else f"{float(x):,.{places}f}%"
