"""The 12-month learning and development plan: aims, SMART objectives each delivering recommendations,
and the learning activities of each objective.

It is edited as one document, all or nothing: the API puts the whole document; the pages change one
part (the aims, one objective with its activities) of the stored document and save the whole, so the
same checks (``plans.domain.learning_plan``) name every problem the same way, and nothing is written
when there is one. Rows that stay keep their ids. It is part of what approvers sign off, so every edit
goes through ``plan_document.begin_edit`` (a new version once one was sent) and is audited.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

from sqlalchemy.orm import Session

from plans.domain.errors import NotFound, StageLocked
from plans.domain.learning_plan import (
    ActivityDraft,
    AimDraft,
    DocumentRefused,
    LearningPlanDraft,
    ObjectiveDraft,
    PlanContext,
    Problem,
    check_document,
    plan_year,
)
from plans.domain.lifecycle import EDITABLE_STAGES
from plans.models import Plan, Role
from plans.repositories.learning_plan import LearningPlanRepository, StoredLearningPlan
from plans.repositories.signoff import SignOffRepository
from plans.schemas_learning import (
    ActivityIn,
    AimIn,
    LearningPlanIn,
    LearningPlanOut,
    ObjectiveIn,
    PersonChoice,
    RecommendationChoice,
)
from plans.services.actors import Actor
from plans.services.audit_trail import record_and_wake
from plans.services.lifecycle import load_plan
from plans.services.plan_document import begin_edit

WHAT = "editing the learning and development plan"


def learning_plan(session: Session, *, plan_id: int) -> LearningPlanOut:
    """The plan's learning plan as stored, in document order, with the people who may own an objective,
    the recommendations an objective may deliver and those no objective delivers yet."""
    plan = load_plan(session, plan_id)
    repo = LearningPlanRepository(session)
    stored = repo.load(plan.id)
    year = plan_year(plan.starts_on)
    recs = [
        RecommendationChoice(id=rec.id, position=rec.position, title=rec.title)
        for rec, _ in SignOffRepository(session).recommendations(plan.id)
    ]
    delivered = {rec_id for ids in stored.delivers.values() for rec_id in ids}
    document = _document(stored)
    return LearningPlanOut(
        plan_id=plan.id,
        title=plan.title,
        version=plan.version,
        stage=plan.stage.value,
        editable=plan.stage in EDITABLE_STAGES,
        starts_on=year.first,
        ends_on=year.last,
        aims=document.aims,
        objectives=document.objectives,
        people=[PersonChoice(id=pid, name=name) for pid, name in repo.people(plan)],
        recommendations=recs,
        undelivered=[r for r in recs if r.id not in delivered],
    )


def save_learning_plan(session: Session, *, plan_id: int, actor: Actor, document: LearningPlanIn, now: datetime) -> int:
    """Make the plan's learning plan ``document``; returns the plan's version after the edit."""
    return _edit(session, plan_id, actor, now, "document", lambda _: document)


def save_aims(session: Session, *, plan_id: int, actor: Actor, aims: Sequence[AimIn], now: datetime) -> int:
    """Replace the aims (an aim with an id is kept, so its objectives stay under it); an aim left out
    must have no objectives left."""

    def change(current: LearningPlanIn) -> LearningPlanIn:
        new_index = {aim.id: i for i, aim in enumerate(aims) if aim.id is not None}
        problems = []
        for old, aim in enumerate(current.aims):
            under = [o for o in current.objectives if o.aim == old]
            if aim.id not in new_index and under:
                problems.append(
                    Problem(
                        "aims",
                        f"the aim {aim.title!r} still has {len(under)} objective(s): "
                        "move them to another aim or remove them first",
                    )
                )
        if problems:
            raise DocumentRefused(problems)
        objectives = [
            o.model_copy(update={"aim": new_index[current.aims[o.aim].id]})
            for o in current.objectives
            if o.aim is not None
        ]
        return LearningPlanIn(aims=list(aims), objectives=objectives)

    return _edit(session, plan_id, actor, now, "aims", change)


def save_objective(
    session: Session, *, plan_id: int, actor: Actor, objective: ObjectiveIn, now: datetime
) -> tuple[int, int]:
    """Add an objective (no id) or replace the one with its id, activities included; returns the plan's
    version after the edit and the objective's id (a new one's, for the page to come back to)."""
    saved_at = [0]

    def change(current: LearningPlanIn) -> LearningPlanIn:
        objectives = list(current.objectives)
        at = next((i for i, o in enumerate(objectives) if objective.id is not None and o.id == objective.id), None)
        if at is None:
            objectives.append(objective)
        else:
            objectives[at] = objective
        saved_at[0] = len(objectives) - 1 if at is None else at
        return current.model_copy(update={"objectives": objectives})

    version = _edit(session, plan_id, actor, now, "objective", change)
    # the repository stores each objective's place in the document as its position
    saved = next(o for o in LearningPlanRepository(session).load(plan_id).objectives if o.position == saved_at[0])
    return version, saved.id


def remove_objective(session: Session, *, plan_id: int, actor: Actor, objective_id: int, now: datetime) -> int:
    """Remove one objective with its activities and links."""

    def change(current: LearningPlanIn) -> LearningPlanIn:
        if not any(o.id == objective_id for o in current.objectives):
            raise DocumentRefused([Problem("objective_id", f"there is no objective {objective_id} in this plan")])
        kept = [o for o in current.objectives if o.id != objective_id]
        return current.model_copy(update={"objectives": kept})

    return _edit(session, plan_id, actor, now, "objective removed", change)


def objective_of(view: LearningPlanOut, objective_id: int | None) -> ObjectiveIn | None:
    """The objective with this id in the plan's learning plan (None asks for a new one); another
    plan's objective, or one removed meanwhile, is not found."""
    if objective_id is None:
        return None
    found = next((o for o in view.objectives if o.id == objective_id), None)
    if found is None:
        raise NotFound(f"there is no objective {objective_id} in this plan")
    return found


