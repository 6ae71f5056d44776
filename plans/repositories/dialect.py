"""Statements whose SQL differs between SQLite and PostgreSQL, written once for both."""

from __future__ import annotations

from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session


def insert_ignoring_conflicts(session: Session, model: Any, index_elements: list[str]) -> Any:
    """``INSERT ... ON CONFLICT (index_elements) DO NOTHING`` for the session's database: the unique
    key decides what is new, so running the same writer twice adds nothing."""
    dialect = session.get_bind().dialect.name
    make = postgresql.insert if dialect == "postgresql" else sqlite.insert
    return make(model).on_conflict_do_nothing(index_elements=index_elements)


def upsert_adding(session: Session, model: Any, index_elements: list[str], column: str, amount: int = 1) -> Any:
    """``INSERT ... ON CONFLICT (index_elements) DO UPDATE SET column = column + amount``: a counter
    row created on first use and incremented atomically after."""
    dialect = session.get_bind().dialect.name
    make = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = make(model)
    return stmt.on_conflict_do_update(
        index_elements=index_elements, set_={column: getattr(model, column) + stmt.excluded[column]}
    )


def upsert_setting(session: Session, model: Any, index_elements: list[str], columns: list[str]) -> Any:
    """``INSERT ... ON CONFLICT (index_elements) DO UPDATE SET column = excluded.column`` for ``columns``:
    absolute values, so two writers computing the same state write the same row."""
    dialect = session.get_bind().dialect.name
    make = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = make(model)
    return stmt.on_conflict_do_update(index_elements=index_elements, set_={c: stmt.excluded[c] for c in columns})
