"""The one module that talks to Prefect on behalf of the services: waking the lifecycle flow of a
plan, asking which plans have a run in flight, and marking runs whose process was killed as over.

Why a new deployment run rather than resuming a suspended one: a run that waits for people for weeks
would hold a process (pause) or depend on Prefect keeping a suspended run resumable across server
restarts (suspend re-executes from the top anyway). Instead each run advances the plan as far as its
gates allow and ends; the decision is committed to our database first and then starts a fresh run.
The database is the state; a run is a short, idempotent push. A wake that cannot reach Prefect is
not lost: the scheduled reconcile flow starts a run for any plan whose gate passes and that no run is
moving.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal
from uuid import UUID

from plans.config import settings

log = logging.getLogger(__name__)

ACTIVE_STATES = ("SCHEDULED", "PENDING", "RUNNING", "PAUSED", "CANCELLING")
# the active states only a live process (the flow run's, or its worker) moves a run out of
STALLABLE_STATES = ("PENDING", "RUNNING", "CANCELLING")
Verdict = Literal["live", "dead", "late"]
# A wake-up runs in the request that recorded the decision: it must fail fast when Prefect is down or
# hung (the reconcile flow starts the run later), not hold the person for the client's 60 s x 5 retries.
WAKE_TIMEOUT_SECONDS = 5.0
WAKE_RETRIES = 1


def prefect_configured() -> bool:
    """Whether a Prefect API is configured (without one, Prefect would start a throwaway server)."""
    from prefect.settings import PREFECT_API_URL

    return bool(PREFECT_API_URL.value())


def start_lifecycle_run(plan_id: int, plan_uid: str, idempotency_key: str) -> UUID | None:
    """Start a run of the plan-lifecycle deployment for one plan; the same key never starts two.
    Runs are tagged ``plan:ID`` for people and ``plan-uid:UID`` for exact lookups."""
    if not settings.wake_flows:
        return None
    if not prefect_configured():
        log.info("no Prefect API configured: plan %s will be picked up by the reconcile flow", plan_id)
        return None
    from prefect.deployments import run_deployment
    from prefect.settings import PREFECT_API_REQUEST_TIMEOUT, PREFECT_CLIENT_MAX_RETRIES, temporary_settings

    bounded = {PREFECT_API_REQUEST_TIMEOUT: WAKE_TIMEOUT_SECONDS, PREFECT_CLIENT_MAX_RETRIES: WAKE_RETRIES}
    with temporary_settings(updates=bounded):
        run = run_deployment(
            settings.lifecycle_deployment,
            parameters={"plan_id": plan_id},
            timeout=0,
            tags=[f"plan:{plan_id}", f"plan-uid:{plan_uid}"],
            idempotency_key=f"plan-{plan_uid}-{idempotency_key}",
            as_subflow=False,
            # always the blocking call: from a web request's thread Prefect may guess "async" and hand
            # back a coroutine that nobody awaits (the wake-up would be silently lost)
            _sync=True,
        )
    return run.id


def stale_verdict(state_type: str, since: datetime | None, now: datetime, stale_after: timedelta) -> Verdict:
    """Whether a run in flight is alive, presumed dead, or waiting for a worker, from its state and since when.

    PENDING, RUNNING and CANCELLING are left only by the process that runs the flow (or its worker): once
    both are killed (kill -9, a machine lost) nothing reports again and the run would block its plan for
    ever. Lifecycle runs take seconds, so one in such a state longer than ``stale_after`` is presumed dead.
    A SCHEDULED run past its time has no process to lose: no worker has taken it (none polls the pool),
    and a second run would queue behind it, so it stays in flight and is only reported as late. PAUSED
    runs are a person's doing (lifecycle runs never pause) and are left alone."""
    if since is None or now - since <= stale_after:
        return "live"
    if state_type in STALLABLE_STATES:
        return "dead"
    return "late" if state_type == "SCHEDULED" else "live"


@dataclass(frozen=True)
class InFlightRun:
    """A lifecycle run in an active state, the plan it moves, and what the reconciler makes of it."""

    id: UUID
    plan_uid: str
    state: str
    since: datetime | None
    verdict: Verdict


