"""All SQL of retention: the facts the rules of ``plans.domain.retention`` read, and the deletions, each
one statement over a set or a batch (an organisation may list a million staff, a survey invite them all).

Nothing here decides what is due; ``plans.services.retention`` does, under ``hold_organisation``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, String, and_, any_, bindparam, delete, exists, func, or_, select, update
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session

from plans.domain.retention import StaffListFacts, SurveyFacts
from plans.models import (
    AuditEvent,
    Organisation,
    OutboxMessage,
    Plan,
    StaffMember,
    Survey,
    SurveyInvitation,
    SurveyKind,
    SurveyTeamLink,
)
from plans.repositories.staff import NOT_ON_LIST

IMPORTED = "staff_list_imported"
SQLITE_KEYS = 5000  # keys per statement on SQLite (its limit on bound parameters is 32,766)


@dataclass(frozen=True)
class SurveyRow:
    """A survey as the purge names it in its audit event."""

    id: int
    plan_id: int
    organisation_id: int
    kind: SurveyKind
    closed_at: datetime | None


def _holds_personal_data() -> ColumnElement[bool]:
    invitations = exists().where(SurveyInvitation.survey_id == Survey.id)
    links = exists().where(SurveyTeamLink.survey_id == Survey.id)
    return or_(invitations, links)


def _invited() -> ColumnElement[bool]:
    return exists().where(SurveyInvitation.staff_member_id == StaffMember.id)


class RetentionRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    # facts -------------------------------------------------------------------------------------------

    def survey_facts(self, organisation_id: int | None = None) -> list[SurveyFacts]:
        """Every survey (of one organisation, or all): its organisation, close and whether any invitation
        or team link is left. One statement; the EXISTS probes use the surveys' own indexes."""
        stmt = select(Survey.id, Plan.organisation_id, Survey.closed_at, _holds_personal_data()).join(
            Plan, Plan.id == Survey.plan_id
        )
        if organisation_id is not None:
            stmt = stmt.where(Plan.organisation_id == organisation_id)
        rows = self.session.execute(stmt.order_by(Survey.id))
        return [SurveyFacts(sid, oid, closed, bool(holds)) for sid, oid, closed, holds in rows]

    def staff_list_facts(self, organisation_id: int | None = None) -> list[StaffListFacts]:
        """Every organisation holding a staff list (or just this one), with its last recorded import."""
        stmt = select(Organisation.id, Organisation.code).where(
            exists().where(StaffMember.organisation_id == Organisation.id)
        )
        if organisation_id is not None:
            stmt = stmt.where(Organisation.id == organisation_id)
        holders = list(self.session.execute(stmt.order_by(Organisation.id)))
        if not holders:
            return []
        code = AuditEvent.data["organisation"].as_string()
        imports = select(code, func.max(AuditEvent.at)).where(AuditEvent.kind == IMPORTED)
        if organisation_id is not None:
            imports = imports.where(code == holders[0].code)
        last = {c: at for c, at in self.session.execute(imports.group_by(code))}
        return [StaffListFacts(oid, last.get(c)) for oid, c in holders]

    def organisation_code(self, organisation_id: int) -> str | None:
        return self.session.scalar(select(Organisation.code).where(Organisation.id == organisation_id))

    def survey(self, survey_id: int) -> SurveyRow | None:
        """The survey with its organisation, or None."""
        stmt = (
            select(Survey.id, Survey.plan_id, Plan.organisation_id, Survey.kind, Survey.closed_at)
            .join(Plan, Plan.id == Survey.plan_id)
            .where(Survey.id == survey_id)
        )
        row = self.session.execute(stmt).first()
        return SurveyRow(*row) if row is not None else None

    # the lock ----------------------------------------------------------------------------------------

    def hold_organisation(self, organisation_id: int) -> None:
        """A write that changes nothing, first in its transaction: on PostgreSQL it locks the organisation's
        row until commit (the staff import's ``SELECT ... FOR UPDATE`` and a survey opening wait for it, and
        it for them), on SQLite it takes the database's write lock. What is read after it is what the
        deletions act on; a concurrent retention run waits here, then finds nothing left to delete."""
        self.session.execute(
            update(Organisation).where(Organisation.id == organisation_id).values(name=Organisation.name),
            execution_options={"synchronize_session": False},
        )

    # a survey's invitations and the emails to its invitees ------------------------------------------

    def invitation_batch(self, survey_id: int, after: int, limit: int) -> list[tuple[int, int]]:
        """(staff member id, reminders sent) of the survey's next ``limit`` invitations after ``after``, in
        staff member order: a range of the (survey, staff member) unique index."""
        inv = SurveyInvitation
        stmt = (
            select(inv.staff_member_id, inv.reminders_sent)
            .where(inv.survey_id == survey_id, inv.staff_member_id > after)
            .order_by(inv.staff_member_id)
            .limit(limit)
        )
        return [(sid, int(n or 0)) for sid, n in self.session.execute(stmt)]

    def delete_invitations(self, survey_id: int, *, after: int, upto: int) -> int:
        """Delete the survey's invitations with ``after < staff member id <= upto``; how many."""
        inv = SurveyInvitation
        where = (inv.survey_id == survey_id, inv.staff_member_id > after, inv.staff_member_id <= upto)
        return self._delete(delete(inv).where(*where))

    def count_invitations(self, survey_id: int) -> int:
        stmt = select(func.count()).select_from(SurveyInvitation).where(SurveyInvitation.survey_id == survey_id)
        return int(self.session.scalar(stmt) or 0)

    def messages(self, keys: Sequence[str], *, delete_them: bool) -> tuple[int, int]:
        """(sent, unsent) outbox messages with these idempotency keys, deleted when ``delete_them``. Looked
        up by the unique key's index: one array parameter on PostgreSQL, chunks of keys on SQLite."""
        sent = unsent = 0
        for where in self._key_chunks(keys):
            never = (OutboxMessage.sent_at.is_(None), *where)
            went = (OutboxMessage.sent_at.is_not(None), *where)
            if delete_them:
                unsent += self._delete(delete(OutboxMessage).where(*never))
                sent += self._delete(delete(OutboxMessage).where(*went))
            else:
                unsent += int(self.session.scalar(select(func.count()).where(*never)) or 0)
                sent += int(self.session.scalar(select(func.count()).where(*went)) or 0)
        return sent, unsent

    def _key_chunks(self, keys: Sequence[str]) -> list[tuple[ColumnElement[bool]]]:
        key = OutboxMessage.idempotency_key
        if not keys:
            return []
        if self.session.get_bind().dialect.name == "postgresql":
            wanted = bindparam("keys", list(keys), type_=postgresql.ARRAY(String))
            return [(key == any_(wanted),)]
        return [(key.in_(keys[i : i + SQLITE_KEYS]),) for i in range(0, len(keys), SQLITE_KEYS)]

    # team links --------------------------------------------------------------------------------------

    def team_links(self, survey_id: int, *, delete_them: bool) -> int:
        """The survey's team links (their token hashes), deleted when ``delete_them``; how many."""
        if delete_them:
            return self._delete(delete(SurveyTeamLink).where(SurveyTeamLink.survey_id == survey_id))
        stmt = select(func.count()).select_from(SurveyTeamLink).where(SurveyTeamLink.survey_id == survey_id)
        return int(self.session.scalar(stmt) or 0)

    # staff lists -------------------------------------------------------------------------------------

    def leavers(self, organisation_id: int, *, survey_id: int, delete_them: bool) -> int:
        """Staff kept only because an invitation pointed at them (a later import did not list them: ``not on
        the latest list``) whom no invitation but this survey's points at; deleted when ``delete_them``
        (after the survey's invitations, so the dry run's count is the run's)."""
        other = exists().where(
            SurveyInvitation.staff_member_id == StaffMember.id, SurveyInvitation.survey_id != survey_id
        )
        where = and_(
            StaffMember.organisation_id == organisation_id,
            StaffMember.eligible.is_(False),
            StaffMember.ineligible_reason == NOT_ON_LIST,
            ~other,
        )
        if delete_them:
            return self._delete(delete(StaffMember).where(where))
        return int(self.session.scalar(select(func.count()).where(where)) or 0)

    def invitations_remain(self, organisation_id: int) -> bool:
        """Whether any invitation of the organisation's surveys is left (each points at its staff list)."""
        surveys = select(Survey.id).join(Plan, Plan.id == Survey.plan_id).where(Plan.organisation_id == organisation_id)
        stmt = select(SurveyInvitation.id).where(SurveyInvitation.survey_id.in_(surveys)).limit(1)
        return self.session.scalar(stmt) is not None

    def staff_id_range(self, organisation_id: int) -> tuple[int, int] | None:
        """The lowest and highest id of the organisation's staff list, or None when it has none."""
        where = StaffMember.organisation_id == organisation_id
        lo, hi = self.session.execute(select(func.min(StaffMember.id), func.max(StaffMember.id)).where(where)).one()
        return (int(lo), int(hi)) if lo is not None else None

    def delete_staff(self, organisation_id: int, *, first: int, last: int) -> int:
        """Delete the organisation's staff with ids in ``[first, last]`` (a range of the primary key) that no
        invitation points at; how many."""
        s = StaffMember
        where = (s.organisation_id == organisation_id, s.id >= first, s.id <= last, ~_invited())
        return self._delete(delete(s).where(*where))

    def count_staff(self, organisation_id: int) -> int:
        stmt = select(func.count()).where(StaffMember.organisation_id == organisation_id)
        return int(self.session.scalar(stmt) or 0)

    def _delete(self, statement: Any) -> int:
        # Core execution: no ORM objects to synchronise, and a DELETE's rowcount is exact on both drivers
        return int(self.session.connection().execute(statement).rowcount or 0)
