"""The national-scale generator (bench.national) at a tiny scale: every stage present, the dashboard
renders every stage's page, the app can keep writing afterwards, and the same seed gives the same data."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import func, select

from bench.national import seed
from plans.db import engine_for, session_scope
from plans.domain.stages import Stage
from plans.models import Organisation, Plan, Role, StageEntry, SurveyResponse, SurveyTeamDay, Team, utcnow
from plans.services.dashboard import dashboard
from plans.services.users import add_user
from tests.conftest import Database

NOW = datetime(2026, 11, 24, tzinfo=UTC)


def _fingerprint(url: str) -> list[tuple[object, ...]]:
    with engine_for(url).connect() as c:
        plans = c.execute(select(Plan.slug, Plan.stage, Plan.stage_entered_at, Plan.version).order_by(Plan.id)).all()
        responses = c.execute(
            select(SurveyResponse.survey_id, SurveyResponse.team_id, SurveyResponse.answers).order_by(SurveyResponse.id)
        ).all()
    return [tuple(r) for r in plans] + [tuple(r) for r in responses]


class TestNationalSeed:
    def test_every_stage_and_the_dashboard_renders(self, db: Database) -> None:
        summary = seed(db.url, plans=16, organisations=3, teams=60, seed=1)
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
        with session_scope() as s:  # keys continue after the generator's (PostgreSQL sequences moved on)
            add_user(s, email="later@example.org", name="Later", roles=[Role.COORDINATOR], password=None, now=utcnow())

    def test_same_seed_same_data(self, tmp_path: Path) -> None:
        urls = [f"sqlite:///{tmp_path / f'{n}.db'}" for n in ("a", "b")]
        for url in urls:
            seed(url, plans=10, organisations=2, teams=20, seed=7, now=NOW)
        try:
            first, second = (_fingerprint(url) for url in urls)
            assert first == second and len(first) > 10
        finally:
            for url in urls:
                engine_for(url).dispose()
