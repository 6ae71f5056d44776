"""The learning and development plan's rules, pure: what makes an objective SMART, an activity
plannable, and a whole plan document acceptable.

The plan runs for 12 months from its start (``plan_year``); an objective is due, and an activity takes
place, inside them. An objective says what will change (text), how it is measured, from what baseline
to what target, who owns it (a person of the plan) and which recommendation(s) it delivers, so every
objective can be traced back to its evidence. Every problem of a document is reported at once, each
naming its field as a client wrote it (``objectives[2].due_on``), so a coordinator fixes them in one go.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from plans.domain.calendar import add_months
from plans.domain.errors import InvalidInput

PLAN_MONTHS = 12
ACTIVITY_KINDS = ("skills", "knowledge", "experience")
MAX_CAPACITY = 100_000
REQUIRED = "required"


@dataclass(frozen=True)
class PlanYear:
    """The plan's 12 months: ``first`` and ``last`` are both days of the plan."""

    first: date
    last: date

    def where(self, day: date) -> str | None:
        """Why ``day`` is outside the 12 months, or None when it is inside."""
        if day < self.first:
            return f"{day.isoformat()} is before the plan's 12 months start on {self.first.isoformat()}"
        if day > self.last:
            return f"{day.isoformat()} is after the plan's 12 months end on {self.last.isoformat()}"
        return None


def plan_year(starts_on: date) -> PlanYear:
    """From the start day up to the day before the same day 12 months on (clamped to a month's end)."""
    return PlanYear(starts_on, add_months(starts_on, PLAN_MONTHS) - timedelta(days=1))


@dataclass(frozen=True)
class AimDraft:
    id: int | None
    title: str
    description: str = ""


@dataclass(frozen=True)
class ActivityDraft:
    id: int | None
    title: str
    kind: str | None
    format: str
    audience: str
    starts_on: date | None
    ends_on: date | None
    capacity: int | None


@dataclass(frozen=True)
class ObjectiveDraft:
    """``aim`` is the position of its aim in the document's aims (new aims have no id yet)."""

    id: int | None
    aim: int | None
    text: str
    measure: str
    baseline: str
    target: str
    owner_id: int | None
    due_on: date | None
    recommendation_ids: tuple[int, ...] = ()
    activities: tuple[ActivityDraft, ...] = ()


@dataclass(frozen=True)
class LearningPlanDraft:
    aims: tuple[AimDraft, ...] = ()
    objectives: tuple[ObjectiveDraft, ...] = ()


@dataclass(frozen=True)
class PlanContext:
    """What the checks need to know of the plan as stored: its 12 months, its people (who may own an
    objective), its recommendations, and the ids of the rows a document may keep."""

    year: PlanYear
    people: frozenset[int]
    recommendations: frozenset[int]
    aim_ids: frozenset[int] = frozenset()
    objective_ids: frozenset[int] = frozenset()
    activity_ids: frozenset[int] = frozenset()


@dataclass(frozen=True)
class Problem:
    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


