"""Recording what a person did: one audit event, then a wake-up of the plan's lifecycle flow when the
decision lets the plan move. Every people-facing service ends here."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from plans.models import AuditEvent, Plan
from plans.repositories.audit import AuditRepository
from plans.services.actors import SYSTEM, Actor
from plans.services.lifecycle import wake_if_ready


def record_and_wake(
    session: Session,
    *,
    plan: Plan,
    actor: Actor,
    kind: str,
    now: datetime,
    data: dict[str, Any],
    dedupe_key: str | None = None,
) -> AuditEvent:
    """Append the event, and once the transaction commits, start a lifecycle run if the plan can move."""
    event = AuditRepository(session).record(
        plan_id=plan.id,
        kind=kind,
        actor=actor.label,
        actor_id=actor.person_id,
        plan_version=plan.version,
        at=now,
        data=data,
        dedupe_key=dedupe_key,
    )
    wake_if_ready(session, plan_id=plan.id, cause=f"event-{event.id}", now=now)
    return event


def record_once(
    session: Session, *, plan: Plan, kind: str, now: datetime, data: dict[str, Any], dedupe_key: str
) -> bool:
    """Record a happening of the system's at most once (an artifact published): False when ``dedupe_key``
    is already recorded, by an earlier run or by a concurrent one whose insert won the unique key."""
    if AuditRepository(session).exists(dedupe_key):
        return False
    try:
        with session.begin_nested():
            record_system(session, plan=plan, kind=kind, now=now, data=data, dedupe_key=dedupe_key)
    except IntegrityError:
        return False
    return True


def record_system(
    session: Session, *, plan: Plan, kind: str, now: datetime, data: dict[str, Any], dedupe_key: str | None = None
) -> AuditEvent:
    """Append an event the system did (no person), at the plan's current version; no wake-up."""
    return record_system_about(
        session, plan_id=plan.id, plan_version=plan.version, kind=kind, now=now, data=data, dedupe_key=dedupe_key
    )


def record_system_about(
    session: Session,
    *,
    plan_id: int | None,
    plan_version: int | None,
    kind: str,
    now: datetime,
    data: dict[str, Any],
    dedupe_key: str | None = None,
) -> AuditEvent:
    """Append an event the system did (no person) about a plan, or about no plan (``plan_id`` None: an
    organisation's staff list deleted, say); no wake-up."""
    return AuditRepository(session).record(
        plan_id=plan_id,
        kind=kind,
        actor=SYSTEM.label,
        actor_id=None,
        plan_version=plan_version,
        at=now,
        data=data,
        dedupe_key=dedupe_key,
    )