def objective_index(view: LearningPlanOut, objective_id: int | None) -> int:
    """Where an objective sits in the document (a new one goes last): what its problems' paths name."""
    return next(
        (i for i, o in enumerate(view.objectives) if objective_id is not None and o.id == objective_id),
        len(view.objectives),
    )


def _edit(
    session: Session,
    plan_id: int,
    actor: Actor,
    now: datetime,
    what: str,
    change: Callable[[LearningPlanIn], LearningPlanIn],
) -> int:
    """Lock and version the plan, apply ``change`` to the stored document, check it whole, save it."""
    actor.require(Role.COORDINATOR, WHAT)
    stage = load_plan(session, plan_id).stage
    if stage not in EDITABLE_STAGES:
        raise StageLocked(
            f"the learning and development plan can be edited only in the recommendations or sign_off stage "
            f"(the plan is in {stage.value})"
        )
    plan = begin_edit(session, plan_id=plan_id, actor=actor, now=now, what=WHAT)
    repo = LearningPlanRepository(session)
    stored = repo.load(plan.id)
    draft = _draft(change(_document(stored)))
    check_document(draft, _context(session, plan, repo, stored))
    repo.save(plan.id, stored, draft)
    record_and_wake(
        session,
        plan=plan,
        actor=actor,
        kind="learning_plan_edited",
        now=now,
        data={
            "edit": what,
            "aims": len(draft.aims),
            "objectives": len(draft.objectives),
            "activities": sum(len(o.activities) for o in draft.objectives),
        },
    )
    return plan.version


def _context(session: Session, plan: Plan, repo: LearningPlanRepository, stored: StoredLearningPlan) -> PlanContext:
    return PlanContext(
        year=plan_year(plan.starts_on),
        people=frozenset(pid for pid, _ in repo.people(plan)),
        recommendations=frozenset(rec.id for rec, _ in SignOffRepository(session).recommendations(plan.id)),
        aim_ids=frozenset(a.id for a in stored.aims),
        objective_ids=frozenset(o.id for o in stored.objectives),
        activity_ids=frozenset(a.id for rows in stored.activities.values() for a in rows),
    )


def _document(stored: StoredLearningPlan) -> LearningPlanIn:
    """The stored rows as the document a client reads and writes back."""
    aim_index = {a.id: i for i, a in enumerate(stored.aims)}
    return LearningPlanIn(
        aims=[AimIn(id=a.id, title=a.title, description=a.description) for a in stored.aims],
        objectives=[
            ObjectiveIn(
                id=o.id,
                aim=aim_index.get(o.aim_id),
                text=o.text,
                measure=o.measure,
                baseline=o.baseline,
                target=o.target,
                owner_id=o.owner_id,
                due_on=o.due_on,
                recommendation_ids=stored.delivers.get(o.id, []),
                activities=[
                    ActivityIn(
                        id=a.id,
                        title=a.title,
                        kind=a.kind,
                        format=a.format,
                        audience=a.audience,
                        starts_on=a.starts_on,
                        ends_on=a.ends_on,
                        capacity=a.capacity,
                    )
                    for a in stored.activities.get(o.id, [])
                ],
            )
            for o in stored.objectives
        ],
    )


def _draft(doc: LearningPlanIn) -> LearningPlanDraft:
    """The document as the pure checks read it."""
    return LearningPlanDraft(
        aims=tuple(AimDraft(a.id, a.title, a.description) for a in doc.aims),
        objectives=tuple(
            ObjectiveDraft(
                id=o.id,
                aim=o.aim,
                text=o.text,
                measure=o.measure,
                baseline=o.baseline,
                target=o.target,
                owner_id=o.owner_id,
                due_on=o.due_on,
                recommendation_ids=tuple(o.recommendation_ids),
                activities=tuple(
                    ActivityDraft(
                        id=a.id,
                        title=a.title,
                        kind=a.kind.value if a.kind is not None else None,
                        format=a.format,
                        audience=a.audience,
                        starts_on=a.starts_on,
                        ends_on=a.ends_on,
                        capacity=a.capacity,
                    )
                    for a in o.activities
                ),
            )
            for o in doc.objectives
        ),
    )
