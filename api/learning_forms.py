"""Reading the learning plan's forms (aims, one objective with its activities) into the documents the
service checks, and putting the service's problems back beside the boxes they are about.

The service names a problem by its path in the whole document (``objectives[2].activities[0].ends_on``);
a page shows one part of it, so each path is turned into the id of the box on the page and a sentence
that says which box, in the NHS words ("Enter how the change will be measured"). A date typed that is
not a date is a problem of the form itself; it is read as missing, so the service still checks the
rest and the person sees every problem at once.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from starlette.datastructures import FormData

from plans.domain.learning_plan import Problem
from plans.models import ActivityKind
from plans.schemas_learning import ActivityIn, AimIn, ObjectiveIn

BLANK_ACTIVITIES = 1
DATE_PARTS = ("day", "month", "year")
REAL_DATE = "Enter a real date, for example 31 3 2027"
WHOLE_NUMBER = "Enter the number of places as a whole number, for example 20"
# what to ask for when the service says a box is required, by the name at the end of its path
ASK = {
    "aim": "Select the aim this objective serves",
    "text": "Enter what will change",
    "measure": "Enter how the change will be measured",
    "baseline": "Enter the baseline: where things stand now",
    "target": "Enter the target",
    "owner_id": "Select who owns the objective",
    "due_on": "Enter the date the objective is due",
    "recommendation_ids": "Select at least one recommendation this objective delivers",
    "title": "Enter a title",
    "kind": "Select whether it builds skills, knowledge or experience",
    "format": "Enter the format, for example workshop or e-learning",
    "audience": "Enter who it is for",
    "starts_on": "Enter the date it starts",
    "ends_on": "Enter the date it ends",
    "capacity": "Enter how many places it has",
}
LABELS = {
    "aim": "Aim",
    "text": "What will change",
    "measure": "Measure",
    "baseline": "Baseline",
    "target": "Target",
    "owner_id": "Owner",
    "due_on": "Due date",
    "recommendation_ids": "Recommendations",
    "title": "Title",
    "kind": "What it builds",
    "format": "Format",
    "audience": "Audience",
    "starts_on": "Start date",
    "ends_on": "End date",
    "capacity": "Places",
    "id": "Objective",
}
_ACTIVITY = re.compile(r"activities\[(\d+)\]\.(\w+)$")


@dataclass
class FormErrors:
    """Problems for the NHS error summary (``href``, ``text``) and the same by box id, in page order."""

    summary: list[dict[str, str]] = field(default_factory=list)

    def add(self, box: str, text: str) -> None:
        if not any(e["href"] == f"#{box}" for e in self.summary):
            self.summary.append({"href": f"#{box}", "text": text})

    @property
    def by_box(self) -> dict[str, str]:
        return {e["href"].removeprefix("#"): e["text"] for e in self.summary}


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


def read_date(form: FormData, name: str) -> tuple[date | None, dict[str, str], bool]:
    """The date typed into the three boxes ``name[day]``, ``[month]``, ``[year]``: (the date or None,
    what was typed, whether what was typed is not a date)."""
    typed = {part: str(form.get(f"{name}[{part}]") or "").strip() for part in DATE_PARTS}
    if not any(typed.values()):
        return None, typed, False
    try:
        return date(int(typed["year"]), int(typed["month"]), int(typed["day"])), typed, False
    except ValueError:
        return None, typed, True


# ------------------------------------------------------------------ aims


@dataclass
class AimsForm:
    aims: list[AimIn]
    rows: list[dict[str, str]]  # every row as typed, for the page again
    row_of: list[int]  # the row each aim came from


def read_aims(form: FormData) -> AimsForm:
    """The aims' rows; a row left empty is dropped (an aim with an id dropped is removed)."""
    ids, titles, descriptions = (form.getlist(f"aim-{name}") for name in ("id", "title", "description"))
    rows, aims, row_of = [], [], []
    for index, title in enumerate(titles):
        aim_id = str(ids[index]) if index < len(ids) else ""
        description = str(descriptions[index]) if index < len(descriptions) else ""
        rows.append({"id": aim_id, "title": str(title), "description": description})
        if not str(title).strip() and not description.strip():
            continue
        aims.append(AimIn(id=int(aim_id) if aim_id.isdigit() else None, title=str(title), description=description))
        row_of.append(index)
    return AimsForm(aims, rows, row_of)


def aim_errors(problems: Sequence[Problem], parsed: AimsForm) -> FormErrors:
    errors = FormErrors()
    for p in problems:
        match = re.match(r"aims\[(\d+)\]\.(\w+)$", p.path)
        if match is None:  # an aim left out that still has objectives
            errors.add("aim-0-title", _sentence(p.message))
            continue
        row = parsed.row_of[int(match.group(1))] if int(match.group(1)) < len(parsed.row_of) else 0
        text = f"Aim {row + 1} needs a title" if p.message == "required" else f"Aim {row + 1}: {p.message}"
        errors.add(f"aim-{row}-title", text)
    return errors


# ------------------------------------------------------------------ one objective


