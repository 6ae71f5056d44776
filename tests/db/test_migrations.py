"""The migrations build exactly the schema the models declare, on both databases; every downgrade
works (an operator's way back from a bad upgrade, with the backup as the other); two migrators at
once on PostgreSQL (a rolling deployment) end at head without either failing; ``coproduce db status``
tells a deployment script whether an upgrade is needed."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect, text
from typer.testing import CliRunner

from plans.config import settings
from plans.db import engine_for
from plans.migrations import current, downgrade, head, upgrade
from plans.models import Base
from tests.conftest import PG_BASE, Database


class TestMigrations:
    def test_schema_matches_models(self, db: Database) -> None:
        with engine_for(db.url).connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
        assert diff == [], f"models and migrations differ; add a migration: {diff}"


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def fresh_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database nobody has migrated: a new SQLite file, or a new PostgreSQL schema."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'fresh.db'}"
        yield url
        engine_for(url).dispose()
        return
    yield from _fresh_schema(request)


@pytest.fixture
def fresh_pg_url(request: pytest.FixtureRequest) -> Iterator[str]:
    yield from _fresh_schema(request)


def _fresh_schema(request: pytest.FixtureRequest) -> Iterator[str]:
    request.getfixturevalue("pg_schema")  # skips (or fails under CI) without PostgreSQL, saying why
    schema = f"coproduce_mig_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_BASE, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = f"{PG_BASE}?options=-csearch_path%3D{schema}"
    yield url
    engine_for(url).dispose()
    with admin.connect() as c:
        c.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


def _tables(url: str) -> set[str]:
    with engine_for(url).connect() as conn:
        return set(inspect(conn).get_table_names()) - {"alembic_version"}


class TestUpgradeAndDowngrade:
    def test_every_downgrade_runs_and_upgrading_again_gives_the_same_schema(self, fresh_url: str) -> None:
        upgrade(fresh_url)
        assert current(fresh_url) == head()
        assert _tables(fresh_url) == set(Base.metadata.tables)
        downgrade(fresh_url, "base")
        assert current(fresh_url) is None
        assert _tables(fresh_url) == set()
        upgrade(fresh_url)
        with engine_for(fresh_url).connect() as conn:
            assert compare_metadata(MigrationContext.configure(conn), Base.metadata) == []

    def test_an_upgrade_at_head_changes_nothing(self, fresh_url: str) -> None:
        upgrade(fresh_url)
        upgrade(fresh_url)
        assert current(fresh_url) == head()

    @pytest.mark.postgres
    def test_two_migrators_at_once_both_succeed(self, fresh_pg_url: str) -> None:
        """PostgreSQL only: SQLite's file lock serialises writers itself."""
        fresh_url = fresh_pg_url
        errors: list[BaseException] = []
        start = threading.Barrier(3)

        def migrate() -> None:
            start.wait()
            try:
                upgrade(fresh_url)
            except BaseException as exc:  # reported below, with the thread's error
                errors.append(exc)

        threads = [threading.Thread(target=migrate) for _ in range(3)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
        assert errors == []
        assert current(fresh_url) == head()


class TestDbStatusCommand:
    def test_says_upgrade_needed_then_at_head(self, fresh_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
        from api.cli import app

        monkeypatch.setattr(settings, "database_url", fresh_url)
        runner = CliRunner()
        before = runner.invoke(app, ["db", "status"])
        assert before.exit_code == 1
        assert "not migrated" in before.output and "coproduce db upgrade" in before.output
        assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
        after = runner.invoke(app, ["db", "status"])
        assert after.exit_code == 0, after.output
        assert f"database: {head()}" in after.output
        back = runner.invoke(app, ["db", "downgrade", "base"])
        assert back.exit_code == 0 and "database at: base" in back.output
        assert current(fresh_url) is None

    def test_a_database_from_a_newer_version_is_named_as_such(
        self, fresh_url: str, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        from api.cli import app

        upgrade(fresh_url)
        with engine_for(fresh_url).begin() as conn:
            conn.execute(text("UPDATE alembic_version SET version_num = 'ffffffffffff'"))
        monkeypatch.setattr(settings, "database_url", fresh_url)
        result = CliRunner().invoke(app, ["db", "status"])
        assert result.exit_code == 2
        assert "newer version" in result.output

    def test_an_unknown_revision_is_named_and_changes_nothing(
        self, fresh_url: str, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        from api.cli import app

        upgrade(fresh_url)
        monkeypatch.setattr(settings, "database_url", fresh_url)
        result = CliRunner().invoke(app, ["db", "downgrade", "nonsense"])
        assert result.exit_code == 2
        assert "revision 'nonsense'" in result.output and "Can't locate revision" in result.output
        assert current(fresh_url) == head()
