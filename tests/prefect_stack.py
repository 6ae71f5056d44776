"""A real Prefect API for tests that run flows: one ``prefect server start`` per session, and per test
the deployments of prefect.yaml served by ``python -m flows.serve`` against that test's database.
Conftests import the fixtures from here (the flow tests, the browser tests)."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from prefect import get_client
from prefect.client.schemas.filters import (
    DeploymentFilter,
    DeploymentFilterName,
    FlowRunFilter,
    FlowRunFilterState,
    FlowRunFilterStateType,
    FlowRunFilterTags,
)
from prefect.client.schemas.objects import FlowRun, StateType
from prefect.client.schemas.sorting import FlowRunSort
from prefect.settings import (
    PREFECT_API_URL,
    PREFECT_FLOWS_HEARTBEAT_FREQUENCY,
    PREFECT_LOGGING_TO_API_ENABLED,
    temporary_settings,
)

from flows.server import ChildProcess, PrefectServer, flow_server, free_port, wait_for_deployment
from plans import orchestration
from plans.config import settings
from plans.db import session_scope
from plans.repositories.plans import PlanRepository
from tests.conftest import Database

# the one flow server kept between tests, by database URL (at most one: two would both pick up runs)
_KEPT: dict[str, ChildProcess] = {}


@pytest.fixture(scope="session")
def prefect_api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """One real ``prefect server start`` for the whole session, as ``coproduce up`` runs it. (The
    test harness's ephemeral server runs no scheduler, and the schedule test needs one.)"""
    home = tmp_path_factory.mktemp("prefect-home")
    # each pytest-xdist worker prefers its own port: two asking for the same free one at once could both
    # be told it is free before either server has bound it
    worker = int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw") or 0)
    with running_prefect_server(home, free_port(4290 + 10 * worker), home / "server.log") as server:
        # in-process flow runs ship logs to the API; off here, so nothing flushes to a stopped server at exit
        quiet = {
            PREFECT_API_URL: server.api_url,
            PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None,
            PREFECT_LOGGING_TO_API_ENABLED: False,
        }
        try:
            with temporary_settings(updates=quiet):
                yield server.api_url
        finally:
            for process in _KEPT.values():
                process.stop()
            _KEPT.clear()


@contextmanager
def running_prefect_server(home: Path, port: int, log_path: Path) -> Iterator[PrefectServer]:
    """``prefect server start`` on SQLite under ``home``, without the UI, once it answers its health
    check; stopped on the way out, whether it became healthy or not."""
    server = PrefectServer(home, port, log_path, ui=False)
    server.start()
    try:
        server.wait_healthy(timeout=150)
        yield server
    finally:
        server.stop()


@pytest.fixture
def served(
    prefect_api: str,
    db: Database,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    share_flow_server: bool,
) -> Iterator[ChildProcess]:
    """The lifecycle and reconcile deployments served for this test's database, wake-ups on. Where
    ``share_flow_server`` (the flow tests: one SQLite path for all), the server is kept for the next test
    on the same database once every run has ended, which saves a start and a stop per test."""
    process = _KEPT.pop(db.url, None)
    for other in _KEPT.values():
        other.stop()
    _KEPT.clear()
    if process is None or not process.running():
        # a run cancelled while its task waits for a SQLite lock handles the runner's SIGTERM only once the
        # wait ends: 3 s rather than 30 s here (a task that times out is retried, as in production)
        extra = {"COPRODUCE_SERVE_SCHEDULES": "0", "COPRODUCE_SQLITE_BUSY_TIMEOUT_MS": "3000"}
        log_dir = tmp_path.parent if share_flow_server else tmp_path
        process = flow_server(prefect_api, db.url, log_dir / "flow-server.log", extra)
        process.start()
    keep = False
    try:
        wait_for_deployment(settings.lifecycle_deployment, timeout=90)
        monkeypatch.setattr(settings, "wake_flows", True)
        yield process
        keep = share_flow_server and _no_active_runs(timeout=30)
    finally:
        if keep and process.running():
            _KEPT[db.url] = process
        else:
            process.stop()


def _no_active_runs(timeout: float) -> bool:
    """Whether every lifecycle run has ended (within ``timeout``): a run left going would act on the next
    test's database, whose plans have the same ids."""
    active = FlowRunFilter(
        state=FlowRunFilterState(type=FlowRunFilterStateType(any_=[StateType(s) for s in orchestration.ACTIVE_STATES]))
    )
    lifecycle = DeploymentFilter(name=DeploymentFilterName(any_=[settings.lifecycle_deployment.split("/")[-1]]))
    deadline = time.monotonic() + timeout
    with get_client(sync_client=True) as client:
        while time.monotonic() < deadline:
            if not client.read_flow_runs(flow_run_filter=active, deployment_filter=lifecycle, limit=1):
                return True
            time.sleep(0.25)
    return False


def plan_uid(plan_id: int) -> str:
    with session_scope() as s:
        plan = PlanRepository(s).get(plan_id)
        assert plan is not None
        return plan.uid


def start_run(plan_id: int, key: str) -> UUID:
    """Start a lifecycle deployment run for the plan, as a wake-up would."""
    run_id = orchestration.start_lifecycle_run(plan_id, plan_uid(plan_id), key)
    assert run_id is not None
    return run_id


def lifecycle_runs(plan_id: int) -> list[FlowRun]:
    """The plan's lifecycle runs, oldest first."""
    with get_client(sync_client=True) as client:
        return list(
            client.read_flow_runs(
                flow_run_filter=FlowRunFilter(tags=FlowRunFilterTags(all_=[f"plan-uid:{plan_uid(plan_id)}"])),
                sort=FlowRunSort.EXPECTED_START_TIME_ASC,
            )
        )


def wait_for(what: str, check: Callable[[], Any], timeout: float = 90, process: ChildProcess | None = None) -> Any:
    """Poll ``check`` until it returns something truthy; fail with the flow server's log tail."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.25)
    tail = process.tail(40) if process else ""
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}\n{tail}")


def all_final(plan_id: int, count: int) -> list[FlowRun] | None:
    """The plan's runs once there are ``count`` of them and all have finished."""
    runs = lifecycle_runs(plan_id)
    if len(runs) >= count and all(r.state is not None and r.state.is_final() for r in runs):
        return runs
    return None
