"""What a readiness probe asks of the database: that a query runs, and which migration it is at."""

from __future__ import annotations

from alembic.migration import MigrationContext
from sqlalchemy import text
from sqlalchemy.orm import Session


class HealthRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def schema_revision(self) -> str | None:
        """The Alembic revision of the database (None: never migrated); one round trip."""
        self.session.execute(text("SELECT 1"))
        return MigrationContext.configure(self.session.connection()).get_current_revision()
