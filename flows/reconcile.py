"""The ``reconcile`` flow, on a schedule: start a lifecycle run for every plan that needs one and has
none in flight. It repairs lost wake-ups, crashed or cancelled runs, a Prefect server that was down
when a decision was recorded, and surveys whose end date passed while nobody acted."""

from __future__ import annotations

from prefect import flow, task

from plans.db import session_scope
from plans.models import utcnow
from plans.services import lifecycle


@task(name="restart-stalled-plans", retries=2, retry_delay_seconds=10)
def restart_stalled() -> list[int]:
    with session_scope() as session:
        return lifecycle.restart_stalled(session, now=utcnow())


@flow(name="reconcile")
def reconcile() -> dict[str, list[int]]:
    """Find plans that need a lifecycle run and start one for each."""
    return {"started": restart_stalled()}
