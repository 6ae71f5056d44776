"""Shared steps for database and flow tests: create a plan from a file and push it the way the
lifecycle flow does (stage work, then one step, until it stops), without Prefect."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flows.demo_people import People
from plans.db import session_scope
from plans.domain.stages import Stage
from plans.files import load_plan_file
from plans.models import AuditEvent, SurveyKind, utcnow
from plans.repositories.audit import AuditRepository
from plans.repositories.plans import PlanRepository
from plans.repositories.surveys import SurveyRepository
from plans.services import analysis, lifecycle, stage_work
from plans.services.actors import SYSTEM
from plans.services.plan_setup import create_plan


def create(path: Path, slug: str | None = None) -> tuple[int, People]:
    """Create the plan a file declares (under another slug if given); returns its id and its people."""
    spec = load_plan_file(path)
    if slug is not None:
        spec = spec.model_copy(update={"plan": spec.plan.model_copy(update={"slug": slug})})
    with session_scope() as s:
        plan = create_plan(s, spec=spec, actor=SYSTEM, now=utcnow())
        plan_id, coordinator = plan.id, plan.coordinator_id
    return plan_id, People(plan_id, coordinator, seed=3)


def push(plan_id: int) -> list[dict[str, Any]]:
    """What one lifecycle run does, without Prefect: work, analyse closed surveys, step, until the plan
    stops moving."""
    moves = []
    for _ in range(16):
        with session_scope() as s:
            stage_work.run(s, plan_id=plan_id, now=utcnow())
        with session_scope() as s:
            for survey_id in analysis.unanalysed(s, plan_id=plan_id):
                analysis.analyse_survey(s, survey_id=survey_id, now=utcnow())
        with session_scope() as s:
            result = lifecycle.step(s, plan_id=plan_id, now=utcnow()).as_dict()
        if not result["moved"]:
            return moves
        moves.append(result)
    raise AssertionError("the plan kept moving: a gate loop")


def stage_of(plan_id: int) -> Stage:
    with session_scope() as s:
        plan = PlanRepository(s).get(plan_id)
        assert plan is not None
        return plan.stage


def events(plan_id: int) -> list[AuditEvent]:
    with session_scope() as s:
        return list(AuditRepository(s).for_plan(plan_id))


def walk_to(plan_id: int, people: People, stage: Stage) -> None:
    """Act as the people would and push, until the plan reaches ``stage``."""
    acts = {
        Stage.VISION: people.agree_vision,
        Stage.EVIDENCE_SURVEY: lambda: people.answer_survey(SurveyKind.BASELINE, rate=0.8, lift=0.0),
        Stage.RECOMMENDATIONS: lambda: (people.add_expectations(), people.draft_recommendations()),
        Stage.SIGN_OFF: lambda: people.sign_off(_version(plan_id), first_requests_changes=False),
        Stage.DELIVERY: people.deliver,
        Stage.SUMMATIVE_EVALUATION: people.evaluate,
        Stage.REPEAT_SURVEY: lambda: _repeat(plan_id, people),
    }
    push(plan_id)
    while (current := stage_of(plan_id)) is not stage:
        assert current is not Stage.CLOSED, f"the plan closed before reaching {stage}"
        acts[current]()
        push(plan_id)


def _repeat(plan_id: int, people: People) -> None:
    """Staff answer the repeat survey while it is open; once it has closed and its comparison is
    published, the citizen panel reviews that (the last thing the plan waits for before it closes)."""
    with session_scope() as s:
        survey = SurveyRepository(s).for_plan(plan_id, SurveyKind.REPEAT)
        open_ = survey is not None and survey.closed_at is None
    if open_:
        people.answer_survey(SurveyKind.REPEAT, rate=0.8, lift=0.2)
    else:
        people.review_repeat()


def _version(plan_id: int) -> int:
    with session_scope() as s:
        plan = PlanRepository(s).get(plan_id)
        assert plan is not None
        return plan.version
