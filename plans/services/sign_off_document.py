"""The whole plan document as an approver reads it before deciding: the recommendations with their
evidence in words, the learning and development plan, the expectations register and the investment
ledger with its totals, and the content hash of exactly that content (the hash the decision form
sends back, so a decision on content that changed while the page was open is refused)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from plans.models import SurveyKind
from plans.repositories.sign_off_document import SignOffDocumentRepository
from plans.repositories.signoff import SignOffRepository
from plans.repositories.surveys import SurveyRepository
from plans.schemas_signoff import (
    DocActivityOut,
    DocAimOut,
    DocObjectiveOut,
    DocRecommendationOut,
    EvidenceOut,
    PlanDocumentOut,
)
from plans.services import investment
from plans.services.expectations import expectation_rows
from plans.services.lifecycle import load_plan
from plans.services.plan_document import content_hash


def _evidence_label(kind: str, value: str, questions: dict[str, str], themes: dict[str, str]) -> str:
    if kind == "finding":
        text = questions.get(value)
        return f"Survey finding for question {value}" + (f": {text}" if text else "")
    if kind == "theme":
        return f"Workshop theme: {themes.get(value, value)}"
    return f"{kind}:{value}"


def document(session: Session, *, plan_id: int) -> PlanDocumentOut:
    """The plan as it stands now, with the hash of that content."""
    plan = load_plan(session, plan_id)
    baseline = SurveyRepository(session).for_plan(plan_id, SurveyKind.BASELINE)
    questions = {q["id"]: q.get("text", "") for q in baseline.questions} if baseline else {}
    reads = SignOffDocumentRepository(session)
    themes = reads.theme_titles(plan_id)
    recs = SignOffRepository(session).recommendations(plan_id)
    number = {rec.id: i for i, (rec, _) in enumerate(recs, start=1)}
    learning = reads.learning_plan(plan_id)
    by_aim: dict[int, list[DocObjectiveOut]] = {a.id: [] for a in learning.aims}
    for objective, owner in learning.objectives:
        by_aim.setdefault(objective.aim_id, []).append(
            DocObjectiveOut(
                text=objective.text,
                measure=objective.measure,
                baseline=objective.baseline,
                target=objective.target,
                owner=owner,
                due_on=objective.due_on,
                delivers=sorted(number[r] for r in learning.delivers.get(objective.id, []) if r in number),
                activities=[
                    DocActivityOut(
                        title=a.title,
                        kind=a.kind.value,
                        format=a.format,
                        audience=a.audience,
                        starts_on=a.starts_on,
                        ends_on=a.ends_on,
                        capacity=a.capacity,
                    )
                    for a in learning.activities.get(objective.id, [])
                ],
            )
        )
    lines, totals = investment.lines(session, plan_id=plan_id)
    return PlanDocumentOut(
        version=plan.version,
        content_hash=content_hash(session, plan_id),
        recommendations=[
            DocRecommendationOut(
                number=number[rec.id],
                title=rec.title,
                detail=rec.detail,
                evidence=[
                    EvidenceOut(
                        ref=f"{link.kind.value}:{link.ref}",
                        label=_evidence_label(link.kind.value, link.ref, questions, themes),
                    )
                    for link in links
                ],
            )
            for rec, links in recs
        ],
        aims=[
            DocAimOut(title=a.title, description=a.description, objectives=by_aim.get(a.id, [])) for a in learning.aims
        ],
        expectations=expectation_rows(session, plan_id),
        investment=lines,
        totals=totals,
    )
