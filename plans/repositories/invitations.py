"""All SQL of opening a survey: each team's eligible headcount fixed for the survey, one invitation per
eligible staff member, and team links. Set-wise or a batch per statement: an organisation may list
a million staff."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, literal, select
from sqlalchemy.orm import Session

from plans.models import StaffMember, Survey, SurveyInvitation, SurveyTeam, SurveyTeamLink, Team
from plans.repositories.dialect import insert_ignoring_conflicts


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

    def uninvited(self, survey_id: int, organisation_id: int, after_id: int, limit: int) -> list[tuple[int, int, str]]:
        """(staff member id, team id, email) of eligible staff with no invitation to the survey yet, by
        id after ``after_id`` (a page of a keyset walk)."""
        invited = select(SurveyInvitation.id).where(
            SurveyInvitation.survey_id == survey_id, SurveyInvitation.staff_member_id == StaffMember.id
        )
        stmt = (
            select(StaffMember.id, StaffMember.team_id, StaffMember.email)
            .where(
                StaffMember.organisation_id == organisation_id,
                StaffMember.eligible.is_(True),
                StaffMember.id > after_id,
                ~invited.exists(),
            )
            .order_by(StaffMember.id)
            .limit(limit)
        )
        return [(sid, tid, email) for sid, tid, email in self.session.execute(stmt)]

    def add_invitations(self, rows: Sequence[dict[str, Any]]) -> int:
        """Insert invitations (survey_id, staff_member_id, team_id, token_hash) in one statement; an
        invitation that exists already is skipped. Returns how many were new."""
        if not rows:
            return 0
        stmt = insert_ignoring_conflicts(self.session, SurveyInvitation, ["survey_id", "staff_member_id"])
        # RETURNING, because a many-row insert reports no rowcount on PostgreSQL
        return len(self.session.connection().execute(stmt.returning(SurveyInvitation.id), list(rows)).all())

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
