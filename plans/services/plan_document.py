"""The plan document: what approvers sign off as one version (recommendations with their evidence, the
learning and development plan, the investment ledger, the expectations register).

Every edit of any part goes through ``begin_edit``, so the version rule lives in one place: before the
coordinator sends a version for sign-off the draft changes in place; once sent (frozen), the first edit
makes version N+1, supersedes the open round (its pending approvals are void) and is audited. A decision
is bound to ``content_hash``, the hash of the document as the approver read it.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime

from sqlalchemy.orm import Session

from plans.domain.lifecycle import edit_recommendations
from plans.models import Plan, Role
from plans.repositories.audit import AuditRepository
from plans.repositories.plan_document import PlanDocumentRepository
from plans.repositories.signoff import SignOffRepository
from plans.services.actors import Actor
from plans.services.lifecycle import load_plan


def begin_edit(session: Session, *, plan_id: int, actor: Actor, now: datetime, what: str) -> Plan:
    """Lock the plan for an edit of its document by a coordinator and apply the version rule; ``what``
    names the edit in refusals ("editing the investment ledger")."""
    actor.require(Role.COORDINATOR, what)
    return begin_edit_as(session, plan_id=plan_id, actor=actor, now=now)


def begin_edit_as(session: Session, *, plan_id: int, actor: Actor, now: datetime) -> Plan:
    """``begin_edit`` for a caller that checked the actor's right itself (an approver adding to the
    register is not a coordinator)."""
    plan = load_plan(session, plan_id, lock=True)
    effect = edit_recommendations(plan.stage, plan.version, plan.version_frozen)
    if effect.version != plan.version:
        old = plan.version
        plan.version, plan.version_frozen = effect.version, effect.frozen
        rnd = SignOffRepository(session).round_for(plan.id, old)
        if rnd is not None and rnd.closed_at is None:
            rnd.closed_at, rnd.outcome = now, "superseded"
        AuditRepository(session).record(
            plan_id=plan.id,
            kind="version_created",
            actor=actor.label,
            actor_id=actor.person_id,
            plan_version=plan.version,
            at=now,
            data={"version": plan.version, "previous": old, "voided_pending_approvals": effect.voids_pending_approvals},
        )
        session.flush()
    return plan


def content_hash(session: Session, plan_id: int) -> str:
    """The sha256 of the plan document as it stands: what an approver's decision is bound to."""
    canonical = PlanDocumentRepository(session).canonical(plan_id)
    return hashlib.sha256(json.dumps(canonical, sort_keys=True).encode()).hexdigest()
