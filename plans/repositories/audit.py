"""Writing and reading the append-only audit log."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from plans.models import AuditEvent


class AuditRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def exists(self, dedupe_key: str) -> bool:
        """Whether a happening with this key has been recorded already."""
        stmt = select(AuditEvent.id).where(AuditEvent.dedupe_key == dedupe_key)
        return self.session.scalar(stmt) is not None

    def record(
        self,
        *,
        plan_id: int | None,
        kind: str,
        actor: str,
        actor_id: int | None,
        plan_version: int | None,
        at: datetime,
        data: dict[str, Any] | None = None,
        dedupe_key: str | None = None,
    ) -> AuditEvent:
        """Append one event (the unique dedupe key refuses a second recording of the same happening)."""
        event = AuditEvent(
            plan_id=plan_id,
            kind=kind,
            actor=actor,
            actor_id=actor_id,
            plan_version=plan_version,
            at=at,
            data=data or {},
            dedupe_key=dedupe_key,
        )
        self.session.add(event)
        self.session.flush()
        return event

    def for_plan(self, plan_id: int) -> Sequence[AuditEvent]:
        """A plan's events in the order they were recorded."""
        stmt = select(AuditEvent).where(AuditEvent.plan_id == plan_id).order_by(AuditEvent.id)
        return self.session.scalars(stmt).all()
