"""Analysing a closed survey into stored findings, and comparing a repeat survey with its baseline.
The numbers come from the pure ``evaluation`` package; this module only feeds and stores them."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from sqlalchemy.orm import Session

from evaluation.compare import two_proportion_change
from evaluation.findings import Finding, Question, findings
from plans.config import settings
from plans.models import Survey
from plans.repositories.surveys import SurveyRepository


def questions_of(survey: Survey) -> list[Question]:
    """The survey's closed questions (those with positive answers defined)."""
    return [Question(q["id"], frozenset(q["positive"])) for q in survey.questions if q.get("positive")]


def analyse(session: Session, *, survey: Survey, baseline: Survey | None = None) -> list[Finding]:
    """Compute and store the survey's findings (replacing earlier ones); with a baseline, also the
    change per shared question. Questions whose wording or answers changed are marked not comparable."""
    repo = SurveyRepository(session)
    results = findings(questions_of(survey), repo.answers(survey.id), settings.reporting_threshold)
    earlier: dict[str, Any] = {}
    comparable: set[str] = set()
    if baseline is not None:
        earlier = {f.question_id: f for f in repo.findings(baseline.id)}
        before = {q["id"]: (q["text"], tuple(q.get("positive", ()))) for q in baseline.questions}
        comparable = {
            q["id"] for q in survey.questions if before.get(q["id"]) == (q["text"], tuple(q.get("positive", ())))
        }
    rows = []
    for f in results:
        row = asdict(f)
        if baseline is not None:
            row["change"] = _change(f, earlier.get(f.question_id), f.question_id in comparable)
        rows.append(row)
    repo.replace_findings(survey.id, rows)
    return results


def _change(now: Finding, before: Any, comparable: bool) -> dict[str, Any]:
    if not comparable or before is None:
        return {"comparable": False, "why": "the question changed or was not in the baseline"}
    if now.suppressed or before.suppressed:
        return {"comparable": True, "suppressed": True}
    change = two_proportion_change(before.positive, before.responses, now.positive, now.responses)
    return {"comparable": True, "suppressed": False, **asdict(change)}
