"""The database lost in the middle of a lifecycle task, for real: the task's PostgreSQL connection is
terminated by the server (``pg_terminate_backend`` of its own backend) after the service has written and
before the task commits. The task fails, Prefect retries it (a dropped connection is not a domain error),
the retry works on a fresh connection, and the flow completes: the plan moves once, each audit event is
recorded once, nothing is half-written."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any
from uuid import UUID

import pytest
from prefect import get_client
from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId
from prefect.client.schemas.objects import StateType, TaskRun
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from flows.lifecycle import plan_lifecycle
from plans.db import session_scope
from plans.domain.stages import Stage
from plans.models import Survey
from plans.services import lifecycle, stage_work
from tests.conftest import SMALL_PLAN, Database
from tests.support import create, events, push, stage_of

pytestmark = pytest.mark.prefect


def lose_the_connection_once(real: Callable[..., Any], when: Callable[[Any], bool]) -> Callable[..., Any]:
    """``real``, but the first time its result satisfies ``when`` (it wrote something) the session's
    connection is terminated by the server before the task can commit."""
    fired: list[bool] = []

    def call(session: Session, **kwargs: Any) -> Any:
        result = real(session, **kwargs)
        if not fired and when(result):
            fired.append(True)
            session.execute(text("SELECT pg_terminate_backend(pg_backend_pid())"))
        return result

    return call


def _task_runs(flow_run_id: UUID) -> list[TaskRun]:
    with get_client(sync_client=True) as client:
        return list(client.read_task_runs(flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[flow_run_id]))))


@pytest.mark.parametrize("db", ["postgresql"], indirect=True)  # the server ends the connection
@pytest.mark.parametrize("task", ["advance", "stage-work"])
def test_a_task_whose_connection_drops_before_commit_is_retried_and_the_flow_completes(
    prefect_api: str, db: Database, monkeypatch: pytest.MonkeyPatch, task: str
) -> None:
    control, people = create(SMALL_PLAN)
    people.agree_vision()
    push(control)  # the same plan taken to its next gate with no fault: what the outcome must match
    plan_id, people = create(SMALL_PLAN, slug="small-plan-two")
    people.agree_vision()
    if task == "advance":  # the move from vision, its stage entry and its audit event flushed, then lost
        faulty = lose_the_connection_once(lifecycle.step, lambda result: result.moved)
        monkeypatch.setattr(lifecycle, "step", faulty)
    else:  # the baseline survey opened (survey, staff list, invitations, audit event) flushed, then lost
        faulty = lose_the_connection_once(stage_work.run, bool)
        monkeypatch.setattr(stage_work, "run", faulty)

    state = plan_lifecycle(plan_id, return_state=True)  # a real flow run on the session's Prefect API

    assert state.is_completed(), state
    runs = [t for t in _task_runs(state.state_details.flow_run_id) if t.name.startswith(task)]
    retried = [t for t in runs if t.run_count > 1]
    assert len(retried) == 1 and retried[0].state_type is StateType.COMPLETED, [(t.name, t.run_count) for t in runs]
    assert stage_of(plan_id) is stage_of(control) is Stage.EVIDENCE_SURVEY
    mine, theirs = events(plan_id), events(control)
    assert Counter(e.kind for e in mine) == Counter(e.kind for e in theirs)
    assert [e.kind for e in mine].count("stage_changed") == 1  # moved exactly once
    keys = [e.dedupe_key for e in mine if e.dedupe_key]
    assert len(keys) == len(set(keys))
    with session_scope() as s:
        assert len(s.scalars(select(Survey).where(Survey.plan_id == plan_id)).all()) == 1
