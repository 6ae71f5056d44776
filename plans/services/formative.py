"""The formative report of a checkpoint: the coordinator's account (what we did, learned, will change),
the evidence given for it by type and Kirkpatrick level, the objectives' RAG as they stood when it was
recorded, and who answered the request for evidence (and who did not).

The daily ``chase`` flow publishes each recorded report once as the Prefect markdown artifact
``plan-<id>-formative-<n>`` (``flows/formative_artifacts.py``, in one task for every plan); the
publication is noted in the audit log, so a re-run publishes nothing twice and a run that failed to
publish leaves the report for the next.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from plans.domain.errors import NotFound
from plans.domain.progress import (
    rag_counts,
)
from plans.models import Checkpoint, Plan
from plans.repositories.audit import AuditRepository
from plans.repositories.delivery import DeliveryRepository
from plans.repositories.evaluation import EvaluationRepository
from plans.schemas_delivery import FormativeReportOut, ObjectiveAtCheckpointOut
from plans.services.audit_trail import record_once
from plans.services.delivery_views import item_out, request_out, summarise, summary_out
from plans.services.lifecycle import load_plan
from plans.services.panel import formative_output


def artifact_key(plan_id: int, number: int) -> str:
    """The Prefect artifact key of a checkpoint's formative report."""
    return f"plan-{plan_id}-formative-{number}"


def _published_key(plan_id: int, number: int) -> str:
    return f"plan:{plan_id}:formative:{number}:artifact"


def _report(session: Session, plan: Plan, cp: Checkpoint, checkpoints: list[Checkpoint]) -> FormativeReportOut:
    assert cp.recorded_at is not None
    repo = DeliveryRepository(session)
    numbers = {c.id: c.number for c in checkpoints}
    items = repo.items(plan.id, checkpoint_id=cp.id)
    given = repo.items_per_giver(plan.id)
    today = cp.recorded_at.date()
    requests = [
        request_out(row, plan.id, plan.title, given.get((cp.id, row.request.owner_id), 0), today)
        for row in repo.requests(plan.id)
        if row.request.checkpoint_id == cp.id
    ]
    latest: dict[int, Any] = {}
    for p, _ in repo.progress(plan.id):  # oldest first: the last one recorded by the checkpoint stands
        if p.recorded_at <= cp.recorded_at:
            latest[p.objective_id] = p
    objectives = [
        ObjectiveAtCheckpointOut(
            id=o.id,
            text=o.text,
            owner=owner,
            status=latest[o.id].status if o.id in latest else None,
            percent_complete=latest[o.id].percent_complete if o.id in latest else None,
            note=latest[o.id].note if o.id in latest else "",
        )
        for o, owner in repo.objectives(plan.id)
    ]
    summary = summarise([item for item, _ in items])
    return FormativeReportOut(
        plan_id=plan.id,
        plan_title=plan.title,
        output=formative_output(cp.number),
        number=cp.number,
        due_on=cp.due_on,
        recorded_at=cp.recorded_at,
        what_we_did=cp.what_we_did,
        what_we_learned=cp.what_we_learned,
        what_we_will_change=cp.what_we_will_change,
        attendance=cp.attendance,
        evidence_summary=summary_out(summary),
        levels=list(summary.levels),
        evidence=[item_out(item, giver, numbers) for item, giver in reversed(items)],
        objectives=objectives,
        rag=rag_counts(o.status for o in objectives),
        requests=requests,
    )


def formative_reports(session: Session, *, plan_id: int) -> list[FormativeReportOut]:
    """Every recorded checkpoint's report, in order."""
    plan = load_plan(session, plan_id)
    checkpoints = list(EvaluationRepository(session).checkpoints(plan.id))
    return [_report(session, plan, c, checkpoints) for c in checkpoints if c.recorded_at is not None]


def formative_report(session: Session, *, plan_id: int, number: int) -> FormativeReportOut:
    """One recorded checkpoint's report (a checkpoint still to come has none)."""
    plan = load_plan(session, plan_id)
    checkpoints = list(EvaluationRepository(session).checkpoints(plan.id))
    cp = next((c for c in checkpoints if c.number == number), None)
    if cp is None or cp.recorded_at is None:
        raise NotFound(f"checkpoint: plan {plan.id} has no recorded checkpoint {number}")
    return _report(session, plan, cp, checkpoints)


def checkpoint_totals(session: Session, cp: Checkpoint) -> dict[str, Any]:
    """What a checkpoint's audit event records beside its words: evidence and answers at recording."""
    repo = DeliveryRepository(session)
    items = repo.items(cp.plan_id, checkpoint_id=cp.id)
    asked = [r.request for r in repo.requests(cp.plan_id) if r.request.checkpoint_id == cp.id]
    return {
        "evidence": len(items),
        "levels": list(summarise([i for i, _ in items]).levels),
        "asked": len(asked),
        "answered": sum(1 for r in asked if r.answered_at is not None),
    }


def reports_to_publish(session: Session, *, plan_id: int) -> list[FormativeReportOut]:
    """Recorded reports not yet published as artifacts (only those are built: the daily chase asks every
    plan with a recorded checkpoint, and most have published everything already)."""
    plan = load_plan(session, plan_id)
    audit = AuditRepository(session)
    checkpoints = list(EvaluationRepository(session).checkpoints(plan.id))
    return [
        _report(session, plan, c, checkpoints)
        for c in checkpoints
        if c.recorded_at is not None and not audit.exists(_published_key(plan.id, c.number))
    ]


def unpublished_everywhere(session: Session) -> list[FormativeReportOut]:
    """Every recorded report of a plan not yet closed that has no artifact yet (the daily chase's task
    publishes them, so a report whose publishing failed is published the next day)."""
    return [
        r
        for plan_id in DeliveryRepository(session).plans_reporting()
        for r in reports_to_publish(session, plan_id=plan_id)
    ]


def mark_published(session: Session, *, plan_id: int, number: int, now: datetime) -> bool:
    """Note that report ``number`` is published (False if another run noted it first)."""
    plan = load_plan(session, plan_id)
    return record_once(
        session,
        plan=plan,
        kind="formative_report_published",
        now=now,
        data={"number": number, "artifact": artifact_key(plan.id, number)},
        dedupe_key=_published_key(plan.id, number),
    )
