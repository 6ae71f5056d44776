"""The Prefect server lost mid-wait and brought back: plans waiting for people have no run in flight, so
nothing of theirs is in Prefect to lose. A decision recorded while the server is down is kept (its wake-up
fails fast) and the reconcile flow starts the run once the server is back; a decision that arrives after
the restart wakes its plan as usual. Each plan reaches its next stage once, nothing recorded twice.

The server here is this test's own (``prefect server start`` on SQLite under a home of its own), killed
with SIGKILL and started again on the same port twice: first with its database kept, then (the harsher
case, a lost server) with an empty one, when the flow server is restarted and registers the deployments
again. A wake-up is best effort (a server just back may answer 503 while busy): a plan whose wake-up
failed is started by the reconciler too. Runs once, on the SQLite app database: the Prefect side is what
is under test."""

from __future__ import annotations

import os
import signal
import sqlite3
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from prefect.settings import (
    PREFECT_API_URL,
    PREFECT_FLOWS_HEARTBEAT_FREQUENCY,
    PREFECT_LOGGING_TO_API_ENABLED,
    temporary_settings,
)
from sqlalchemy import func, select

from flows.demo_people import People
from flows.reconcile import reconcile
from flows.server import ChildProcess, PrefectServer, flow_server, free_port, wait_for_deployment
from plans import orchestration
from plans.config import settings
from plans.db import session_scope
from plans.domain.facts import Decision
from plans.domain.stages import Stage
from plans.models import SignOffDecision
from tests.conftest import SMALL_PLAN, Database
from tests.prefect_stack import all_final, lifecycle_runs, wait_for
from tests.support import create, events, stage_of, walk_to

pytestmark = pytest.mark.prefect


class Stack:
    """This test's Prefect server and the flow server serving the deployments against it."""

    def __init__(self, tmp_path: Path, db: Database) -> None:
        self.tmp_path, self.db = tmp_path, db
        self.port = free_port(4385)
        self.server = self._server(tmp_path / "prefect-home")
        self.flows: ChildProcess | None = None

    def _server(self, home: Path) -> PrefectServer:
        return PrefectServer(home, self.port, self.tmp_path / "prefect-server.log", ui=False)

    def start_server(self, home: Path | None = None) -> None:
        if home is not None:
            self.server = self._server(home)
        self.server.start()
        self.server.wait_healthy(timeout=150)

    def keep_an_empty_database(self, home: Path) -> None:
        """A copy of the server's database as migrations leave it, before anything is registered: what a
        new server starts from (and without the 10 s of migrations)."""
        home.mkdir()
        source = sqlite3.connect(self.server.env["PREFECT_HOME"] + "/prefect.db")
        target = sqlite3.connect(home / "prefect.db")
        with target:
            source.backup(target)
        source.close()
        target.close()

    def kill_server(self) -> None:
        """SIGKILL, as a lost machine or an OOM kill: no clean-up of any kind."""
        assert self.server.proc is not None
        os.killpg(self.server.proc.pid, signal.SIGKILL)
        self.server.proc.wait(10)

    def start_flows(self) -> None:
        extra = {"COPRODUCE_SERVE_SCHEDULES": "0"}
        self.flows = flow_server(self.server.api_url, self.db.url, self.tmp_path / "flow-server.log", extra)
        self.flows.start()
        wait_for_deployment(settings.lifecycle_deployment, timeout=90)

    def supervise_flows(self) -> None:
        """Start the flow server again if it has exited, as a supervisor (systemd, ``coproduce up``) would:
        a served runner gives up after three failed polls of a server that is down (a worker, after four
        rounds of back-off)."""
        assert self.flows is not None
        if not self.flows.running():
            self.start_flows()

    def stop(self) -> None:
        if self.flows is not None:
            self.flows.stop()
        if self.server.running():
            self.kill_server()  # a throwaway server: nothing of it to keep


