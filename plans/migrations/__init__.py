"""Alembic migrations (dated file names) and the functions that bring a database to head and say where
it stands.

Several machines may run ``coproduce db upgrade`` at once in a rolling deployment (or a CLI command that
migrates on start while a worker does too). On PostgreSQL every upgrade and downgrade therefore runs on
one connection holding a session-level advisory lock: the second migrator waits, then finds the schema at
head and does nothing, instead of failing half-way on "relation already exists". SQLite serialises
writers itself (the file lock), and a SQLite database is never shared between machines.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, text

HERE = Path(__file__).resolve().parent
# pg_advisory_lock key: any constant that no other code of ours uses ("coproduc" as a 64-bit integer)
MIGRATION_LOCK_KEY = 0x636F70726F647563


def alembic_config(url: str, connection: Connection | None = None) -> Config:
    """An Alembic config for ``url`` that works from an installed package as well as a checkout; with
    ``connection``, env.py migrates on that connection instead of opening its own."""
    cfg = Config()
    cfg.set_main_option("script_location", str(HERE))
    cfg.set_main_option(
        "file_template", "%%(year)d_%%(month).2d_%%(day).2d_%%(hour).2d%%(minute).2d_%%(rev)s_%%(slug)s"
    )
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


@contextmanager
def _migrating(url: str) -> Iterator[Config]:
    """A config bound to one connection that holds the migration lock (PostgreSQL) for its lifetime."""
    from plans.db import engine_for

    with engine_for(url).connect() as conn:
        postgres = conn.dialect.name == "postgresql"
        if postgres:
            conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": MIGRATION_LOCK_KEY})
            conn.commit()
        try:
            yield alembic_config(url, conn)
        finally:
            if postgres:
                conn.rollback()  # a failed migration leaves the connection in an aborted transaction
                conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": MIGRATION_LOCK_KEY})
                conn.commit()


def upgrade(url: str, revision: str = "head") -> None:
    """Migrate the database at ``url`` to ``revision`` (default: the newest); safe to run from several
    processes at once."""
    with _migrating(url) as cfg:
        command.upgrade(cfg, revision)


def downgrade(url: str, revision: str) -> None:
    """Migrate the database at ``url`` back to ``revision`` (``base``: no tables of ours left)."""
    with _migrating(url) as cfg:
        command.downgrade(cfg, revision)


def _scripts() -> ScriptDirectory:
    """The migrations this version of coproduce ships (no database needed)."""
    return ScriptDirectory.from_config(alembic_config("sqlite://"))


def head() -> str:
    """The newest revision this version of coproduce knows."""
    found = _scripts().get_current_head()
    assert found is not None, "no migrations found"
    return found


def known(revision: str) -> bool:
    """Whether this version of coproduce has the migration ``revision`` (a newer version may have
    migrated the database past what this one knows)."""
    from alembic.util import CommandError

    try:
        return _scripts().get_revision(revision) is not None
    except CommandError:  # "No such revision or branch"
        return False


def current(url: str) -> str | None:
    """The revision the database at ``url`` is at (None: never migrated)."""
    from plans.db import engine_for

    with engine_for(url).connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()
