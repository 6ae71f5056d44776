"""``coproduce db backup``: a consistent copy taken while the database is in use, which restores to the
same rows at the same schema; a backup never overwrites a file and a failed one leaves no file behind."""

from __future__ import annotations

import subprocess
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select, text
from typer.testing import CliRunner

from plans.backup import BackupFailed, backup, libpq_args
from plans.config import settings
from plans.db import engine_for, session_scope
from plans.migrations import current, head, upgrade
from plans.models import AuditEvent, Plan
from tests.conftest import PG_BASE, SMALL_PLAN, Database
from tests.support import create


def _counts(url: str) -> tuple[int, int]:
    with engine_for(url).connect() as c:
        plans = c.scalar(select(func.count()).select_from(Plan))
        events = c.scalar(select(func.count()).select_from(AuditEvent))
    return plans or 0, events or 0


class TestSqlite:
    @pytest.mark.parametrize("db", ["sqlite"], indirect=True)
    def test_a_backup_during_writes_is_consistent_and_restores(self, db: Database, tmp_path: Path) -> None:
        create(SMALL_PLAN)
        stop = threading.Event()

        def write() -> None:  # another process's writes, as the web app's would be
            while not stop.is_set():
                create(SMALL_PLAN, slug=f"p-{uuid.uuid4().hex[:8]}")

        writer = threading.Thread(target=write)
        writer.start()
        try:
            out = backup(db.url, tmp_path / "b" / "coproduce.db")
        finally:
            stop.set()
            writer.join()
        copy = f"sqlite:///{out}"
        assert current(copy) == head()
        plans, events = _counts(copy)
        assert plans >= 1 and events >= 1
        with engine_for(copy).connect() as c:
            assert c.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
        engine_for(copy).dispose()

    @pytest.mark.parametrize("db", ["sqlite"], indirect=True)
    def test_never_overwrites_and_says_so_on_the_command_line(self, db: Database, tmp_path: Path) -> None:
        from api.cli import app

        out = tmp_path / "backup.db"
        first = CliRunner().invoke(app, ["db", "backup", str(out)])
        assert first.exit_code == 0 and "backup written" in first.output
        size = out.stat().st_size
        again = CliRunner().invoke(app, ["db", "backup", str(out)])
        assert again.exit_code == 1 and "exists" in again.output
        assert out.stat().st_size == size

    def test_a_missing_database_file_leaves_no_backup(self, tmp_path: Path) -> None:
        with pytest.raises(BackupFailed, match="no SQLite database file"):
            backup(f"sqlite:///{tmp_path / 'none.db'}", tmp_path / "out.db")
        assert list(tmp_path.iterdir()) == []


@pytest.fixture
def pg_database(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A database of its own (pg_dump dumps a whole database, and the suite shares ``test``)."""
    request.getfixturevalue("pg_schema")  # skips (or fails under CI) without PostgreSQL, saying why
    name = f"coproduce_backup_{uuid.uuid4().hex[:8]}"
    admin = create_engine(PG_BASE, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))
    url = PG_BASE.rsplit("/", 1)[0] + f"/{name}"
    upgrade(url)
    monkeypatch.setattr(settings, "database_url", url)
    yield url
    engine_for(url).dispose()
    with admin.connect() as c:
        c.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.mark.postgres
def test_postgres_backup_restores_with_pg_restore(pg_database: str, tmp_path: Path) -> None:
    create(SMALL_PLAN)
    with session_scope() as s:
        before = s.scalar(select(func.count()).select_from(AuditEvent))
    out = backup(pg_database, tmp_path / "coproduce.dump")
    target = f"{pg_database}_restored"
    admin = create_engine(PG_BASE, isolation_level="AUTOCOMMIT")
    name = target.rsplit("/", 1)[1]
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        args, env = libpq_args(target)
        subprocess.run(["pg_restore", "--no-owner", *args, str(out)], check=True, capture_output=True, env=env)
        assert current(target) == head()
        assert _counts(target) == (1, before)
    finally:
        engine_for(target).dispose()
        with admin.connect() as c:
            c.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        admin.dispose()


def test_libpq_arguments_keep_the_password_off_the_command_line() -> None:
    args, env = libpq_args("postgresql+psycopg://app:s3cret@db.example:6432/coproduce?options=-csearch_path%3Dx")
    assert args == ["--dbname", "coproduce", "--host", "db.example", "--port", "6432", "--username", "app"]
    assert env == {"PGPASSWORD": "s3cret", "PGOPTIONS": "-csearch_path=x"}