@pytest.fixture
def stack(db: Database, tmp_path: Path) -> Iterator[Stack]:
    own = Stack(tmp_path, db)
    own.start_server()
    own.keep_an_empty_database(tmp_path / "prefect-home-new")
    quiet = {
        PREFECT_API_URL: own.server.api_url,
        PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None,
        PREFECT_LOGGING_TO_API_ENABLED: False,
    }
    try:
        with temporary_settings(updates=quiet):
            own.start_flows()
            yield own
    finally:
        own.stop()


def at_sign_off(monkeypatch: pytest.MonkeyPatch, slug: str) -> tuple[int, People]:
    """A plan waiting for its two approvers, taken there without Prefect (no run in flight)."""
    monkeypatch.setattr(settings, "wake_flows", False)
    plan_id, people = create(SMALL_PLAN, slug=slug)
    walk_to(plan_id, people, Stage.SIGN_OFF)
    monkeypatch.setattr(settings, "wake_flows", True)
    return plan_id, people


def _approvals(plan_id: int) -> int:
    with session_scope() as s:
        return (
            s.scalar(select(func.count()).select_from(SignOffDecision).where(SignOffDecision.plan_id == plan_id)) or 0
        )


def _assert_moved_once_to_delivery(plan_id: int) -> None:
    assert stage_of(plan_id) is Stage.DELIVERY
    mine = events(plan_id)
    moves = [(e.data["from"], e.data["to"]) for e in mine if e.kind == "stage_changed"]
    assert Counter(moves)[("sign_off", "delivery")] == 1
    keys = [e.dedupe_key for e in mine if e.dedupe_key]
    assert len(keys) == len(set(keys))
    assert _approvals(plan_id) == 2  # each decision once


def outage(stack: Stack, waiting: list[tuple[int, People]], comes_back: Callable[[], None]) -> None:
    """The server killed while two plans wait at sign-off; one is decided in full while it is down, the
    other gets its last decision once the server is back. Both reach delivery once."""
    (decided_while_down, a), (decided_after, b) = waiting
    stack.kill_server()
    a.decide(a.approvers[0], 1, Decision.APPROVE)
    a.decide(a.approvers[1], 1, Decision.APPROVE)  # the gate opens; its wake-up fails fast
    b.decide(b.approvers[0], 1, Decision.APPROVE)  # the gate stays shut: nothing to wake
    assert stage_of(decided_while_down) is stage_of(decided_after) is Stage.SIGN_OFF
    assert _approvals(decided_while_down) == 2  # kept although Prefect could not be told

    comes_back()
    stack.supervise_flows()
    b.decide(b.approvers[1], 1, Decision.APPROVE)  # wakes its plan as usual
    woken = bool(lifecycle_runs(decided_after))
    assert lifecycle_runs(decided_while_down) == []  # its wake-up was lost with the server ...
    started = reconcile()["started"]  # ... and the reconciler starts its run (and any wake-up that failed)
    assert started == sorted([decided_while_down] + ([] if woken else [decided_after]))
    for plan_id, _ in waiting:
        wait_for(f"the run of plan {plan_id}", lambda p=plan_id: all_final(p, 1), process=stack.flows)  # type: ignore[misc]
        _assert_moved_once_to_delivery(plan_id)
        assert len(lifecycle_runs(plan_id)) == 1
    assert reconcile()["started"] == []  # every plan waits for people again


@pytest.mark.parametrize("db", ["sqlite"], indirect=True)
def test_waiting_plans_continue_after_the_prefect_server_is_restarted(
    stack: Stack, db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(orchestration, "WAKE_TIMEOUT_SECONDS", 1.0)  # the server is down: fail fast
    plans = [at_sign_off(monkeypatch, f"plan-{n}") for n in range(4)]

    outage(stack, plans[:2], stack.start_server)  # back with its database

    def lost_server() -> None:
        stack.start_server(tmp_path / "prefect-home-new")  # back empty: no deployments, no runs
        assert stack.flows is not None
        stack.flows.stop()  # the flow server registered its deployments with the old server;
        stack.start_flows()  # restarted (as a supervisor would), it registers them with the new one

    outage(stack, plans[2:], lost_server)
    for plan_id, _ in plans:
        _assert_moved_once_to_delivery(plan_id)
