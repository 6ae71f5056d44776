"""What the citizen panel sees: each plan's published outputs (recorded formative checkpoints, the
summative report, the repeat survey's comparison with the baseline once it has closed) and the
panel's reviews of them.

Only what has been published is read here: no checkpoint still to come, no audit log, no survey
answers, and no figure for a question fewer people answered than the reporting threshold.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from plans.config import settings
from plans.domain.facts import SUMMATIVE_OUTPUT
from plans.models import Capacity, Plan, Survey, SurveyFinding, SurveyKind
from plans.repositories.evaluation import EvaluationRepository
from plans.repositories.panel import PanelRepository
from plans.repositories.plans import PlanRepository
from plans.repositories.surveys import SurveyRepository
from plans.services.lifecycle import load_plan
from plans.views import (
    CheckpointOut,
    FindingChangeOut,
    PanelHome,
    PanelPlanView,
    PanelReviewOut,
    SummativeReportOut,
    SurveyComparisonOut,
)


def formative_output(number: int) -> str:
    """The name a panel review gives the report of formative checkpoint ``number``."""
    return f"formative-{number}"


def _finding(row: SurveyFinding, questions: dict[str, str], threshold: int) -> FindingChangeOut:
    question = questions.get(row.question_id, row.question_id)
    if row.suppressed:
        return FindingChangeOut(
            question_id=row.question_id,
            question=question,
            suppressed=True,
            responses=None,
            repeat_pct=None,
            baseline_pct=None,
            difference=None,
            ci_low=None,
            ci_high=None,
            significant=None,
            note=f"Not shown: fewer than {threshold} people answered this question.",
        )
    change: dict[str, Any] = row.change or {}
    compared = change.get("comparable") is True and change.get("suppressed") is False
    if compared:
        note = None
    elif change.get("suppressed"):
        note = f"No comparison: fewer than {threshold} people answered this question in one of the surveys."
    else:
        note = "No comparison: the question was worded differently or not asked in the first survey."
    return FindingChangeOut(
        question_id=row.question_id,
        question=question,
        suppressed=False,
        responses=row.responses,
        repeat_pct=row.pct_positive,
        baseline_pct=change.get("baseline_pct") if compared else None,
        difference=change.get("difference") if compared else None,
        ci_low=change.get("ci_low") if compared else None,
        ci_high=change.get("ci_high") if compared else None,
        significant=change.get("significant") if compared else None,
        note=note,
    )


def _comparison(session: Session, survey: Survey | None) -> SurveyComparisonOut | None:
    """The repeat survey against the baseline, once the repeat survey has closed (never while open)."""
    if survey is None or survey.closed_at is None:
        return None
    threshold = settings.reporting_threshold
    questions = {q["id"]: q.get("text", q["id"]) for q in survey.questions}
    position = {qid: i for i, qid in enumerate(questions)}
    # in the order the survey asked them, as people remember the questions
    rows = sorted(
        SurveyRepository(session).findings(survey.id), key=lambda r: position.get(r.question_id, len(position))
    )
    return SurveyComparisonOut(
        title=survey.title,
        closed_at=survey.closed_at,
        threshold=threshold,
        analysed=bool(rows),
        findings=[_finding(r, questions, threshold) for r in rows],
    )


def _view(session: Session, plan: Plan) -> PanelPlanView:
    evaluation = EvaluationRepository(session)
    panel = PanelRepository(session)
    report = evaluation.summative_report(plan.id)
    return PanelPlanView(
        plan_id=plan.id,
        title=plan.title,
        stage=plan.stage.value,
        stage_label=plan.stage.label,
        checkpoints=[
            CheckpointOut(
                output=formative_output(c.number),
                number=c.number,
                due_on=c.due_on,
                recorded_at=c.recorded_at,
                what_we_did=c.what_we_did,
                what_we_learned=c.what_we_learned,
                what_we_will_change=c.what_we_will_change,
                attendance=c.attendance,
            )
            for c in panel.recorded_checkpoints(plan.id)
            if c.recorded_at is not None
        ],
        summative_report=SummativeReportOut(
            output=SUMMATIVE_OUTPUT,
            what_we_did=report.what_we_did,
            what_we_learned=report.what_we_learned,
            pleased_about=report.pleased_about,
            could_have_been_different=report.could_have_been_different,
            recorded_at=report.recorded_at,
        )
        if report is not None
        else None,
        repeat_survey=_comparison(session, SurveyRepository(session).for_plan(plan.id, SurveyKind.REPEAT)),
        reviews=[
            PanelReviewOut(
                id=r.id,
                output=r.output,
                member=member,
                verdict=r.verdict.value,
                text=r.text,
                at=r.at,
                response=r.response,
                responded_by=responder if r.response else None,
                responded_at=r.responded_at if r.response else None,
            )
            for r, member, responder in panel.reviews(plan.id)
        ],
    )


def panel_plan(session: Session, *, plan_id: int) -> PanelPlanView:
    """One plan's published outputs and the panel's reviews of them."""
    return _view(session, load_plan(session, plan_id))


def panel_home(session: Session, *, person_id: int) -> PanelHome:
    """The published outputs of every plan on whose citizen panel the person sits."""
    plans = PlanRepository(session).plans_of_member(person_id, Capacity.CITIZEN_PANEL)
    return PanelHome(plans=[_view(session, plan) for plan in plans])
