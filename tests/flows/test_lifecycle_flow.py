"""The plan-lifecycle deployment on a real Prefect API: it stops at a gate that waits for people, a
decision recorded through the service wakes it, and a cancelled run repeated ends where an
uninterrupted one would, with no audit event recorded twice."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
import pytest
from prefect import get_client
from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey
from prefect.client.schemas.objects import StateType
from prefect.states import State
from sqlalchemy import select

from flows.reconcile import reconcile
from flows.server import ChildProcess
from plans.config import settings
from plans.db import session_scope
from plans.domain.facts import Decision
from plans.domain.lifecycle import replay
from plans.domain.stages import Stage
from plans.models import Survey, SurveyKind
from plans.repositories.evaluation import EvaluationRepository
from plans.repositories.surveys import SurveyRepository
from tests.conftest import SMALL_PLAN, Database
from tests.prefect_stack import all_final, lifecycle_runs, start_run, wait_for
from tests.support import create, events, push, stage_of, walk_to

pytestmark = pytest.mark.prefect


class TestWaitingForSignOff:
    def test_stops_at_sign_off_and_the_decision_wakes_it(
        self, served: ChildProcess, db: Database, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setattr(settings, "wake_flows", False)
        plan_id, people = create(SMALL_PLAN)
        walk_to(plan_id, people, Stage.RECOMMENDATIONS)
        people.add_expectations()
        people.draft_recommendations()
        monkeypatch.setattr(settings, "wake_flows", True)

        start_run(plan_id, "test-start")
        runs = wait_for("the first run to finish", lambda: all_final(plan_id, 1), process=served)
        assert runs[0].state.type is StateType.COMPLETED
        assert stage_of(plan_id) is Stage.SIGN_OFF  # moved from recommendations, then stopped at the gate
        with get_client(sync_client=True) as client:
            artifacts = client.read_artifacts(
                artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=[f"plan-{plan_id}-status"]))
            )
        mine = [a for a in artifacts if a.flow_run_id == runs[0].id]
        assert len(mine) == 1, "one status artifact per run"
        assert "Sign-off" in mine[0].data and "waiting for Abe Approver, Ann Approver" in mine[0].data

        people.decide(people.approvers[0], 1, Decision.APPROVE)  # one of two: the gate stays shut, nothing is woken
        time.sleep(1.5)
        assert len(lifecycle_runs(plan_id)) == 1

        people.decide(people.approvers[1], 1, Decision.APPROVE)  # quorum: this decision wakes the flow after commit
        runs = wait_for("the woken run to finish", lambda: all_final(plan_id, 2), process=served)
        assert [r.state.type for r in runs] == [StateType.COMPLETED, StateType.COMPLETED]
        assert stage_of(plan_id) is Stage.DELIVERY
        with session_scope() as s:  # the flow did the delivery stage's own work, then stopped at its gate
            assert len(EvaluationRepository(s).checkpoints(plan_id)) == 2


@contextmanager
def plan_row_locked(db: Database, plan_id: int) -> Iterator[None]:
    """Hold a write lock on the plan from outside, so a run's task blocks inside its stage."""
    if db.dialect == "sqlite":
        conn = sqlite3.connect(db.url.removeprefix("sqlite:///"), isolation_level=None)
        conn.execute("BEGIN IMMEDIATE")
    else:
        conn = psycopg.connect(db.url.replace("postgresql+psycopg", "postgresql"))
        conn.execute("SELECT id FROM plans WHERE id = %s FOR UPDATE", (plan_id,))
    try:
        yield
    finally:
        conn.rollback() if db.dialect != "sqlite" else conn.execute("ROLLBACK")
        conn.close()


