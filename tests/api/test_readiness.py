"""``/readyz`` tells a proxy or load balancer whether this web worker can serve: 200 when the database
answers and is at this version's schema, 503 with the reason (never migrated, a different schema, or
unreachable) otherwise; ``/healthz`` is liveness only and answers whatever the database does."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from plans.config import settings
from plans.db import engine_for
from plans.migrations import head
from tests.conftest import Database
from tests.web import client


def test_ready_at_head(db: Database) -> None:
    response = client().get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ready", "schema": head(), "reason": "ready"}


def test_not_ready_at_another_schema(db: Database) -> None:
    with engine_for(db.url).begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = 'ffffffffffff'"))
    try:
        response = client().get("/readyz")
    finally:
        with engine_for(db.url).begin() as conn:
            conn.execute(text("UPDATE alembic_version SET version_num = :v"), {"v": head()})
    assert response.status_code == 503
    assert "ffffffffffff" in response.json()["reason"] and "coproduce db status" in response.json()["reason"]


def test_not_ready_before_migrating(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(settings, "database_url", f"sqlite:///{tmp_path / 'empty.db'}")
    response = client().get("/readyz")
    assert response.status_code == 503
    assert response.json()["reason"] == "the database has not been migrated: run `coproduce db upgrade`"
    assert client().get("/healthz").json() == {"status": "ok"}


def test_not_ready_when_the_database_is_unreachable(monkeypatch: pytest.MonkeyPatch) -> None:
    # a port where nothing listens: the connection is refused at once
    monkeypatch.setattr(settings, "database_url", "postgresql+psycopg://nobody@127.0.0.1:9/none")
    response = client().get("/readyz")
    assert response.status_code == 503
    assert "could not be reached" in response.text
    assert client().get("/healthz").status_code == 200
