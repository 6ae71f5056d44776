"""The migrations build exactly the schema the models declare, on both databases."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from plans.db import engine_for
from plans.models import Base
from tests.conftest import Database


class TestMigrations:
    def test_schema_matches_models(self, db: Database) -> None:
        with engine_for(db.url).connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
        assert diff == [], f"models and migrations differ; add a migration: {diff}"
