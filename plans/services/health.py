"""Readiness: can this process serve requests? A load balancer or proxy asks ``/readyz`` before sending
traffic to a web worker, and during a rolling upgrade it must say "not ready" while the database is
unreachable or at a different schema than this version's code expects (``coproduce db upgrade`` not run
yet, or run by a newer version): serving then would fail on the first query that touches a new column."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from sqlalchemy.orm import Session

from plans.repositories.health import HealthRepository


@dataclass(frozen=True)
class Readiness:
    ready: bool
    schema: str | None
    expected: str
    reason: str


@cache
def _expected() -> str:
    from plans.migrations import head

    return head()


def readiness(session: Session) -> Readiness:
    """Whether the database answers and is at this version's schema. A database that cannot be reached
    raises (the app's handler answers 503 in words)."""
    at, expected = HealthRepository(session).schema_revision(), _expected()
    if at == expected:
        return Readiness(True, at, expected, "ready")
    if at is None:
        return Readiness(False, at, expected, "the database has not been migrated: run `coproduce db upgrade`")
    return Readiness(
        False, at, expected, f"the database is at schema {at}, this version needs {expected}: `coproduce db status`"
    )
