"""``coproduce db backup``: a consistent copy of the application database, taken while it is in use.

SQLite (the embedded default): SQLite's online backup API copies the file page by page under its own
locking, so a backup taken while the web app and the flows write is a consistent snapshot, never a torn
file (copying the file with ``cp`` during a write can be). PostgreSQL: ``pg_dump --format=custom`` of the
database (one consistent snapshot, restorable with ``pg_restore``); for point-in-time recovery a
production site adds WAL archiving as docs/operations.md describes. Backups hold personal data (staff lists,
email addresses) until the retention job deletes it from the database: rotate them within the retention
period so deleted data also leaves the backups.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
from pathlib import Path

from sqlalchemy.engine import make_url


class BackupFailed(RuntimeError):
    """The backup could not be taken; the message says why in words."""


def backup(url: str, out: Path) -> Path:
    """Write a backup of the database at ``url`` to ``out`` (created; an existing file is refused), via a
    temporary file renamed into place only when complete, so a failed backup never looks like one."""
    if out.exists():
        raise BackupFailed(f"{out} exists: choose a new file (a backup never overwrites one)")
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(f".{out.name}.partial-{os.getpid()}")
    try:
        if url.startswith("sqlite"):
            _sqlite(url, partial)
        else:
            _postgres(url, partial)
        os.replace(partial, out)
    finally:
        partial.unlink(missing_ok=True)
    return out


def _sqlite(url: str, out: Path) -> None:
    source = make_url(url).database
    if not source or source == ":memory:" or not Path(source).exists():
        raise BackupFailed(f"no SQLite database file at {source!r}")
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True, timeout=30)
    dst = sqlite3.connect(out)
    try:
        src.backup(dst, pages=1024)  # in steps, so writers are held for one step at a time, not the whole copy
        check = dst.execute("PRAGMA integrity_check").fetchone()
        if check != ("ok",):
            raise BackupFailed(f"the copy failed SQLite's integrity check: {check}")
    finally:
        dst.close()
        src.close()


def libpq_args(url: str) -> tuple[list[str], dict[str, str]]:
    """pg_dump's connection arguments and environment for a SQLAlchemy URL (the password goes in the
    environment, never on the command line where ``ps`` shows it)."""
    u = make_url(url)
    args = ["--dbname", u.database or "postgres"]
    if u.host:
        args += ["--host", u.host]
    if u.port:
        args += ["--port", str(u.port)]
    if u.username:
        args += ["--username", u.username]
    env = {"PGPASSWORD": u.password} if u.password else {}
    options = u.query.get("options")
    if options:
        env["PGOPTIONS"] = options if isinstance(options, str) else " ".join(options)
    return args, env


def _postgres(url: str, out: Path) -> None:
    args, env = libpq_args(url)
    argv = ["pg_dump", "--format=custom", "--no-owner", "--file", str(out), *args]
    try:
        done = subprocess.run(argv, env={**os.environ, **env}, capture_output=True, text=True, timeout=6 * 3600)
    except FileNotFoundError:
        raise BackupFailed(
            "pg_dump was not found: install PostgreSQL's client tools (e.g. postgresql-client)"
        ) from None
    if done.returncode != 0:
        raise BackupFailed(f"pg_dump failed: {done.stderr.strip() or done.returncode}")
