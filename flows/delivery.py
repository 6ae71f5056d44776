"""The ``deliver-outbox`` flow, on a schedule: send the email outbox over SMTP, one task per batch of
messages (never one per message), several batches at once on their own connections, until nothing
is due or the run has used its time; the next run carries on. Each batch is claimed with a lease, so
overlapping runs and retried tasks never send a message twice; a crashed worker's batch waits for its
lease to run out (see plans/delivery.py and docs/email.md)."""

from __future__ import annotations

import time
from typing import Any

from prefect import flow, get_run_logger, task
from prefect.task_runners import ThreadPoolTaskRunner

from plans.config import settings
from plans.delivery import Outcome, deliver_batch, waiting


@task(name="send-batch", retries=2, retry_delay_seconds=10)
def send_batch(limit: int) -> dict[str, Any]:
    """Claim up to ``limit`` due messages and send them over one SMTP connection."""
    return deliver_batch(limit=limit).as_dict()


@task(name="count-waiting")
def count_waiting() -> int:
    """How many messages are due and unsent."""
    return waiting()


@flow(name="deliver-outbox", task_runner=ThreadPoolTaskRunner(max_workers=settings.delivery_connections))
def deliver_outbox(batch: int | None = None, max_seconds: float = 50.0) -> dict[str, Any]:
    """Send what is due, ``delivery_connections`` batches at a time, for up to ``max_seconds`` (less
    than the schedule's interval, so runs rarely overlap); without an SMTP server, say how many
    messages wait and succeed."""
    log = get_run_logger()
    if not settings.smtp_host:
        n = count_waiting()
        log.info("%d message(s) wait in the outbox: no SMTP server is configured (set COPRODUCE_SMTP_HOST)", n)
        return {"waiting": n}
    started = time.monotonic()
    total = Outcome()
    while time.monotonic() - started < max_seconds:
        futures = [send_batch.submit(batch or settings.delivery_batch) for _ in range(settings.delivery_connections)]
        round_ = [Outcome(**f.result()) for f in futures]
        for done in round_:
            total.add(done)
        if any(d.claimed == 0 or d.stopped for d in round_):
            break
    log.info("sent %d, failed %d (retried later), left %d", total.sent, total.failed, total.left)
    if total.connection_failed:
        raise RuntimeError(f"the SMTP server could not be used: {total.stopped}; messages wait for the next run")
    return total.as_dict()