@dataclass
class ObjectiveForm:
    objective: ObjectiveIn
    values: dict[str, Any]  # what was typed, by box, for the page again
    activities: list[dict[str, Any]]  # each activity row as typed
    row_of: list[int]  # the row each activity came from
    errors: FormErrors  # problems of the form itself (dates that are not dates, places not a number)


def _int(text: str) -> int | None:
    text = text.strip()
    return int(text) if re.fullmatch(r"-?\d{1,10}", text) else None


def _activity(form: FormData, j: int, errors: FormErrors) -> tuple[dict[str, Any], ActivityIn | None]:
    at = f"activity-{j}"
    row: dict[str, Any] = {
        name: str(form.get(f"{at}-{name}") or "") for name in ("id", "title", "kind", "format", "audience", "capacity")
    }
    starts, row["starts_on"], bad_start = read_date(form, f"{at}-starts_on")
    ends, row["ends_on"], bad_end = read_date(form, f"{at}-ends_on")
    typed = [row[n].strip() for n in ("title", "kind", "format", "audience", "capacity")]
    if not any(typed) and not any(row["starts_on"].values()) and not any(row["ends_on"].values()):
        return row, None
    if bad_start:
        errors.add(f"{at}-starts_on-day", f"Activity {j + 1}, start date: {REAL_DATE}")
    if bad_end:
        errors.add(f"{at}-ends_on-day", f"Activity {j + 1}, end date: {REAL_DATE}")
    capacity = _int(row["capacity"])
    if row["capacity"].strip() and capacity is None:
        errors.add(f"{at}-capacity", f"Activity {j + 1}: {WHOLE_NUMBER}")
    kind = row["kind"] if row["kind"] in {k.value for k in ActivityKind} else None
    activity = ActivityIn(
        id=_int(row["id"]),
        title=row["title"][:300],
        kind=ActivityKind(kind) if kind else None,
        format=row["format"][:100],
        audience=row["audience"][:200],
        starts_on=starts,
        ends_on=ends,
        capacity=capacity if capacity is not None and abs(capacity) < 2**31 else None,
    )
    return row, activity


def read_objective(form: FormData) -> ObjectiveForm:
    """One objective with its activities as typed; an activity row left empty is dropped."""
    errors = FormErrors()
    values: dict[str, Any] = {
        name: str(form.get(name) or "")
        for name in ("objective_id", "aim", "text", "measure", "baseline", "target", "owner_id")
    }
    due, values["due_on"], bad_due = read_date(form, "due_on")
    if bad_due:
        errors.add("due_on-day", f"Due date: {REAL_DATE}")
    values["recommendation_ids"] = [str(v) for v in form.getlist("recommendation_ids")]
    rows, activities, row_of = [], [], []
    j = 0
    while f"activity-{j}-title" in form:
        row, activity = _activity(form, j, errors)
        rows.append(row)
        if activity is not None:
            activities.append(activity)
            row_of.append(j)
        j += 1
    objective = ObjectiveIn(
        id=_int(values["objective_id"]),
        aim=_int(values["aim"]),
        text=values["text"][:4000],
        measure=values["measure"][:4000],
        baseline=values["baseline"][:200],
        target=values["target"][:200],
        owner_id=_int(values["owner_id"]),
        due_on=due,
        recommendation_ids=[int(v) for v in values["recommendation_ids"] if v.isdigit()][:200],
        activities=activities,
    )
    return ObjectiveForm(objective, values, rows, row_of, errors)


def _box(name: str, prefix: str = "") -> str:
    """The id of the box a field's problem points at (a date's day box, a radio group's first option)."""
    box = f"{prefix}{name}"
    return f"{box}-day" if name in ("due_on", "starts_on", "ends_on") else box


def objective_errors(problems: Sequence[Problem], index: int, parsed: ObjectiveForm) -> FormErrors:
    """The service's problems of the objective at ``index`` of the document, by box, after the form's
    own; a problem elsewhere in the document (another objective) is shown in the summary by its path."""
    errors = FormErrors(list(parsed.errors.summary))
    own = f"objectives[{index}]."
    for p in problems:
        if not p.path.startswith(own):  # another objective, changed since it was saved (its owner left)
            other = re.match(r"objectives\[(\d+)\]\.(\w+)", p.path)
            what = f"objective {int(other.group(1)) + 1}, {LABELS.get(other.group(2), other.group(2))}" if other else ""
            errors.add("text", f"Another part of the plan needs changing first ({what or p.path}): {p.message}")
            continue
        rest = p.path.removeprefix(own)
        required = p.message.startswith("required")
        if (match := _ACTIVITY.match(rest)) is not None:
            j = parsed.row_of[int(match.group(1))]
            name = match.group(2)
            what = ASK.get(name, "") if required else f"{LABELS.get(name, name)}: {p.message}"
            errors.add(_box(name, f"activity-{j}-"), f"Activity {j + 1}: {_sentence(what)}")
            continue
        if rest == "id":
            errors.add("text", "This objective is no longer in the plan: it may have been removed meanwhile")
            continue
        text = ASK.get(rest, p.message) if required else f"{LABELS.get(rest, rest)}: {p.message}"
        errors.add(_box(rest), _sentence(text))
    return errors
