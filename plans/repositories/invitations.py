"""All SQL of opening a survey: each team's eligible headcount fixed for the survey, one invitation per
eligible staff member, and team links. Set-wise or a batch per statement: an organisation may list
a million staff."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Integer, String, cast, func, literal, select, text
from sqlalchemy.orm import Session

from plans.models import StaffMember, Survey, SurveyInvitation, SurveyTeam, SurveyTeamLink, Team
from plans.models.base import UTCDateTime
from plans.repositories.dialect import insert_ignoring_conflicts
from plans.repositories.outbox import OutboxRepository

_ADD_INVITATIONS_PG = text(
    "INSERT INTO survey_invitations (survey_id, staff_member_id, team_id, token_hash, used, reminders_sent) "
    "SELECT :survey_id, u.staff_id, u.team_id, u.token_hash, false, 0 "
    "FROM unnest(CAST(:staff AS integer[]), CAST(:teams AS integer[]), CAST(:hashes AS varchar[])) "
    "AS u(staff_id, team_id, token_hash) "
    "ON CONFLICT (survey_id, staff_member_id) DO NOTHING RETURNING id"
)


def _text(column: Any) -> Any:
    return cast(column, String)


class InvitationRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def has_staff_list(self, organisation_id: int) -> bool:
        stmt = select(StaffMember.id).where(StaffMember.organisation_id == organisation_id).limit(1)
        return self.session.scalar(stmt) is not None

    def snapshot_eligible(self, survey_id: int, organisation_id: int, *, from_staff_list: bool) -> int:
        """Fix each team's eligible headcount for the survey (teams already fixed are left alone):
        counted from the eligible staff of the list, or the teams' declared headcounts. Returns the
        number of teams fixed now."""
        if from_staff_list:
            source = (
                select(literal(survey_id), StaffMember.team_id, func.count())
                .where(StaffMember.organisation_id == organisation_id, StaffMember.eligible.is_(True))
                .group_by(StaffMember.team_id)
            )
        else:
            source = select(literal(survey_id), Team.id, Team.eligible_headcount).where(
                Team.organisation_id == organisation_id, Team.eligible_headcount > 0
            )
        stmt = insert_ignoring_conflicts(self.session, SurveyTeam, ["survey_id", "team_id"])
        stmt = stmt.from_select(["survey_id", "team_id", "eligible"], source).returning(SurveyTeam.team_id)
        return len(self.session.connection().execute(stmt).all())

    def uninvited(self, survey_id: int, organisation_id: int, batch: int) -> Iterator[list[tuple[int, int]]]:
        """(staff member id, team id) of the organisation's eligible staff with no invitation to the survey
        yet, in batches: one query, read as it goes (a server-side cursor on PostgreSQL), so the anti-join
        is planned and run once however many people there are (paging it with ``id > last`` ran it again
        per page: 0.3 s each, 67 s for a million people)."""
        invited = select(SurveyInvitation.id).where(
            SurveyInvitation.survey_id == survey_id, SurveyInvitation.staff_member_id == StaffMember.id
        )
        stmt = (
            select(StaffMember.id, StaffMember.team_id)
            .where(StaffMember.organisation_id == organisation_id, StaffMember.eligible.is_(True), ~invited.exists())
            .order_by(StaffMember.id)
        )
        result = self.session.connection().execute(stmt.execution_options(stream_results=True, yield_per=batch))
        for rows in result.partitions():
            yield [(sid, tid) for sid, tid in rows]

    def add_invitations(self, survey_id: int, rows: Sequence[tuple[int, int, str]]) -> int:
        """Insert invitations, (staff member id, team id, token hash) each, in one statement; one that
        exists already is skipped. Returns how many were new."""
        if not rows:
            return 0
        connection = self.session.connection()
        if connection.dialect.name == "postgresql":
            # three array parameters instead of a many-row VALUES list, which psycopg parses placeholder
            # by placeholder (at a million invitations that parsing took most of the opening)
            staff, teams, hashes = (list(column) for column in zip(*rows, strict=True))
            params = {"survey_id": survey_id, "staff": staff, "teams": teams, "hashes": hashes}
            return len(connection.execute(_ADD_INVITATIONS_PG, params).all())
        stmt = insert_ignoring_conflicts(self.session, SurveyInvitation, ["survey_id", "staff_member_id"])
        values = [
            {"survey_id": survey_id, "staff_member_id": sid, "team_id": tid, "token_hash": h, "used": False}
            for sid, tid, h in rows
        ]
        return len(connection.execute(stmt.returning(SurveyInvitation.id), values).all())

    def invitation_emails(self, survey_id: int, *, kind: str, body_id: int, now: datetime) -> int:
        """Queue one email per invitation of the survey (skipping those queued already), set-wise: the
        key ``survey-invitation:<survey>:<staff member>`` and the link reference ``invitation:<survey>:
        <staff member>`` are built in SQL, twins of ``survey_opening.invitation_key`` and
        ``survey_tokens.invitation_ref``. Returns how many were new."""
        inv = SurveyInvitation
        source = (
            select(
                literal("survey-invitation:") + _text(inv.survey_id) + literal(":") + _text(inv.staff_member_id),
                literal(kind),
                StaffMember.email,
                literal(body_id, Integer()),
                literal("invitation:") + _text(inv.survey_id) + literal(":") + _text(inv.staff_member_id),
                literal(now, UTCDateTime()),
                literal(now, UTCDateTime()),
                literal(0, Integer()),
            )
            .join(StaffMember, StaffMember.id == inv.staff_member_id)
            .where(inv.survey_id == survey_id)
        )
        columns = ["idempotency_key", "kind", "to_address", "body_id", "link_ref", "created_at", "next_attempt_at"]
        return OutboxRepository(self.session).add_from_select([*columns, "attempts"], source)

    def unused_by_team(self, survey_id: int) -> dict[int, list[int]]:
        """Team id -> staff member ids of the survey's invitations not used yet."""
        stmt = (
            select(SurveyInvitation.team_id, SurveyInvitation.staff_member_id)
            .where(SurveyInvitation.survey_id == survey_id, SurveyInvitation.used.is_(False))
            .order_by(SurveyInvitation.team_id, SurveyInvitation.staff_member_id)
        )
        out: dict[int, list[int]] = {}
        for team_id, staff_id in self.session.execute(stmt):
            out.setdefault(team_id, []).append(staff_id)
        return out

    def invitation_count(self, survey_id: int) -> int:
        stmt = select(func.count()).select_from(SurveyInvitation).where(SurveyInvitation.survey_id == survey_id)
        return int(self.session.scalar(stmt) or 0)

    def eligible_total(self, survey_id: int) -> int:
        stmt = select(func.coalesce(func.sum(SurveyTeam.eligible), 0)).where(SurveyTeam.survey_id == survey_id)
        return int(self.session.scalar(stmt) or 0)

    # ---- team links ----------------------------------------------------------------------------

    def add_team_link(self, link: SurveyTeamLink) -> SurveyTeamLink:
        self.session.add(link)
        self.session.flush()
        return link

    def team_link(self, link_id: int) -> SurveyTeamLink | None:
        return self.session.get(SurveyTeamLink, link_id)

    def team_links(self, survey_id: int) -> list[tuple[SurveyTeamLink, str, str]]:
        """The survey's team links with each team's code and name, newest first."""
        stmt = (
            select(SurveyTeamLink, Team.code, Team.name)
            .join(Team, Team.id == SurveyTeamLink.team_id)
            .where(SurveyTeamLink.survey_id == survey_id)
            .order_by(SurveyTeamLink.id.desc())
        )
        return [(link, code, name) for link, code, name in self.session.execute(stmt).tuples()]

    def open_survey_of(self, plan_id: int) -> Survey | None:
        """The plan's survey that is open (not closed), the latest if there are two."""
        stmt = select(Survey).where(Survey.plan_id == plan_id, Survey.closed_at.is_(None)).order_by(Survey.id.desc())
        return self.session.scalars(stmt).first()
