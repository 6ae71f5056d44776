"""Alembic environment: migrates the database named in the config, or coproduce's configured one."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from plans.config import settings
from plans.db import engine_for
from plans.models import Base

config = context.config
url = config.get_main_option("sqlalchemy.url") or settings.resolved_database_url()


def run_migrations_offline() -> None:
    context.configure(url=url, target_metadata=Base.metadata, literal_binds=True, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    given = config.attributes.get("connection")  # plans.migrations passes the connection holding its lock
    if given is not None:
        _migrate(given)
        given.commit()
        return
    with engine_for(url).connect() as connection:
        _migrate(connection)


def _migrate(connection: Connection) -> None:
    context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
