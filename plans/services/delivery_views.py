"""What delivery looks like to the people in it: the coordinator's overview of a plan (checkpoints, who was
asked and who is overdue, the evidence, objectives' RAG with history and milestones, the owners), an
evidence owner's own part of a plan, and a person's requests across every plan.

Read-only; each view is built from a handful of queries for the whole plan, never one per row.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy.orm import Session

from plans.config import settings
from plans.domain.delivery import (
    EvidenceFields,
    EvidenceSummary,
    RequestState,
    ask_on,
    format_figure,
    request_status,
    summarise_evidence,
)
from plans.domain.progress import (
    MilestoneState,
    milestone_status,
    rag_counts,
    suggested_rag,
)
from plans.domain.stages import Stage
from plans.models import Checkpoint, EvidenceItem, Milestone, Objective, ObjectiveProgress, Plan
from plans.repositories.delivery import DeliveryRepository, RequestRow
from plans.repositories.evaluation import EvaluationRepository
from plans.schemas_delivery import (
    CheckpointDeliveryOut,
    Choice,
    DeliveryView,
    EvidenceItemOut,
    EvidenceRequestOut,
    MilestoneOut,
    MyRequestsView,
    ObjectiveDeliveryOut,
    OwnerOut,
    OwnerView,
    ProgressOut,
    TypeSummaryOut,
)
from plans.services.actors import Actor
from plans.services.evidence_items import STAGES
from plans.services.evidence_requests import is_coordinator, require_owner_or_coordinator
from plans.services.lifecycle import load_plan


def request_out(row: RequestRow, plan_id: int, plan_title: str, given: int, today: date) -> EvidenceRequestOut:
    """One request as shown, with where it stands today."""
    r = row.request
    status = request_status(
        due_on=r.due_on,
        answered=r.answered_at is not None,
        items=given,
        checkpoint_recorded=row.checkpoint_recorded is not None,
        today=today,
    )
    return EvidenceRequestOut(
        id=r.id,
        plan_id=plan_id,
        plan_title=plan_title,
        checkpoint=row.number,
        checkpoint_due_on=row.checkpoint_due,
        owner_id=r.owner_id,
        owner=row.owner,
        asked_at=r.asked_at,
        due_on=r.due_on,
        answered_at=r.answered_at,
        state=status.state.value,
        status=status.words,
        days_overdue=status.days_overdue,
        evidence=given,
    )


def item_out(item: EvidenceItem, giver: str, numbers: dict[int, int]) -> EvidenceItemOut:
    return EvidenceItemOut(
        id=item.id,
        type=item.type,
        type_label=item.type.label,
        level=item.type.level,
        summary=item.summary,
        value=item.value,
        unit=item.unit,
        figure=format_figure(item.value, item.unit) if item.value is not None else None,
        participants=item.participants,
        checkpoint=numbers.get(item.checkpoint_id) if item.checkpoint_id is not None else None,
        objective_id=item.objective_id,
        expectation_id=item.expectation_id,
        activity_id=item.activity_id,
        given_by=giver,
        given_at=item.submitted_at,
    )


def summary_out(summary: EvidenceSummary) -> list[TypeSummaryOut]:
    return [
        TypeSummaryOut(
            type=r.type,
            label=r.label,
            level=r.level,
            items=r.items,
            participants=r.participants,
            figures=list(r.figures),
        )
        for r in summary.rows
    ]


def summarise(items: Sequence[EvidenceItem]) -> EvidenceSummary:
    return summarise_evidence(EvidenceFields(i.type.value, i.summary, i.value, i.unit, i.participants) for i in items)


def _milestone_out(m: Milestone, today: date) -> MilestoneOut:
    s = milestone_status(m.due_on, m.done_on, today)
    return MilestoneOut(
        id=m.id,
        objective_id=m.objective_id,
        title=m.title,
        due_on=m.due_on,
        done_on=m.done_on,
        state=s.state.value,
        status=s.words,
    )


def _progress_out(p: ObjectiveProgress, by: str, numbers: dict[int, int]) -> ProgressOut:
    return ProgressOut(
        id=p.id,
        objective_id=p.objective_id,
        checkpoint=numbers.get(p.checkpoint_id) if p.checkpoint_id is not None else None,
        status=p.status,
        percent_complete=p.percent_complete,
        note=p.note,
        recorded_by=by,
        recorded_at=p.recorded_at,
    )


def objectives_out(
    session: Session, plan: Plan, numbers: dict[int, int], today: date, owner_id: int | None = None
) -> list[ObjectiveDeliveryOut]:
    """The plan's objectives (or one owner's) with their latest progress, history and milestones."""
    repo = DeliveryRepository(session)
    history: dict[int, list[ProgressOut]] = defaultdict(list)
    for p, by in repo.progress(plan.id):
        history[p.objective_id].insert(0, _progress_out(p, by, numbers))  # newest first
    milestones: dict[int, list[MilestoneOut]] = defaultdict(list)
    for m in repo.milestones(plan.id):
        milestones[m.objective_id].append(_milestone_out(m, today))
    out = []
    for o, owner in repo.objectives(plan.id):
        if owner_id is not None and o.owner_id != owner_id:
            continue
        latest = history[o.id][0] if history[o.id] else None
        overdue = sum(1 for m in milestones[o.id] if m.state == MilestoneState.OVERDUE.value)
        out.append(_objective_out(o, owner, latest, history[o.id], milestones[o.id], plan, today, overdue))
    return out


def _objective_out(
    o: Objective,
    owner: str,
    latest: ProgressOut | None,
    history: list[ProgressOut],
    milestones: list[MilestoneOut],
    plan: Plan,
    today: date,
    overdue: int,
) -> ObjectiveDeliveryOut:
    percent = latest.percent_complete if latest else 0
    return ObjectiveDeliveryOut(
        id=o.id,
        text=o.text,
        measure=o.measure,
        baseline=o.baseline,
        target=o.target,
        owner_id=o.owner_id,
        owner=owner,
        due_on=o.due_on,
        status=latest.status if latest else None,
        percent_complete=latest.percent_complete if latest else None,
        note=latest.note if latest else "",
        updated_at=latest.recorded_at if latest else None,
        suggested=suggested_rag(
            percent=percent, starts_on=plan.starts_on, due_on=o.due_on, today=today, overdue_milestones=overdue
        ),
        history=history,
        milestones=milestones,
    )


def _requests(session: Session, plan: Plan, today: date, owner_id: int | None = None) -> list[EvidenceRequestOut]:
    repo = DeliveryRepository(session)
    given = repo.items_per_giver(plan.id)
    return [
        request_out(row, plan.id, plan.title, given.get((row.request.checkpoint_id, row.request.owner_id), 0), today)
        for row in repo.requests(plan.id, owner_id=owner_id)
    ]


def _checkpoints(
    checkpoints: Sequence[Checkpoint], requests: list[EvidenceRequestOut], evidence: dict[int, int]
) -> list[CheckpointDeliveryOut]:
    out = []
    for c in checkpoints:
        mine = [r for r in requests if r.checkpoint == c.number]
        answered = sum(1 for r in mine if r.state in (RequestState.EVIDENCE, RequestState.NOTHING))
        out.append(
            CheckpointDeliveryOut(
                number=c.number,
                due_on=c.due_on,
                ask_on=ask_on(c.due_on, settings.evidence_ask_days),
                recorded_at=c.recorded_at,
                asked=len(mine),
                answered=answered,
                overdue=sum(1 for r in mine if r.state == RequestState.OVERDUE),
                evidence=evidence.get(c.id, 0),
            )
        )
    return out


def _choices(session: Session, plan: Plan) -> tuple[list[Choice], list[Choice]]:
    expectations = [
        Choice(id=e.id, label=f"{e.text} (level {e.level})")
        for e in EvaluationRepository(session).expectations(plan.id)
    ]
    activities = [Choice(id=a.id, label=a.title) for a in DeliveryRepository(session).activities(plan.id)]
    return expectations, activities


def delivery_view(session: Session, *, plan_id: int, now: datetime) -> DeliveryView:
    """The coordinator's overview of a plan's delivery."""
    plan = load_plan(session, plan_id)
    today = now.date()
    repo = DeliveryRepository(session)
    checkpoints = EvaluationRepository(session).checkpoints(plan.id)
    numbers = {c.id: c.number for c in checkpoints}
    requests = _requests(session, plan, today)
    items = repo.items(plan.id)
    per_checkpoint: dict[int, int] = defaultdict(int)
    for item, _ in items:
        if item.checkpoint_id is not None:
            per_checkpoint[item.checkpoint_id] += 1
    objectives = objectives_out(session, plan, numbers, today)
    expectations, activities = _choices(session, plan)
    return DeliveryView(
        plan_id=plan.id,
        title=plan.title,
        stage=plan.stage.value,
        stage_label=plan.stage.label,
        open=plan.stage is Stage.DELIVERY,
        starts_on=plan.starts_on,
        checkpoints=_checkpoints(checkpoints, requests, per_checkpoint),
        next_checkpoint=next((c.number for c in checkpoints if c.recorded_at is None), None),
        requests=requests,
        overdue=sorted((r for r in requests if r.state == RequestState.OVERDUE), key=lambda r: -r.days_overdue),
        owners=[
            OwnerOut(person_id=o.id, name=o.name, email=o.email, objectives=o.objectives, named=o.named)
            for o in repo.owners(plan.id)
        ],
        evidence=[item_out(item, giver, numbers) for item, giver in items],
        evidence_summary=summary_out(summarise([item for item, _ in items])),
        objectives=objectives,
        rag=rag_counts(o.status for o in objectives),
        expectations=expectations,
        activities=activities,
    )


def owner_view(session: Session, *, plan_id: int, actor: Actor, now: datetime) -> OwnerView:
    """An evidence owner's part of a plan (a coordinator sees every objective and may record for anyone)."""
    plan = load_plan(session, plan_id)
    require_owner_or_coordinator(session, plan, actor, "seeing a plan's evidence requests")
    coordinator = is_coordinator(actor)
    me = actor.person_id
    today = now.date()
    repo = DeliveryRepository(session)
    checkpoints = EvaluationRepository(session).checkpoints(plan.id)
    numbers = {c.id: c.number for c in checkpoints}
    mine = [(i, g) for i, g in repo.items(plan.id) if i.submitted_by_id == me]
    expectations, activities = _choices(session, plan)
    return OwnerView(
        plan_id=plan.id,
        title=plan.title,
        stage=plan.stage.value,
        stage_label=plan.stage.label,
        open=plan.stage is Stage.DELIVERY,
        can_give=plan.stage in STAGES,
        coordinator=coordinator,
        requests=_requests(session, plan, today, owner_id=me) if me is not None else [],
        objectives=objectives_out(session, plan, numbers, today, owner_id=None if coordinator else me),
        evidence=[item_out(i, g, numbers) for i, g in mine],
        checkpoints=[c.number for c in checkpoints if c.recorded_at is None] if plan.stage is Stage.DELIVERY else [],
        all_objectives=[Choice(id=o.id, label=o.text) for o, _ in repo.objectives(plan.id)],
        expectations=expectations,
        activities=activities,
        owners=[Choice(id=o.id, label=o.name) for o in repo.owners(plan.id)] if coordinator else [],
    )


def my_requests(session: Session, *, person_id: int, now: datetime) -> MyRequestsView:
    """Everything a person has been asked for, on every plan, latest first."""
    repo = DeliveryRepository(session)
    rows = repo.my_requests(person_id)
    given: dict[int, dict[tuple[int, int], int]] = {}
    out = []
    for row, title, _stage in rows:
        plan_id = row.request.plan_id
        if plan_id not in given:
            given[plan_id] = repo.items_per_giver(plan_id)
        n = given[plan_id].get((row.request.checkpoint_id, person_id), 0)
        out.append(request_out(row, plan_id, title, n, now.date()))
    return MyRequestsView(requests=out)
