"""What the citizen panel sees: each plan's published outputs (formative reports, the summative report,
the repeat survey's comparison with the baseline; see ``plans.services.panel_publishing``) and the
panel's reviews of them; what the coordinator sees of the panel's review; "you said, we did".

Only what has been published is read here: no checkpoint still to come, no audit log, no survey
answers, and no figure for a question fewer people answered than the reporting threshold.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from plans.config import settings
from plans.domain.facts import SUMMATIVE_OUTPUT
from plans.domain.panel_outputs import REPEAT_OUTPUT, formative_output, output_order, output_title
from plans.models import Capacity, Plan, Survey, SurveyFinding, SurveyKind
from plans.repositories.evaluation import EvaluationRepository
from plans.repositories.panel import PanelRepository
from plans.repositories.plans import PlanRepository
from plans.repositories.surveys import SurveyRepository
from plans.schemas_panel import OutputName, PanelAdminView, YouSaidWeDid
from plans.services.gap_comparison import gap_comparison
from plans.services.lifecycle import load_plan
from plans.services.panel_publishing import unpublished_outputs
from plans.services.panel_record import exchanges, panel_record
from plans.services.panel_reviews import REVIEW_STAGES
from plans.services.repeat_survey import exclusions_for
from plans.views import (
    ChallengeWaitingOut,
    CheckpointOut,
    ExcludedQuestionOut,
    FindingChangeOut,
    PanelHome,
    PanelPlanView,
    PanelReviewOut,
    PanelWaitingOut,
    PublicationOut,
    RateChangeOut,
    SummativeReportOut,
    SurveyComparisonOut,
)

__all__ = ["formative_output", "inbox_items", "panel_admin", "panel_home", "panel_plan", "you_said_we_did"]


def _finding(row: SurveyFinding, questions: dict[str, str], threshold: int, excluded: str | None) -> FindingChangeOut:
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
    elif excluded is not None:  # changed since the baseline: why, in words
        note = excluded
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
    """The repeat survey against the baseline, once published (never while the survey is open)."""
    if survey is None or survey.closed_at is None:
        return None
    threshold = settings.reporting_threshold
    questions = {q["id"]: q.get("text", q["id"]) for q in survey.questions}
    position = {qid: i for i, qid in enumerate(questions)}
    # in the order the survey asked them, as people remember the questions
    rows = sorted(
        SurveyRepository(session).findings(survey.id), key=lambda r: position.get(r.question_id, len(position))
    )
    # questions changed since the baseline (or dropped, or new) are left out explicitly, each with why
    excluded = exclusions_for(session, survey)
    why = {e.question_id: e.explanation for e in excluded}
    baseline = SurveyRepository(session).get(survey.baseline_id) if survey.baseline_id is not None else None
    return SurveyComparisonOut(
        title=survey.title,
        closed_at=survey.closed_at,
        threshold=threshold,
        analysed=bool(rows),
        findings=[_finding(r, questions, threshold, why.get(r.question_id)) for r in rows],
        excluded=[
            ExcludedQuestionOut(question_id=e.question_id, question=e.question, why=e.explanation) for e in excluded
        ],
        response_rate=_rate(session, survey),
        gaps=gap_comparison(session, baseline=baseline, repeat=survey, left_out=set(why)) if baseline else [],
    )


def _rate(session: Session, survey: Survey) -> RateChangeOut | None:
    """The organisation's response rate against the baseline's, as the analysis tested it."""
    row = PanelRepository(session).organisation_rate(survey.id)
    if row is None:
        return None
    change: dict[str, Any] = row.change or {}
    tested = change.get("difference") is not None
    return RateChangeOut(
        responses=row.responses,
        eligible=row.eligible,
        repeat_rate=row.rate,
        baseline_rate=change.get("baseline_rate"),
        difference=change.get("difference") if tested else None,
        ci_low=change.get("ci_low") if tested else None,
        ci_high=change.get("ci_high") if tested else None,
        significant=change.get("significant") if tested else None,
    )


def _view(session: Session, plan: Plan, viewer_id: int | None) -> PanelPlanView:
    evaluation = EvaluationRepository(session)
    panel = PanelRepository(session)
    publications = sorted(panel.publications(plan.id), key=lambda p: output_order(p.output))
    published = {p.output for p in publications}
    report = evaluation.summative_report(plan.id) if SUMMATIVE_OUTPUT in published else None
    repeat = SurveyRepository(session).for_plan(plan.id, SurveyKind.REPEAT) if REPEAT_OUTPUT in published else None
    reviews = panel.reviews(plan.id)
    member = viewer_id is not None and PlanRepository(session).is_member(plan.id, viewer_id, Capacity.CITIZEN_PANEL)
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
            if c.recorded_at is not None and formative_output(c.number) in published
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
        repeat_survey=_comparison(session, repeat),
        reviews=[
            PanelReviewOut(
                id=r.id,
                output=r.output,
                member=member_name,
                verdict=r.verdict.value,
                text=r.text,
                at=r.at,
                response=r.response,
                responded_by=responder if r.response else None,
                responded_at=r.responded_at if r.response else None,
            )
            for r, member_name, responder in reviews
        ],
        published=[PublicationOut(output=p.output, title=p.title, published_at=p.published_at) for p in publications],
        can_review=member and plan.stage in REVIEW_STAGES,
        reviewed_by_me=[r.output for r, _, _ in reviews if r.member_id == viewer_id] if member else [],
    )


def panel_plan(session: Session, *, plan_id: int, viewer_id: int | None = None) -> PanelPlanView:
    """One plan's published outputs and the panel's reviews of them (as ``viewer_id`` may act on them)."""
    return _view(session, load_plan(session, plan_id), viewer_id)


def panel_home(session: Session, *, person_id: int) -> PanelHome:
    """The published outputs of every plan on whose citizen panel the person sits."""
    plans = PlanRepository(session).plans_of_member(person_id, Capacity.CITIZEN_PANEL)
    return PanelHome(plans=[_view(session, plan, person_id) for plan in plans])


def you_said_we_did(session: Session, *, plan_id: int) -> YouSaidWeDid:
    """What the panel said about the plan's outputs and what the coordinator answered, oldest first."""
    plan = load_plan(session, plan_id)
    return YouSaidWeDid(plan_id=plan.id, title=plan.title, exchanges=exchanges(session, plan_id=plan.id))


