"""A lifecycle run whose worker and flow-run process are killed with SIGKILL stays Running in Prefect for
ever (nothing is left to report), so its plan would never be restarted. The reconcile flow presumes such a
run dead once it has been pending or running past ``lifecycle_run_stale_minutes``: it marks it Crashed
with why, and starts a fresh run that takes the plan to its next gate, nothing recorded twice."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import UUID

import psutil
import pytest
from prefect import get_client
from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId
from prefect.client.schemas.objects import StateType
from prefect.states import State

from flows.reconcile import reconcile
from flows.server import ChildProcess
from plans.config import settings
from plans.domain.stages import Stage
from plans.orchestration import _state_label, stale_verdict
from tests.conftest import SMALL_PLAN, Database
from tests.flows.test_lifecycle_flow import plan_row_locked
from tests.prefect_stack import all_final, start_run, wait_for
from tests.support import create, events, push, stage_of

pytestmark = pytest.mark.prefect

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
BOUND = timedelta(minutes=15)


class TestStaleVerdict:
    @pytest.mark.parametrize("state", ["PENDING", "RUNNING", "CANCELLING"])
    def test_a_run_only_a_process_could_move_on_is_dead_past_the_bound(self, state: str) -> None:
        assert stale_verdict(state, NOW - BOUND - timedelta(seconds=1), NOW, BOUND) == "dead"
        assert stale_verdict(state, NOW - BOUND, NOW, BOUND) == "live"

    def test_a_scheduled_run_no_worker_took_is_late_not_dead(self) -> None:
        assert stale_verdict("SCHEDULED", NOW - timedelta(hours=3), NOW, BOUND) == "late"
        assert stale_verdict("SCHEDULED", NOW + timedelta(hours=3), NOW, BOUND) == "live"

    def test_a_paused_run_or_one_without_a_time_is_left_alone(self) -> None:
        assert stale_verdict("PAUSED", NOW - timedelta(days=3), NOW, BOUND) == "live"
        assert stale_verdict("RUNNING", None, NOW, BOUND) == "live"

    def test_the_default_bound_is_minutes_not_seconds(self) -> None:
        assert 5 <= settings.lifecycle_run_stale_minutes <= 60

    def test_a_coordinator_reads_what_late_means(self) -> None:
        assert _state_label(State(type=StateType.SCHEDULED, name="Late")).startswith("Late: no worker has started it")
        assert _state_label(State(type=StateType.RUNNING)) == "Running"


def kill_hard(process: ChildProcess) -> int:
    """SIGKILL the flow server (the runner, as a worker) first, so it cannot report anything, then every
    process it started (the flow-run process has a session of its own); returns how many were killed."""
    assert process.proc is not None
    runner = psutil.Process(process.proc.pid)
    children = runner.children(recursive=True)
    runner.kill()
    process.proc.wait(10)
    for child in children:
        child.kill()
    psutil.wait_procs(children, timeout=10)
    return 1 + len(children)


def _task_running(run_id: UUID) -> bool:
    with get_client(sync_client=True) as client:
        tasks = client.read_task_runs(flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[run_id])))
    return any(t.state_type is StateType.RUNNING for t in tasks)


def _state(run_id: UUID) -> State:
    with get_client(sync_client=True) as client:
        state = client.read_flow_run(run_id).state
    assert state is not None
    return state


class TestKilledRun:
    # on PostgreSQL only, as in production: nothing in presuming a run dead depends on the database, and the
    # killed task's backend, left waiting on the row lock, must give way to the fresh run's
    @pytest.mark.parametrize("db", ["postgresql"], indirect=True)
    def test_presumed_dead_past_the_bound_then_the_plan_reaches_its_next_gate(
        self, served: ChildProcess, db: Database, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setattr(settings, "wake_flows", False)
        control, people = create(SMALL_PLAN)
        people.agree_vision()
        push(control)  # the same plan taken to its next gate without Prefect: what the outcome must match
        plan_id, people = create(SMALL_PLAN, slug="small-plan-two")
        people.agree_vision()
        monkeypatch.setattr(settings, "wake_flows", True)

        with plan_row_locked(db, plan_id):
            run_id = start_run(plan_id, "to-kill")
            wait_for("a task to be stuck inside the stage", lambda: _task_running(run_id), process=served)
            assert kill_hard(served) >= 2, "the runner and its flow-run process"
        assert _state(run_id).type is StateType.RUNNING  # and nothing will ever report otherwise
        assert stage_of(plan_id) is Stage.VISION

        # within the bound the run still counts as in flight: no second run is started beside it
        assert reconcile() == {"started": [], "presumed_dead": [], "waiting_for_worker": []}

        served.start()  # the worker comes back (a supervisor restarts it); it knows nothing of the old run
        monkeypatch.setattr(settings, "lifecycle_run_stale_minutes", 0.01)  # 0.6 s: the run is older
        done = reconcile()
        assert done == {"started": [plan_id], "presumed_dead": [str(run_id)], "waiting_for_worker": []}
        dead = _state(run_id)
        assert dead.type is StateType.CRASHED and "presumed dead" in (dead.message or "")

        runs = wait_for("the fresh run", lambda: all_final(plan_id, 2), process=served)
        assert [r.state_type for r in runs] == [StateType.CRASHED, StateType.COMPLETED]
        assert stage_of(plan_id) is stage_of(control) is Stage.EVIDENCE_SURVEY
        mine = events(plan_id)
        assert sorted(e.kind for e in mine) == sorted(e.kind for e in events(control))
        keys = [e.dedupe_key for e in mine if e.dedupe_key]
        assert len(keys) == len(set(keys))
        assert reconcile()["started"] == []  # the crashed run is over, the plan waits for people: nothing to do