@pytest.fixture
def twins(served: ChildProcess, monkeypatch: pytest.MonkeyPatch) -> tuple[int, int]:
    """Two identical plans with their vision agreed: a control pushed to its next gate without
    Prefect, and one left for a lifecycle deployment run. Wake-ups are off while they are made."""
    monkeypatch.setattr(settings, "wake_flows", False)
    control, people = create(SMALL_PLAN)
    people.agree_vision()
    push(control)
    plan_id, people = create(SMALL_PLAN, slug="small-plan-two")
    people.agree_vision()
    monkeypatch.setattr(settings, "wake_flows", True)
    return control, plan_id


class TestCancelledRun:
    def test_cancelled_mid_stage_then_repeated_ends_in_the_same_state(
        self, served: ChildProcess, db: Database, twins: tuple[int, int]
    ) -> None:
        control, plan_id = twins
        with plan_row_locked(db, plan_id), get_client(sync_client=True) as client:
            run_id = start_run(plan_id, "to-cancel")
            wait_for("a task to be stuck inside the stage", lambda: _running_tasks(client, run_id), process=served)
            client.set_flow_run_state(run_id, State(type=StateType.CANCELLING))
            wait_for("the run to be cancelled", lambda: client.read_flow_run(run_id).state.is_final(), process=served)
            assert client.read_flow_run(run_id).state_type is StateType.CANCELLED
        assert stage_of(plan_id) is Stage.VISION and "stage_changed" not in [e.kind for e in events(plan_id)]

        start_run(plan_id, "again")
        wait_for("the repeated run", lambda: all_final(plan_id, 2), process=served)
        _assert_same_outcome(plan_id, control)

    def test_cancelled_at_any_moment_then_repeated_ends_in_the_same_state(
        self, served: ChildProcess, twins: tuple[int, int]
    ) -> None:
        control, plan_id = twins
        run_id = start_run(plan_id, "to-cancel")
        with get_client(sync_client=True) as client:
            wait_for(
                "the run to start",
                lambda: (
                    client.read_flow_run(run_id).state_type is StateType.RUNNING
                    or client.read_flow_run(run_id).state.is_final()
                ),
                process=served,
            )
            client.set_flow_run_state(run_id, State(type=StateType.CANCELLING))
            wait_for("the run to stop", lambda: client.read_flow_run(run_id).state.is_final(), process=served)
        start_run(plan_id, "again")
        wait_for("the repeated run", lambda: all_final(plan_id, 2), process=served)
        _assert_same_outcome(plan_id, control)


def _running_tasks(client: object, run_id: object) -> bool:
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

    tasks = client.read_task_runs(flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[run_id])))  # type: ignore[attr-defined]
    return any(t.state_type is StateType.RUNNING for t in tasks)


def _assert_same_outcome(plan_id: int, control: int) -> None:
    assert stage_of(plan_id) is stage_of(control) is Stage.EVIDENCE_SURVEY
    mine, theirs = events(plan_id), events(control)
    assert sorted(e.kind for e in mine) == sorted(e.kind for e in theirs)
    keys = [e.dedupe_key for e in mine if e.dedupe_key]
    assert len(keys) == len(set(keys))
    assert replay((e.kind, e.data) for e in mine).stage is Stage.EVIDENCE_SURVEY
    with session_scope() as s:
        assert SurveyRepository(s).for_plan(plan_id, SurveyKind.BASELINE) is not None
        assert len(s.scalars(select(Survey).where(Survey.plan_id == plan_id)).all()) == 1


class TestReconcile:
    def test_starts_a_run_for_a_plan_nobody_woke(
        self, served: ChildProcess, db: Database, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setattr(settings, "wake_flows", False)
        plan_id, people = create(SMALL_PLAN)
        people.agree_vision()  # the wake-up is "lost": wake_flows was off
        monkeypatch.setattr(settings, "wake_flows", True)
        assert lifecycle_runs(plan_id) == []

        assert reconcile()["started"] == [plan_id]
        wait_for("the reconciled run", lambda: all_final(plan_id, 1), process=served)
        assert stage_of(plan_id) is Stage.EVIDENCE_SURVEY
        assert reconcile()["started"] == []  # the survey is open: nothing to do until people answer
