"""Recording anonymous survey responses in batches: every row is checked before any is written, and a
response keeps only its team, the day and the answers."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from plans.domain.errors import InvalidInput, StageLocked
from plans.domain.survey_answers import PREFER_NOT_TO_SAY
from plans.models import Plan, Survey, SurveyKind
from plans.repositories.people import PeopleRepository
from plans.repositories.surveys import SurveyRepository
from plans.services.actors import Actor
from plans.services.audit_trail import record_and_wake
from plans.services.lifecycle import load_plan

MAX_ERRORS_LISTED = 20


def _open_survey(session: Session, plan: Plan, kind: SurveyKind, now: datetime) -> Survey:
    survey = SurveyRepository(session).for_plan(plan.id, kind)
    if survey is None:
        raise StageLocked(f"plan {plan.id} has no {kind.value} survey open")
    if survey.closed_at is not None or now >= survey.closes_at:
        raise StageLocked(f"the {kind.value} survey of plan {plan.id} has closed")
    return survey


def record(
    session: Session, *, plan_id: int, kind: SurveyKind, rows: Sequence[Mapping[str, Any]], actor: Actor, now: datetime
) -> int:
    """Record responses given as ``{"team": code, "answers": {question_id: answer}}``, each optionally with
    ``"demographics": {demographic_id: option}`` as the survey asks them; all or nothing."""
    plan = load_plan(session, plan_id)
    survey = _open_survey(session, plan, kind, now)
    teams = PeopleRepository(session).teams_by_code(plan.organisation_id)
    options = {q["id"]: set(q.get("answers") or ()) for q in survey.questions}
    asked = {
        str(d["id"]): {*map(str, d.get("options") or ()), PREFER_NOT_TO_SAY}
        for d in (survey.definition or {}).get("demographics") or ()
    }
    errors: list[str] = []
    clean: list[dict[str, Any]] = []
    for number, row in enumerate(rows, start=1):
        team = teams.get(str(row.get("team", "")))
        if team is None:
            errors.append(f"row {number}: team: no team with code {row.get('team')!r}")
            continue
        answers = row.get("answers")
        if not isinstance(answers, Mapping):
            errors.append(f"row {number}: answers: expected a mapping of question id to answer")
            continue
        for qid, answer in answers.items():
            if qid not in options:
                errors.append(f"row {number}: answers.{qid}: the survey has no such question")
            elif options[qid] and answer not in options[qid]:
                errors.append(f"row {number}: answers.{qid}: {answer!r} is not one of the question's answers")
        about = row.get("demographics") or {}
        if not isinstance(about, Mapping):
            errors.append(f"row {number}: demographics: expected a mapping of demographic id to option")
            continue
        for did, option in about.items():
            if did not in asked:
                errors.append(f"row {number}: demographics.{did}: the survey asks no such question about people")
            elif option not in asked[did]:
                errors.append(f"row {number}: demographics.{did}: {option!r} is not one of its options")
        clean.append(
            {
                "survey_id": survey.id,
                "team_id": team.id,
                "answered_on": now.date(),
                "answers": dict(answers),
                "demographics": dict(about),
            }
        )
    if errors:
        more = f" (and {len(errors) - MAX_ERRORS_LISTED} more)" if len(errors) > MAX_ERRORS_LISTED else ""
        raise InvalidInput("; ".join(errors[:MAX_ERRORS_LISTED]) + more + "; nothing was recorded")
    written = SurveyRepository(session).add_responses(clean)
    # the audit trail counts the batch, never who answered what
    record_and_wake(
        session,
        plan=plan,
        actor=actor,
        kind="responses_recorded",
        now=now,
        data={"survey": kind.value, "responses": written},
    )
    return written