def inbox_items(session: Session, *, person_id: int) -> tuple[list[PanelWaitingOut], list[ChallengeWaitingOut]]:
    """For the inbox: outputs waiting for the person's review on the panels they sit on (while the plan
    is at a stage the panel reviews), and challenges waiting for their answer on plans they coordinate."""
    repo = PanelRepository(session)
    reviews = [
        PanelWaitingOut(plan_id=plan_id, plan=title, output=p.output, title=p.title, published_at=p.published_at)
        for plan_id, title, p in repo.awaiting_member(person_id, REVIEW_STAGES)
    ]
    challenges = [
        ChallengeWaitingOut(
            plan_id=plan_id, plan=title, review_id=r.id, member=member, output_title=output_title(r.output), at=r.at
        )
        for plan_id, title, r, member in repo.challenges_awaiting(person_id)
    ]
    return reviews, challenges


def panel_admin(session: Session, *, plan_id: int) -> PanelAdminView:
    """The coordinator's view: the panel's record, outputs ready to publish, and what awaits an answer
    (challenges first, each oldest first)."""
    plan = load_plan(session, plan_id)
    record = panel_record(session, plan.id)
    waiting = [e for e in record.exchanges if e.verdict != "endorse" and e.response is None]
    return PanelAdminView(
        plan_id=plan.id,
        title=plan.title,
        stage=plan.stage.value,
        stage_label=plan.stage.label,
        record=record,
        ready_to_publish=[
            OutputName(output=o, title=output_title(o)) for o in unpublished_outputs(session, plan_id=plan.id)
        ],
        awaiting=sorted(waiting, key=lambda e: e.verdict != "challenge"),
    )
