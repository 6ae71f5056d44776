"""Engines, sessions and the transaction boundary.

``session_scope`` is the one place that commits: services only flush. Work that must happen only once
the data is durable (waking a Prefect flow) is queued on the session with ``after_commit`` and run by
the boundary after a successful commit; a rollback drops it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import lru_cache
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

from plans.config import settings

log = logging.getLogger(__name__)

_AFTER_COMMIT = "coproduce_after_commit"
_AFTER_COMMIT_KEYS = "coproduce_after_commit_keys"


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    # the wait happens inside SQLite's C code, where a signal (a flow run being cancelled) is not handled
    cursor.execute(f"PRAGMA busy_timeout={int(settings.sqlite_busy_timeout_ms)}")
    cursor.close()


@lru_cache(maxsize=8)
def engine_for(url: str) -> Engine:
    """One engine per database URL, with SQLite set up for concurrent flows and the web app."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(
        url,
        pool_pre_ping=True,
        pool_size=settings.database_pool_size,
        max_overflow=settings.database_max_overflow,
        pool_timeout=settings.database_pool_timeout,
    )


def connections_per_process() -> int:
    """How many connections one process may hold at once: the web app admits that many requests at a time
    (api/admission.py), so that no request ever waits for a connection (on PostgreSQL; SQLite's pool for a
    file holds as many: SQLAlchemy's own 5 + 10, the same as the defaults here)."""
    return settings.database_pool_size + settings.database_max_overflow


def get_engine() -> Engine:
    """The engine for the configured database."""
    return engine_for(settings.resolved_database_url())


def session_factory(engine: Engine | None = None) -> sessionmaker[Session]:
    """Sessions that keep loaded objects usable after commit (edges read them to build responses)."""
    return _session_factory(engine or get_engine())


@lru_cache(maxsize=8)
def _session_factory(engine: Engine) -> sessionmaker[Session]:
    # one factory per engine: making a sessionmaker sets up its event dispatch, which cost every
    # transaction (every request, and every survey response) about 0.2 ms of CPU (bench.intake)
    return sessionmaker(bind=engine, expire_on_commit=False)


def after_commit(session: Session, callback: Callable[[], None], *, once_per: str | None = None) -> None:
    """Run ``callback`` once the boundary has committed this session's transaction. With ``once_per``,
    only the first callback queued under that key in this transaction runs (one transaction that records
    two decisions about a plan wakes its lifecycle flow once, not twice)."""
    if once_per is not None:
        keys: set[str] = session.info.setdefault(_AFTER_COMMIT_KEYS, set())
        if once_per in keys:
            return
        keys.add(once_per)
    session.info.setdefault(_AFTER_COMMIT, []).append(callback)


def run_after_commit(session: Session) -> None:
    """Run and clear the callbacks queued on ``session``; one failing does not stop the others."""
    callbacks = session.info.pop(_AFTER_COMMIT, [])
    session.info.pop(_AFTER_COMMIT_KEYS, None)
    for callback in callbacks:
        try:
            callback()
        except Exception:  # a wake-up that fails is recovered by the reconcile flow
            log.exception("after-commit callback failed")


@contextmanager
def session_scope(engine: Engine | None = None) -> Iterator[Session]:
    """A transaction: commit on success and then run after-commit work; roll back and drop it on error."""
    session = session_factory(engine)()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        session.info.pop(_AFTER_COMMIT, None)
        session.info.pop(_AFTER_COMMIT_KEYS, None)
        raise
    finally:
        session.close()
    run_after_commit(session)
