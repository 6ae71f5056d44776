"""``coproduce plan report ID --out DIR``: a plan's final report written as report.html, report.pdf and
the CSV exports (evidence, objectives, survey findings, judgements), the same documents the report page
serves. At any stage; before the plan closes the report says it is a draft."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from plans.db import session_scope
from plans.domain.errors import DomainError
from plans.models import utcnow


def plan_report(
    plan_id: int,
    out: Annotated[Path, typer.Option("--out", help="The folder to write into (made if missing)")],
) -> None:
    """Write the plan's final report (HTML and PDF) and its CSV exports into a folder."""
    from api.cli import _database, _fail
    from plans.reports.render import write_report
    from plans.services.final_report import final_report

    _database()
    try:
        with session_scope() as s:
            report = final_report(s, plan_id=plan_id, now=utcnow())
    except DomainError as e:
        _fail(e)
    paths = write_report(report, out)
    state = "final" if report.closed else f"draft: the plan is in {report.stage_label.lower()}"
    typer.echo(f"plan {report.plan_id}: {report.title} ({state})")
    for path in paths:
        typer.echo(f"  wrote {path} ({path.stat().st_size:,} bytes)")