def lifecycle_runs_in_flight(now: datetime) -> list[InFlightRun]:
    """Every lifecycle run scheduled, pending, running, paused or cancelling, each with its verdict
    (``settings.lifecycle_run_stale_minutes`` is the bound)."""
    from prefect import get_client
    from prefect.client.schemas.filters import (
        DeploymentFilter,
        DeploymentFilterName,
        FlowRunFilter,
        FlowRunFilterState,
        FlowRunFilterStateType,
    )
    from prefect.client.schemas.objects import StateType

    deployment = settings.lifecycle_deployment.split("/")[-1]
    stale_after = timedelta(minutes=settings.lifecycle_run_stale_minutes)
    found: list[InFlightRun] = []
    with get_client(sync_client=True) as client:
        offset = 0
        while True:
            runs = client.read_flow_runs(
                flow_run_filter=FlowRunFilter(
                    state=FlowRunFilterState(type=FlowRunFilterStateType(any_=[StateType(s) for s in ACTIVE_STATES]))
                ),
                deployment_filter=DeploymentFilter(name=DeploymentFilterName(any_=[deployment])),
                limit=200,
                offset=offset,
            )
            for run in runs:
                state = run.state_type.value if run.state_type else "SCHEDULED"
                # a scheduled run is late from its scheduled time; any other from when it entered its state
                since = run.expected_start_time if state == "SCHEDULED" else (run.state and run.state.timestamp)
                verdict = stale_verdict(state, since, now, stale_after)
                for tag in run.tags:
                    if tag.startswith("plan-uid:"):
                        found.append(InFlightRun(run.id, tag.removeprefix("plan-uid:"), state, since, verdict))
            if len(runs) < 200:
                return found
            offset += 200


def mark_dead(run: InFlightRun, now: datetime) -> bool:
    """Record in Prefect that a run presumed dead is over: Crashed (Cancelled for one that was being
    cancelled, the only way out of Cancelling that Prefect allows), with why. Proposed, not forced, so that
    Prefect refuses it if the run has reached a final state since it was read (a slow run that finished
    keeps its Completed); returns whether Prefect accepted. A run presumed dead that was in fact alive is
    harmless: its steps and the fresh run's are compare-and-set on the plan, so a move happens once."""
    from prefect import get_client
    from prefect.client.schemas.objects import StateType
    from prefect.client.schemas.responses import SetStateStatus
    from prefect.states import Cancelled, Crashed

    minutes = (now - run.since).total_seconds() / 60 if run.since else 0.0
    why = (
        f"coproduce's reconcile flow: {run.state.lower()} for {minutes:.0f} minutes with nothing reporting "
        f"(the bound is {settings.lifecycle_run_stale_minutes:g}); presumed dead (its worker or process was "
        "killed) and replaced by a fresh run"
    )
    state = Cancelled(message=why) if run.state == StateType.CANCELLING.value else Crashed(message=why)
    with get_client(sync_client=True) as client:
        result = client.set_flow_run_state(run.id, state)
    if result.status is not SetStateStatus.ACCEPT:
        log.info("run %s of plan %s was not marked dead: %s", run.id, run.plan_uid, result.details)
        return False
    log.warning("lifecycle run %s of plan %s presumed dead: %s", run.id, run.plan_uid, why)
    return True


@dataclass(frozen=True)
class RunInfo:
    """One lifecycle run of a plan as the coordinator's page lists it."""

    id: UUID
    name: str
    state: str
    started: datetime | None


def recent_runs(plan_uid: str, limit: int = 10) -> list[RunInfo] | None:
    """The plan's latest lifecycle runs, newest first; None when Prefect is not configured or not
    reachable (the page says so rather than waiting on it)."""
    if not prefect_configured():
        return None
    from prefect import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterTags
    from prefect.client.schemas.sorting import FlowRunSort
    from prefect.settings import PREFECT_API_REQUEST_TIMEOUT, PREFECT_CLIENT_MAX_RETRIES, temporary_settings

    bounded = {PREFECT_API_REQUEST_TIMEOUT: WAKE_TIMEOUT_SECONDS, PREFECT_CLIENT_MAX_RETRIES: 0}
    try:
        with temporary_settings(updates=bounded), get_client(sync_client=True) as client:
            runs = client.read_flow_runs(
                flow_run_filter=FlowRunFilter(tags=FlowRunFilterTags(all_=[f"plan-uid:{plan_uid}"])),
                sort=FlowRunSort.START_TIME_DESC,
                limit=limit,
            )
    except Exception:  # Prefect down or slow: the page still renders
        log.warning("could not read the flow runs of plan %s from Prefect", plan_uid, exc_info=True)
        return None
    return [RunInfo(r.id, r.name, _state_label(r.state), r.start_time or r.expected_start_time) for r in runs]


def _state_label(state: Any) -> str:
    """The state's name, and for a scheduled run past its time what that means to a coordinator."""
    if state is None:
        return "Unknown"
    if state.name == "Late":  # Prefect's name for a scheduled run no worker has taken in time
        return "Late: no worker has started it (is a worker running?)"
    return str(state.name)
