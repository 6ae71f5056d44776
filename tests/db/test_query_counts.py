"""Gathering facts for many plans costs the same number of queries as for one."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import yaml
from sqlalchemy import event

from plans.db import get_engine, session_scope
from plans.files import parse_plan
from plans.models import utcnow
from plans.services.actors import SYSTEM
from plans.services.lifecycle import plans_needing_a_run
from plans.services.plan_setup import create_plan
from plans.services.status import list_statuses
from tests.conftest import SMALL_PLAN, Database


@contextmanager
def counting() -> Iterator[list[str]]:
    statements: list[str] = []
    engine = get_engine()

    def count(conn, cursor, statement, *args):  # type: ignore[no-untyped-def]
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


def _plans(first: int, n: int) -> None:
    data = yaml.safe_load(SMALL_PLAN.read_text())
    for i in range(first, first + n):
        data["plan"]["slug"] = f"plan-{i}"
        with session_scope() as s:
            create_plan(s, spec=parse_plan(data, "test"), actor=SYSTEM, now=utcnow())


class TestQueryCounts:
    def test_status_list_and_reconcile_do_not_grow_with_plans(self, db: Database) -> None:
        _plans(0, 1)
        with counting() as one, session_scope() as s:
            list_statuses(s, now=utcnow())
            plans_needing_a_run(s, now=utcnow())
        _plans(1, 24)
        with counting() as many, session_scope() as s:
            assert len(list_statuses(s, now=utcnow())) == 25
            plans_needing_a_run(s, now=utcnow())
        assert len(many) == len(one), f"{len(one)} queries for 1 plan, {len(many)} for 25"
