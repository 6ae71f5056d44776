"""A survey's definition once the plan exists: what a survey row takes from it when it opens, switching
anonymity, and replacing the definition before anyone has answered.

Anonymity may be switched off only while no response exists: everyone who answered did so on the
page's promise that nobody could tell who said what, and that promise is kept for the survey's life.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from pydantic import ValidationError
from sqlalchemy.orm import Session

from plans.domain.errors import InvalidInput, NotFound
from plans.domain.survey_definition import SurveyDefinition, flatten
from plans.models import Plan, Role, Survey, SurveyKind
from plans.repositories.surveys import SurveyRepository
from plans.services.actors import Actor
from plans.services.audit_trail import record_and_wake
from plans.services.lifecycle import load_plan


def stored_definition(template: dict[str, Any] | None) -> SurveyDefinition | None:
    """The definition a plan or survey stored, or None for one stored before definitions existed
    (a bare title and question list)."""
    if not template:
        return None
    try:
        return SurveyDefinition.model_validate(template)
    except ValidationError:
        return None


def opening_fields(plan: Plan, baseline: Survey | None, now: datetime) -> dict[str, Any]:
    """What a survey row takes from its definition when it opens: the plan's definition, or for the
    repeat survey the baseline's, so every question stays comparable."""
    if baseline is not None:
        definition = stored_definition(baseline.definition)
        days = definition.days if definition else plan.survey_days
        return {
            "definition": baseline.definition,
            "questions": baseline.questions,
            "anonymous": baseline.anonymous,
            "close_when_target_met": baseline.close_when_target_met,
            "target_rate": definition.target_rate if definition else plan.survey_target_rate,
            "closes_at": now + timedelta(days=days),
        }
    definition = stored_definition(plan.survey_template)
    if definition is None:
        return {
            "definition": None,
            "questions": (plan.survey_template or {}).get("questions", []),
            "target_rate": plan.survey_target_rate,
            "closes_at": now + timedelta(days=plan.survey_days),
        }
    return {**_row_fields(definition), "closes_at": now + timedelta(days=definition.days)}


def _row_fields(definition: SurveyDefinition) -> dict[str, Any]:
    return {
        "definition": definition.model_dump(mode="json"),
        "questions": flatten(definition),
        "anonymous": definition.anonymous,
        "close_when_target_met": definition.close_when_target_met,
        "target_rate": definition.target_rate,
    }


def _survey(session: Session, survey_id: int) -> Survey:
    survey = SurveyRepository(session).get(survey_id, lock=True)
    if survey is None:
        raise NotFound(f"survey {survey_id} does not exist")
    return survey


def set_anonymous(session: Session, *, survey_id: int, anonymous: bool, actor: Actor, now: datetime) -> Survey:
    """Switch a survey's anonymity; switching it off is refused once any response exists."""
    actor.require(Role.COORDINATOR, "changing a survey's anonymity")
    survey = _survey(session, survey_id)
    if survey.anonymous == anonymous:
        return survey
    if not anonymous and SurveyRepository(session).has_responses(survey.id, hold=True):
        raise InvalidInput(
            f"anonymous: the {survey.kind.value} survey cannot stop being anonymous: it already has responses, "
            "given on the promise that nobody can tell who said what"
        )
    survey.anonymous = anonymous
    if survey.definition is not None:
        survey.definition = {**survey.definition, "anonymous": anonymous}  # a new dict: JSON columns see assignment
    plan = load_plan(session, survey.plan_id)
    if survey.kind is SurveyKind.BASELINE and plan.survey_template:
        plan.survey_template = {**plan.survey_template, "anonymous": anonymous}
    record_and_wake(
        session,
        plan=plan,
        actor=actor,
        kind="survey_anonymity_changed",
        now=now,
        data={"survey": survey.kind.value, "anonymous": anonymous},
    )
    return survey


def replace_definition(
    session: Session, *, plan_id: int, definition: SurveyDefinition, actor: Actor, now: datetime
) -> list[Survey]:
    """Give the plan a new survey definition, and its open surveys with it; refused once any of the
    plan's surveys has a response (the answers were given to the questions as they stood)."""
    actor.require(Role.COORDINATOR, "replacing the survey")
    plan = load_plan(session, plan_id, lock=True)
    repo = SurveyRepository(session)
    surveys = [s for kind in SurveyKind if (s := repo.for_plan(plan.id, kind)) is not None]
    answered = [s.kind.value for s in surveys if repo.has_responses(s.id)]
    if answered:
        raise InvalidInput(
            f"survey: the {' and '.join(answered)} survey already has responses, so its questions are fixed; "
            "changes belong in the next plan's survey"
        )
    plan.survey_template = definition.model_dump(mode="json")
    plan.survey_target_rate, plan.survey_days = definition.target_rate, definition.days
    changed = []
    for survey in surveys:
        if survey.closed_at is None:
            for field, value in _row_fields(definition).items():
                setattr(survey, field, value)
            survey.title = f"{definition.title} ({survey.kind.value})"
            survey.closes_at = survey.opens_at + timedelta(days=definition.days)
            changed.append(survey)
    record_and_wake(
        session,
        plan=plan,
        actor=actor,
        kind="survey_definition_replaced",
        now=now,
        data={
            "title": definition.title,
            "questions": [q.id for q in definition.questions],
            "anonymous": definition.anonymous,
            "surveys": [s.kind.value for s in changed],
        },
    )
    return changed
