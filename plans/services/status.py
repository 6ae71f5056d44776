"""What the CLI and the status page show of plans: stage, days in it, the gate's reasons, history.
Listing many plans costs the same few queries as listing one."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from plans.domain.gates import gate_reasons
from plans.repositories.facts import FactsRepository
from plans.repositories.people import PeopleRepository
from plans.repositories.plans import PlanRepository
from plans.schemas import PlanStatus, StageEntryOut
from plans.services.coproduction import ladder
from plans.services.lifecycle import load_plan


def plan_status(session: Session, *, plan_id: int, now: datetime) -> PlanStatus:
    """One plan's status with its full stage history."""
    plan = load_plan(session, plan_id)
    return _statuses(session, [plan.id], now, with_history=True)[0]


def list_statuses(session: Session, *, now: datetime) -> list[PlanStatus]:
    """Every plan's status (history left out)."""
    ids = [p.id for p in PlanRepository(session).list_all()]
    return _statuses(session, ids, now, with_history=False)


def statuses_for(session: Session, ids: list[int], now: datetime) -> list[PlanStatus]:
    """The statuses of these plans, in the order given (history left out)."""
    by_id = {s.id: s for s in _statuses(session, ids, now, with_history=False)}
    return [by_id[i] for i in ids if i in by_id]


def _statuses(session: Session, ids: list[int], now: datetime, *, with_history: bool) -> list[PlanStatus]:
    repo = PlanRepository(session)
    facts = FactsRepository(session).load(ids, now)
    overridden = repo.plans_with_pending_override(ids)
    orgs = PeopleRepository(session).organisation_names()
    out = []
    for plan in repo.list_by_ids(ids):
        f = facts[plan.id]
        reasons = gate_reasons(f)
        history = (
            [
                StageEntryOut(
                    stage=e.stage.value, entered_at=e.entered_at, left_at=e.left_at, version=e.version, via=e.via
                )
                for e in repo.entries(plan.id)
            ]
            if with_history
            else []
        )
        out.append(
            PlanStatus(
                id=plan.id,
                slug=plan.slug,
                title=plan.title,
                organisation=orgs.get(plan.organisation_id, ""),
                stage=plan.stage.value,
                stage_label=plan.stage.label,
                version=plan.version,
                days_in_stage=max(0, (now - plan.stage_entered_at).days),
                blocked_by=reasons,
                override_pending=plan.id in overridden,
                history=history,
                coproduction=ladder(session, plan_id=plan.id) if with_history else None,
            )
        )
    return out
