"""``coproduce retention run``: the retention policy by hand (``docs/retention.md``), the same purge the
daily ``purge-personal-data`` deployment runs, with ``--dry-run`` to see what would go first."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Annotated

import typer

from plans.config import settings
from plans.db import session_scope
from plans.models import utcnow

retention_app = typer.Typer(
    help="Retention of personal data: survey tokens, emails to staff, staff lists.", no_args_is_help=True
)


@retention_app.command("run")
def retention_run(
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Count what is due; delete nothing")] = False,
    at: Annotated[
        datetime | None, typer.Option("--at", help="With --dry-run: as of this moment (UTC), to preview a date")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of lines")] = False,
) -> None:
    """Delete what is due now (each survey and staff list in its own transaction) and say what was kept."""
    from api.cli import _database
    from plans.services.retention import run

    if at is not None and not dry_run:
        # a real run as of a later moment would delete before the retention period is over
        typer.secho("error: --at previews a date; use it with --dry-run", fg=typer.colors.RED, err=True)
        raise typer.Exit(2)
    _database()
    now = (at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)) if at else utcnow()
    report = run(session_scope, now=now, retention_days=settings.personal_data_retention_days, dry_run=dry_run)
    typer.echo(json.dumps(report.as_data(), indent=2) if as_json else "\n".join(report.lines()))
    if report.failed:
        raise typer.Exit(1)
