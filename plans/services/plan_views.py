"""Read models of one plan shared by the coordinator's pages, the approver's review page and the API:
its recommendations with their evidence, its sign-off round, its audit log."""

from __future__ import annotations

from sqlalchemy.orm import Session

from plans.models import Capacity
from plans.orchestration import RunInfo, recent_runs
from plans.repositories.audit import AuditRepository
from plans.repositories.people import PeopleRepository
from plans.repositories.plans import PlanRepository
from plans.repositories.signoff import SignOffRepository
from plans.services.lifecycle import load_plan
from plans.services.sign_off_document import document
from plans.views import AuditOut, DecisionOut, RecommendationOut, SignOffView


def recommendations(session: Session, *, plan_id: int) -> list[RecommendationOut]:
    """The plan's current recommendations in order, each with its evidence as ``kind:ref``."""
    load_plan(session, plan_id)
    return [
        RecommendationOut(
            id=rec.id,
            position=rec.position,
            title=rec.title,
            detail=rec.detail,
            evidence=[f"{link.kind.value}:{link.ref}" for link in links],
        )
        for rec, links in SignOffRepository(session).recommendations(plan_id)
    ]


def sign_off(session: Session, *, plan_id: int, with_document: bool = False) -> SignOffView:
    """The latest sign-off round of the plan with its decisions and the approvers yet to decide; with
    ``with_document``, the whole plan as it stands and the hash of that content (an approver's view)."""
    plan = load_plan(session, plan_id)
    repo = SignOffRepository(session)
    rnd = repo.latest_round(plan_id)
    approvers = PlanRepository(session).members(plan_id, Capacity.APPROVER)
    names = {person.id: person.name for _, person in approvers}
    decisions = [d for d in repo.decisions(plan_id) if rnd is not None and d.round_id == rnd.id]
    decided = {d.approver_id for d in decisions}
    sender = PeopleRepository(session).get_person(rnd.sent_by_id) if rnd is not None and rnd.sent_by_id else None
    return SignOffView(
        plan_id=plan.id,
        title=plan.title,
        summary=plan.summary,
        stage=plan.stage.value,
        version=plan.version,
        round_version=rnd.version if rnd else None,
        content_hash=rnd.content_hash if rnd else None,
        deadline=rnd.deadline if rnd else None,
        open=rnd is not None and rnd.closed_at is None,
        recommendations=recommendations(session, plan_id=plan_id),
        decisions=[
            DecisionOut(
                approver=names.get(d.approver_id, f"person {d.approver_id}"),
                decision=d.decision.value,
                comment=d.comment,
                version=d.version,
                at=d.at,
                content_hash=d.content_hash,
            )
            for d in decisions
        ],
        awaiting=sorted(name for pid, name in names.items() if pid not in decided) if rnd else [],
        sent_by=sender.name if sender is not None else None,
        document=document(session, plan_id=plan_id) if with_document else None,
    )


def audit_log(session: Session, *, plan_id: int) -> list[AuditOut]:
    """Every event of the plan, oldest first."""
    load_plan(session, plan_id)
    return [
        AuditOut(at=e.at, actor=e.actor, kind=e.kind, plan_version=e.plan_version)
        for e in AuditRepository(session).for_plan(plan_id)
    ]


def flow_runs(session: Session, *, plan_id: int) -> list[RunInfo] | None:
    """The plan's latest lifecycle runs from Prefect (None if Prefect cannot be asked)."""
    return recent_runs(load_plan(session, plan_id).uid)
