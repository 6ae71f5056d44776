"""Reading the recommendations page's form, and putting the service's problems beside their boxes.

Each row carries the id of the recommendation it edits (hidden), so an edit keeps the recommendation
and the objectives delivering it; its evidence is the workshop themes and survey findings ticked for
it (``evidence-<row>``), cited by ref. A row left empty is dropped: a recommendation removed.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError
from starlette.datastructures import FormData

from plans.domain.learning_plan import Problem
from plans.schemas import RecommendationIn


@dataclass
class RecommendationsForm:
    items: list[RecommendationIn]
    rows: list[dict[str, Any]]  # every row as typed: id, title, detail, evidence (refs ticked)
    row_of: list[int]  # the row each item came from
    problems: list[Problem] = field(default_factory=list)  # the form's own, by item path


def read_recommendations(form: FormData) -> RecommendationsForm:
    ids, titles, details = (form.getlist(name) for name in ("rec-id", "title", "detail"))
    parsed = RecommendationsForm([], [], [])
    for index, title in enumerate(str(t) for t in titles):
        rec_id = str(ids[index]) if index < len(ids) else ""
        detail = str(details[index]) if index < len(details) else ""
        refs = list(dict.fromkeys(str(r) for r in form.getlist(f"evidence-{index}")))
        parsed.rows.append({"id": rec_id, "title": title, "detail": detail, "evidence": refs})
        if not title.strip() and not detail.strip() and not refs:
            continue
        at = f"recommendations[{len(parsed.items)}]"
        parsed.row_of.append(index)
        if not title.strip():
            parsed.problems.append(Problem(f"{at}.title", "required"))
        chosen = int(rec_id) if rec_id.isdigit() and len(rec_id) < 10 else None
        try:
            item = RecommendationIn(id=chosen, title=title.strip() or "-", detail=detail, evidence=refs)
        except ValidationError as exc:
            for error in exc.errors():
                parsed.problems.append(Problem(f"{at}.{error['loc'][0]}", error["msg"].removeprefix("Value error, ")))
            item = RecommendationIn(id=chosen, title=title.strip()[:300] or "-", detail=detail)
        parsed.items.append(item)
    return parsed


def in_row_order(problems: Sequence[Problem]) -> list[Problem]:
    """Problems by the row they are about (a row's own in the order found)."""

    def row(p: Problem) -> int:
        match = re.match(r"recommendations\[(\d+)\]", p.path)
        return int(match.group(1)) if match else -1

    return sorted(problems, key=row)


def recommendation_errors(problems: Sequence[Problem], parsed: RecommendationsForm) -> list[dict[str, str]]:
    """The problems for the NHS error summary, each linked to its row's box, one per box."""
    out: dict[str, str] = {}
    for p in problems:
        match = re.match(r"recommendations\[(\d+)\]\.(\w+)", p.path)
        index = int(match.group(1)) if match else 0
        row = parsed.row_of[index] if index < len(parsed.row_of) else 0
        name = match.group(2) if match else "title"
        if name == "title":
            text = f"Recommendation {row + 1} needs a title" if p.message == "required" else p.message
            out.setdefault(f"rec-{row}-title", text)
        elif name == "evidence":
            out.setdefault(f"rec-{row}-evidence", f"Recommendation {row + 1}: {p.message}")
        else:  # its id: the recommendation was removed meanwhile
            out.setdefault(f"rec-{row}-title", f"Recommendation {row + 1}: {p.message}; reload the page")
    return [{"href": f"#{box}", "text": text[:1].upper() + text[1:]} for box, text in out.items()]