class DocumentRefused(InvalidInput):
    """A document (the learning plan, the recommendations) with problems; nothing of it was saved.
    ``problems`` keeps each one with its field, for pages to show each beside its input."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = tuple(problems)
        super().__init__("; ".join(str(p) for p in self.problems))


@dataclass
class _Found:
    problems: list[Problem] = field(default_factory=list)

    def add(self, path: str, message: str) -> None:
        self.problems.append(Problem(path, message))

    def required(self, path: str, value: str) -> None:
        if not value.strip():
            self.add(path, REQUIRED)


def _id_problems(given: Sequence[tuple[str, int | None]], stored: frozenset[int], what: str) -> dict[str, str]:
    """Kept rows name ids the plan holds, each once (a new row has no id); problems by path."""
    twice = {i for i, n in Counter(i for _, i in given if i is not None).items() if n > 1}
    out = {}
    for path, i in given:
        if i is None:
            continue
        if i not in stored:
            out[path] = f"there is no {what} {i} in this plan"
        elif i in twice:
            out[path] = f"{what} {i} is given more than once"
    return out


def objective_problems(
    index: int, o: ObjectiveDraft, aims: int, ctx: PlanContext, ids: Mapping[str, str] | None = None
) -> list[Problem]:
    """The problems of one SMART objective at position ``index`` of a document with ``aims`` aims
    (``ids``: problems of the ids the document gives, by path)."""
    found = _Found()
    ids = ids or {}
    at = f"objectives[{index}]"
    if f"{at}.id" in ids:
        found.add(f"{at}.id", ids[f"{at}.id"])
    if o.aim is None:
        found.add(f"{at}.aim", REQUIRED)
    elif not 0 <= o.aim < aims:
        found.add(f"{at}.aim", f"there is no aim {o.aim} (the plan has {aims} aim(s), numbered from 0)")
    for name in ("text", "measure", "baseline", "target"):
        found.required(f"{at}.{name}", getattr(o, name))
    if o.owner_id is None:
        found.add(f"{at}.owner_id", REQUIRED)
    elif o.owner_id not in ctx.people:
        found.add(f"{at}.owner_id", f"person {o.owner_id} is not a person of this plan")
    if o.due_on is None:
        found.add(f"{at}.due_on", REQUIRED)
    elif (outside := ctx.year.where(o.due_on)) is not None:
        found.add(f"{at}.due_on", outside)
    if not o.recommendation_ids:
        found.add(f"{at}.recommendation_ids", "required: an objective delivers at least one recommendation")
    for rec in dict.fromkeys(o.recommendation_ids):
        if rec not in ctx.recommendations:
            found.add(f"{at}.recommendation_ids", f"recommendation {rec} is not a recommendation of this plan")
    for j, activity in enumerate(o.activities):
        if f"{at}.activities[{j}].id" in ids:
            found.add(f"{at}.activities[{j}].id", ids[f"{at}.activities[{j}].id"])
        found.problems += activity_problems(f"{at}.activities[{j}]", activity, ctx.year)
    return found.problems


def activity_problems(at: str, a: ActivityDraft, year: PlanYear) -> list[Problem]:
    """The problems of one learning activity (``at`` is its path in the document)."""
    found = _Found()
    found.required(f"{at}.title", a.title)
    if a.kind is None or not a.kind.strip():
        found.add(f"{at}.kind", f"{REQUIRED}: one of {', '.join(ACTIVITY_KINDS)}")
    elif a.kind not in ACTIVITY_KINDS:
        found.add(f"{at}.kind", f"{a.kind!r} is not one of {', '.join(ACTIVITY_KINDS)}")
    found.required(f"{at}.format", a.format)
    found.required(f"{at}.audience", a.audience)
    for name in ("starts_on", "ends_on"):
        day: date | None = getattr(a, name)
        if day is None:
            found.add(f"{at}.{name}", REQUIRED)
        elif (outside := year.where(day)) is not None:
            found.add(f"{at}.{name}", outside)
    if a.starts_on is not None and a.ends_on is not None and a.ends_on < a.starts_on:
        found.add(
            f"{at}.ends_on", f"{a.ends_on.isoformat()} is before the activity starts on {a.starts_on.isoformat()}"
        )
    if a.capacity is None:
        found.add(f"{at}.capacity", REQUIRED)
    elif not 1 <= a.capacity <= MAX_CAPACITY:
        found.add(f"{at}.capacity", f"{a.capacity} places: an activity has between 1 and {MAX_CAPACITY:,} places")
    return found.problems


def document_problems(doc: LearningPlanDraft, ctx: PlanContext) -> list[Problem]:
    """Every problem of a whole learning plan document, in document order."""
    ids = _id_problems([(f"aims[{i}].id", a.id) for i, a in enumerate(doc.aims)], ctx.aim_ids, "aim")
    ids |= _id_problems(
        [(f"objectives[{i}].id", o.id) for i, o in enumerate(doc.objectives)], ctx.objective_ids, "objective"
    )
    activities = [
        (f"objectives[{i}].activities[{j}].id", a.id)
        for i, o in enumerate(doc.objectives)
        for j, a in enumerate(o.activities)
    ]
    ids |= _id_problems(activities, ctx.activity_ids, "activity")
    found = _Found()
    for i, aim in enumerate(doc.aims):
        if f"aims[{i}].id" in ids:
            found.add(f"aims[{i}].id", ids[f"aims[{i}].id"])
        found.required(f"aims[{i}].title", aim.title)
    for i, objective in enumerate(doc.objectives):
        found.problems += objective_problems(i, objective, len(doc.aims), ctx, ids)
    return found.problems


def check_document(doc: LearningPlanDraft, ctx: PlanContext) -> None:
    """Raise ``DocumentRefused`` listing every problem, or return when the document is acceptable."""
    problems = document_problems(doc, ctx)
    if problems:
        raise DocumentRefused(problems)
