"""The national-scale generator (bench.national) at a tiny scale: every stage present, the dashboard
renders every stage's page, the app can keep writing afterwards, the staff lists agree with the
headcounts and the open surveys' invitations, and the same seed gives the same data."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import func, select

from bench.national import seed
from plans.db import engine_for, session_scope
from plans.domain.stages import Stage
from plans.models import (
    Organisation,
    Plan,
    Role,
    StaffMember,
    StageEntry,
    Survey,
    SurveyInvitation,
    SurveyResponse,
    SurveyTeam,
    SurveyTeamDay,
    Team,
    utcnow,
)
from plans.services.dashboard import dashboard
from plans.services.survey_tokens import invitation_ref, token_for, token_hash
from plans.services.users import add_user
from tests.conftest import Database

NOW = datetime(2026, 11, 24, tzinfo=UTC)
SECRET = b"national-seed-test"


def _fingerprint(url: str) -> list[tuple[object, ...]]:
    with engine_for(url).connect() as c:
        plans = c.execute(select(Plan.slug, Plan.stage, Plan.stage_entered_at, Plan.version).order_by(Plan.id)).all()
        responses = c.execute(
            select(SurveyResponse.survey_id, SurveyResponse.team_id, SurveyResponse.answers).order_by(SurveyResponse.id)
        ).all()
        staff = c.execute(
            select(StaffMember.email, StaffMember.team_id, StaffMember.staff_group, StaffMember.ineligible_reason)
        ).all()
        invited = c.execute(
            select(SurveyInvitation.survey_id, SurveyInvitation.staff_member_id, SurveyInvitation.used).order_by(
                SurveyInvitation.survey_id, SurveyInvitation.staff_member_id
            )
        ).all()
    return [tuple(r) for r in plans] + [tuple(r) for r in responses] + [tuple(r) for r in staff + invited]


class TestNationalSeed:
    def test_every_stage_and_the_dashboard_renders(self, db: Database) -> None:
        summary = seed(db.url, plans=16, organisations=3, teams=60, seed=1, secret=SECRET)
        assert all(n >= 1 for n in summary.stages.values()), summary.stages
        with session_scope() as s:
            assert set(s.scalars(select(Plan.stage).distinct())) == set(Stage)
            assert s.scalar(select(func.count()).select_from(Team)) == 60
            assert s.scalar(select(func.count()).select_from(Organisation)) == 3
            # the intake's counters agree with the responses they count
            counted = s.scalar(select(func.sum(SurveyTeamDay.responses)))
            assert counted == s.scalar(select(func.count()).select_from(SurveyResponse)) and counted
            entries = s.scalar(select(func.count()).select_from(StageEntry))
            assert entries is not None and entries >= 16 + 7  # a closed plan went through every stage
            page = dashboard(s, now=utcnow())
            assert page.total == 16 and len(page.rows) == 16
            assert all(n >= 1 for n in page.counts.values())
            assert any(r.survey is not None for r in page.rows), "no open survey with live rates"
            assert any(r.overdue for r in page.rows), "nobody is overdue"
            for stage in Stage:
                rows = dashboard(s, now=utcnow(), stage=stage.value).rows
                assert rows and all(r.stage == stage.value for r in rows)
                assert all(r.blocked_by for r in rows if r.stage == Stage.CLOSED.value)
        with session_scope() as s:  # the staff lists agree with the headcounts and the open surveys' invitations
            eligible = s.scalar(select(func.count()).where(StaffMember.eligible.is_(True)))
            assert eligible == s.scalar(select(func.sum(Team.eligible_headcount))) and eligible
            listed = s.scalar(select(func.count()).select_from(StaffMember))
            assert listed is not None and eligible < listed < 1.07 * eligible  # a few ineligible, with reasons
            unexplained = select(func.count()).where(
                StaffMember.eligible.is_(False), StaffMember.ineligible_reason.is_(None)
            )
            assert s.scalar(unexplained) == 0
            open_ids = list(s.scalars(select(Survey.id).where(Survey.closed_at.is_(None))))
            assert open_ids
            per_team = (
                select(SurveyInvitation.survey_id, SurveyInvitation.team_id, func.count().label("n"))
                .group_by(SurveyInvitation.survey_id, SurveyInvitation.team_id)
                .subquery()
            )
            snapshot = s.execute(
                select(SurveyTeam.survey_id, SurveyTeam.team_id, SurveyTeam.eligible, per_team.c.n)
                .outerjoin(
                    per_team,
                    (per_team.c.survey_id == SurveyTeam.survey_id) & (per_team.c.team_id == SurveyTeam.team_id),
                )
                .where(SurveyTeam.survey_id.in_(open_ids))
            ).all()
            assert snapshot and all(eligible == (n or 0) for _, _, eligible, n in snapshot)
            assert s.scalar(select(func.count()).where(SurveyInvitation.survey_id.not_in(open_ids))) == 0
            used = s.scalar(select(func.count()).where(SurveyInvitation.used.is_(True)))
            answered = s.scalar(select(func.count()).where(SurveyResponse.survey_id.in_(open_ids)))
            assert used and answered and used <= answered
            one = s.scalars(select(SurveyInvitation).limit(1)).one()
            token = token_for(invitation_ref(one.survey_id, one.staff_member_id), SECRET)
            assert one.token_hash == token_hash(token)  # as the app derives it: that server accepts the link
        with session_scope() as s:  # keys continue after the generator's (PostgreSQL sequences moved on)
            add_user(s, email="later@example.org", name="Later", roles=[Role.COORDINATOR], password=None, now=utcnow())

    def test_same_seed_same_data(self, tmp_path: Path) -> None:
        urls = [f"sqlite:///{tmp_path / f'{n}.db'}" for n in ("a", "b")]
        for url in urls:
            seed(url, plans=10, organisations=2, teams=20, seed=7, now=NOW, secret=SECRET)
        try:
            first, second = (_fingerprint(url) for url in urls)
            assert first == second and len(first) > 10
        finally:
            for url in urls:
                engine_for(url).dispose()
