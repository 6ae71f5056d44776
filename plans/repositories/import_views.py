"""Reading what the import pages show: an organisation's staff list a page of teams at a time, and the
latest imports recorded in the audit log. Set-wise: a page costs the same few queries for 10 teams or
60,000."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from plans.models import AuditEvent, Organisation, Plan, StaffMember, Team


class ImportViewRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def organisation(self, organisation_id: int) -> Organisation | None:
        """The organisation, or None."""
        return self.session.get(Organisation, organisation_id)

    def organisation_of_plan(self, plan_id: int) -> int | None:
        """The id of the plan's organisation, or None when there is no such plan."""
        return self.session.scalar(select(Plan.organisation_id).where(Plan.id == plan_id))

    def team_count(self, organisation_id: int) -> int:
        """How many teams (directorates too) the organisation has."""
        stmt = select(func.count()).select_from(Team).where(Team.organisation_id == organisation_id)
        return int(self.session.scalar(stmt) or 0)

    def team_page(self, organisation_id: int, offset: int, limit: int) -> Sequence[tuple[int, str, str, int]]:
        """(id, code, name, eligible headcount) of a page of the organisation's teams, by code."""
        stmt = (
            select(Team.id, Team.code, Team.name, Team.eligible_headcount)
            .where(Team.organisation_id == organisation_id)
            .order_by(Team.code, Team.id)
            .offset(offset)
            .limit(limit)
        )
        return [(i, c, n, h) for i, c, n, h in self.session.execute(stmt)]

    def listed(self, team_ids: Sequence[int]) -> dict[int, dict[str | None, int]]:
        """Per team: listed staff by ineligibility reason (None: eligible)."""
        if not team_ids:
            return {}
        reason = case((StaffMember.eligible.is_(True), None), else_=func.coalesce(StaffMember.ineligible_reason, ""))
        stmt = (
            select(StaffMember.team_id, reason, func.count())
            .where(StaffMember.team_id.in_(team_ids))
            .group_by(StaffMember.team_id, reason)
        )
        out: dict[int, dict[str | None, int]] = {}
        for team_id, why, n in self.session.execute(stmt):
            out.setdefault(team_id, {})[why] = int(n)
        return out

    def totals(self, organisation_id: int) -> dict[str | None, int]:
        """The organisation's listed staff by ineligibility reason (None: eligible)."""
        reason = case((StaffMember.eligible.is_(True), None), else_=func.coalesce(StaffMember.ineligible_reason, ""))
        stmt = select(reason, func.count()).where(StaffMember.organisation_id == organisation_id).group_by(reason)
        return {why: int(n) for why, n in self.session.execute(stmt)}

    def latest_events(
        self, kind: str, *, plan_id: int | None = None, organisation: str | None = None, limit: int = 1
    ) -> Sequence[tuple[Any, str, dict[str, Any]]]:
        """(at, actor, data) of the newest audit events of a kind, for a plan or an organisation's code."""
        stmt = select(AuditEvent.at, AuditEvent.actor, AuditEvent.data).where(AuditEvent.kind == kind)
        if plan_id is not None:
            stmt = stmt.where(AuditEvent.plan_id == plan_id)
        if organisation is not None:
            stmt = stmt.where(AuditEvent.data["organisation"].as_string() == organisation)
        stmt = stmt.order_by(AuditEvent.id.desc()).limit(limit)
        return [(at, actor, data or {}) for at, actor, data in self.session.execute(stmt)]
