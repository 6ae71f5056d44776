"""The final report gathered from the plan's records: the journey through the stages, the co-production
ladder, the formative checkpoints, the evidence, the objectives, the return on expectations and on
investment, the baseline against the repeat survey, and the citizen panel's review.

Read-only, and possible at any stage: before the plan closes the report says it is a draft. Survey
figures are only the organisation-wide ones the analysis published (a hidden figure stays hidden).
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from plans.domain.errors import StageLocked
from plans.domain.facts import SUMMATIVE_OUTPUT
from plans.domain.stages import Stage
from plans.models import SurveyKind
from plans.repositories.delivery import DeliveryRepository
from plans.repositories.evaluation import EvaluationRepository
from plans.repositories.panel import PanelRepository
from plans.repositories.surveys import SurveyRepository
from plans.schemas_report import FinalReport, QuestionChangeOut
from plans.services.delivery_views import item_out, objectives_out
from plans.services.formative import formative_reports
from plans.services.gap_comparison import plan_gap_comparison
from plans.services.investment import lines
from plans.services.lifecycle import load_plan
from plans.services.panel_record import panel_record
from plans.services.status import plan_status
from plans.services.summative import summative_view


def change_words(change: dict[str, Any] | None) -> tuple[str, bool | None]:
    """The analysis' change for one question in words, and whether it is significant."""
    if change is None:
        return "no comparison (the repeat survey has not been analysed against the baseline)", None
    if change.get("comparable") is False:
        return f"not compared: {change.get('why') or 'the question changed'}", None
    if change.get("suppressed") or change.get("difference") is None:
        return "no comparison (fewer people answered than the reporting threshold)", None
    points = change["difference"] * 100
    low, high = change["ci_low"] * 100, change["ci_high"] * 100
    significant = bool(change.get("significant"))
    verdict = "a real change" if significant else "could be chance"
    return f"{points:+.0f} points (95% interval {low:+.0f} to {high:+.0f}; {verdict})", significant


def _questions(session: Session, plan_id: int) -> tuple[str | None, str | None, list[QuestionChangeOut]]:
    repo = SurveyRepository(session)
    baseline = repo.for_plan(plan_id, SurveyKind.BASELINE)
    repeat = repo.for_plan(plan_id, SurveyKind.REPEAT)
    if baseline is None:
        return None, None, []
    before = {f.question_id: f for f in repo.findings(baseline.id)}
    after = {f.question_id: f for f in repo.findings(repeat.id)} if repeat is not None else {}
    texts = {str(q["id"]): str(q.get("text", q["id"])) for q in baseline.questions}
    if repeat is not None:
        texts.update({str(q["id"]): str(q.get("text", q["id"])) for q in repeat.questions if str(q["id"]) not in texts})
    out = []
    for qid, text in texts.items():
        b, r = before.get(qid), after.get(qid)
        if repeat is None:
            words, significant = "the repeat survey has not run yet", None
        elif r is None:
            words, significant = "not asked in the repeat survey, or not yet analysed", None
        else:
            words, significant = change_words(r.change)
        out.append(
            QuestionChangeOut(
                question_id=qid,
                text=text,
                baseline_pct=None if b is None or b.suppressed else b.pct_positive,
                repeat_pct=None if r is None or r.suppressed else r.pct_positive,
                change=words,
                significant=significant,
            )
        )
    return baseline.title, repeat.title if repeat is not None else None, out


def final_report(session: Session, *, plan_id: int, now: datetime) -> FinalReport:
    """Everything the final report shows, as of ``now``."""
    plan = load_plan(session, plan_id)
    status = plan_status(session, plan_id=plan.id, now=now)
    numbers = {c.id: c.number for c in EvaluationRepository(session).checkpoints(plan.id)}
    items = [item_out(item, giver, numbers) for item, giver in DeliveryRepository(session).items(plan.id)]
    ledger, totals = lines(session, plan_id=plan.id)
    baseline_title, repeat_title, questions = _questions(session, plan.id)
    assert status.coproduction is not None
    return FinalReport(
        plan_id=plan.id,
        title=plan.title,
        organisation=status.organisation,
        stage=plan.stage.value,
        stage_label=plan.stage.label,
        closed=plan.stage is Stage.CLOSED,
        generated_at=now,
        history=status.history,
        ladder=status.coproduction,
        formative=formative_reports(session, plan_id=plan.id),
        evidence=items,
        evidence_by_type=dict(Counter(i.type.value for i in items)),
        objectives=objectives_out(session, plan, numbers, now.date()),
        summative=summative_view(session, plan_id=plan.id),
        ledger=ledger,
        totals=totals,
        baseline_title=baseline_title,
        repeat_title=repeat_title,
        questions=questions,
        gaps=plan_gap_comparison(session, plan_id=plan.id),
        panel=panel_record(session, plan.id),
    )


def panel_report(session: Session, *, plan_id: int, now: datetime) -> FinalReport:
    """The final report as the plan's citizen panel reads it: once the summative report has been
    published to them (before that there is nothing for them to review: refused as the plan's state, the
    plan itself being theirs to see)."""
    plan = load_plan(session, plan_id)
    if PanelRepository(session).publication(plan.id, SUMMATIVE_OUTPUT) is None:
        raise StageLocked(f"plan {plan.id} has not published its summative report to its citizen panel yet")
    return final_report(session, plan_id=plan.id, now=now)
