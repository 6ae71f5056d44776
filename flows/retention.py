"""The ``purge-personal-data`` flow, daily: delete what the retention policy says is due (a closed
survey's invitations, team links and emails to its invitees a period after its close; a staff list once
no survey needs it) and keep the anonymous responses, counts and findings (``plans.services.retention``,
``docs/retention.md``). One task runs the whole purge, each survey and staff list in a transaction of its
own; running it again finds nothing due. A summary of counts (never an address) is published as an
artifact."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact

from plans.config import settings
from plans.db import session_scope
from plans.models import utcnow
from plans.services import retention as retention_service

ARTIFACT_KEY = "personal-data-retention"


@task(name="purge-personal-data", retries=2, retry_delay_seconds=60)
def purge(at: datetime, dry_run: bool) -> dict[str, Any]:
    """Every purge due as of ``at``; raises (and is retried) if any failed, after the others were done."""
    report = retention_service.run(
        session_scope, now=at, retention_days=settings.personal_data_retention_days, dry_run=dry_run
    )
    logger = get_run_logger()
    for line in report.lines():
        logger.info(line)
    create_markdown_artifact(key=ARTIFACT_KEY, markdown="\n".join(report.lines()))
    if report.failed:
        raise RuntimeError(f"{len(report.failed)} purge(s) failed: " + "; ".join(report.failed))
    return report.as_data()


@flow(name="purge-personal-data")
def purge_personal_data(at: datetime | None = None, dry_run: bool = False) -> dict[str, Any]:
    """Delete the personal data due for deletion as of ``at`` (default now); ``dry_run`` only counts."""
    return purge(at or utcnow(), dry_run)
