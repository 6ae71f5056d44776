"""The one module that talks to Prefect on behalf of the services: waking the lifecycle flow of a
plan and asking which plans have a run in flight.

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
from datetime import datetime
from uuid import UUID

from plans.config import settings

log = logging.getLogger(__name__)

ACTIVE_STATES = ("SCHEDULED", "PENDING", "RUNNING", "PAUSED", "CANCELLING")
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


def plans_with_active_runs() -> set[str]:
    """Uids of the plans that have a lifecycle run scheduled, pending or running right now."""
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
    active: set[str] = set()
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
                active.update(t.removeprefix("plan-uid:") for t in run.tags if t.startswith("plan-uid:"))
            if len(runs) < 200:
                return active
            offset += 200


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
    return [
        RunInfo(r.id, r.name, r.state.name if r.state else "Unknown", r.start_time or r.expected_start_time)
        for r in runs
    ]
