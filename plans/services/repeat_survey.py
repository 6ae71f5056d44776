"""The repeat survey against its baseline: which of its questions diverge and are left out of the
comparison (with why), and a coordinator's amendment of its questions before anyone has answered.

The repeat survey opens with the baseline's questions exactly (``plans.services.stage_work``), so it
compares everything. A coordinator may still reword a question that misled people, fix its answers or add
a new one, while the repeat survey is open and unanswered; every such question is flagged when the
amendment is made (the audit log names each with why) and is excluded from the comparison explicitly,
shown with why wherever the comparison is. Dropping a baseline question is refused: the plan's gate
needs the repeat survey to ask every one, and an unasked question could never be compared.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from evaluation.divergence import Exclusion, exclusions
from plans.domain.analysis_spec import closed_questions
from plans.domain.errors import InvalidInput
from plans.domain.survey_definition import SurveyDefinition, flatten
from plans.models import Role, Survey, SurveyKind
from plans.repositories.surveys import SurveyRepository
from plans.services.actors import Actor
from plans.services.audit_trail import record_and_wake
from plans.services.lifecycle import load_plan


def exclusions_for(session: Session, survey: Survey) -> list[Exclusion]:
    """The scored questions of a repeat survey that its comparison with the baseline leaves out, with why
    (empty for a baseline survey, or a repeat asking exactly the baseline's questions)."""
    if survey.baseline_id is None:
        return []
    baseline = SurveyRepository(session).get(survey.baseline_id)
    if baseline is None:
        return []
    return exclusions(closed_questions(baseline.questions), closed_questions(survey.questions))


def _open_repeat(session: Session, plan_id: int) -> tuple[Survey, Survey]:
    """The plan's repeat survey, open and unanswered, and its baseline; refused in words otherwise."""
    repo = SurveyRepository(session)
    survey = repo.for_plan(plan_id, SurveyKind.REPEAT)
    if survey is None:
        raise InvalidInput(
            f"survey: plan {plan_id} has no repeat survey yet; it opens with the baseline's questions when the plan "
            "reaches the repeat survey stage, and can be amended then, before anyone answers"
        )
    if survey.closed_at is not None:
        raise InvalidInput(f"survey: the repeat survey of plan {plan_id} has closed, so its questions are fixed")
    if repo.has_responses(survey.id, hold=True):
        raise InvalidInput(
            f"survey: the repeat survey of plan {plan_id} already has responses, given to its questions as they "
            "stand, so they are fixed"
        )
    baseline = repo.get(survey.baseline_id) if survey.baseline_id is not None else None
    if baseline is None:
        raise InvalidInput(f"survey: the repeat survey of plan {plan_id} has no baseline to keep its questions from")
    return survey, baseline


def amend_repeat(
    session: Session, *, plan_id: int, definition: SurveyDefinition, actor: Actor, now: datetime
) -> list[Exclusion]:
    """Give the open, unanswered repeat survey new questions; the questions now left out of the comparison,
    each with why. Its window, target and anonymity stay as opened (anonymity has its own switch)."""
    actor.require(Role.COORDINATOR, "amending the repeat survey")
    plan = load_plan(session, plan_id, lock=True)
    survey, baseline = _open_repeat(session, plan.id)
    questions = flatten(definition)
    asked = {q["id"] for q in questions}
    dropped = [q["id"] for q in baseline.questions if q["id"] not in asked]
    if dropped:
        raise InvalidInput(
            f"survey: the repeat survey must still ask every baseline question, and {', '.join(dropped)} "
            "is missing; reword a question if you must (it is then left out of the comparison, with why)"
        )
    survey.questions = questions
    survey.definition = {**definition.model_dump(mode="json"), "anonymous": survey.anonymous}
    survey.title = f"{definition.title} ({SurveyKind.REPEAT.value})"
    left_out = exclusions(closed_questions(baseline.questions), closed_questions(questions))
    record_and_wake(
        session,
        plan=plan,
        actor=actor,
        kind="repeat_survey_amended",
        now=now,
        data={
            "questions": [q["id"] for q in questions],
            "excluded": [{"question": e.question_id, "why": e.explanation} for e in left_out],
        },
    )
    return left_out
