"""The ``reconcile`` flow, on a schedule: start a lifecycle run for every plan that needs one and has
none in flight. It repairs lost wake-ups, crashed or cancelled runs, runs whose worker and process were
killed (presumed dead past ``lifecycle_run_stale_minutes``), a Prefect server that was down when a decision
was recorded, and surveys whose end date passed while nobody acted."""

from __future__ import annotations

from typing import Any

from prefect import flow, get_run_logger, task

from plans.db import session_scope
from plans.models import utcnow
from plans.services import lifecycle


@task(name="restart-stalled-plans", retries=2, retry_delay_seconds=10)
def restart_stalled() -> dict[str, list[Any]]:
    with session_scope() as session:
        return lifecycle.restart_stalled(session, now=utcnow()).as_dict()


@flow(name="reconcile")
def reconcile() -> dict[str, list[Any]]:
    """Find plans that need a lifecycle run and start one for each; runs whose process was killed are
    marked Crashed first, and plans whose run no worker has taken are logged for a person to see."""
    done = restart_stalled()
    if done["waiting_for_worker"]:
        get_run_logger().warning(
            "the lifecycle runs of plans %s wait for a worker past their time: is a worker polling the work pool?",
            done["waiting_for_worker"],
        )
    return done
