"""The ``coproduce`` command.

Commands that start Prefect (``up``, ``demo``, ``plan run``) import the flows inside the command, not
at the top: importing Prefect costs seconds, and ``coproduce --help`` or ``plan list`` should not pay
it. This module is the composition root, the one edge that may start flows.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from plans.config import settings
from plans.db import session_scope
from plans.domain.errors import DomainError
from plans.domain.stages import Stage
from plans.models import utcnow

app = typer.Typer(
    help="coproduce: co-produced learning and action plans, from vision to repeat survey, under Prefect.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
plan_app = typer.Typer(
    help="Create plans from files, list them, see where they stand, move them.", no_args_is_help=True
)
db_app = typer.Typer(help="The application database.", no_args_is_help=True)
app.add_typer(plan_app, name="plan")
app.add_typer(db_app, name="db")


def _register_access_commands() -> None:
    from api.cli_access import mail_app, user_app

    app.add_typer(user_app, name="user")
    app.add_typer(mail_app, name="mail")
    from api.cli_survey import survey_app

    app.add_typer(survey_app, name="survey")
    from api.cli_staff import staff_app

    app.add_typer(staff_app, name="staff")
    from api.cli_wres import wres_command

    app.command("wres")(wres_command)
    from api.cli_analyse import analyse

    app.command("analyse")(analyse)
    from api.cli_report import plan_report

    plan_app.command("report")(plan_report)
    from api.cli_retention import retention_app

    app.add_typer(retention_app, name="retention")


EXIT_CODES = {
    "invalid": 2,
    "not_found": 3,
    "conflict": 4,
    "forbidden": 5,
    "blocked": 6,
    "unauthenticated": 5,
    "rate_limited": 7,
}


def _database() -> None:
    """Bring the configured database to the newest schema (cheap when it already is)."""
    from plans.migrations import upgrade

    upgrade(settings.resolved_database_url())


def _fail(error: DomainError) -> None:
    typer.secho(f"error: {error.message}", fg=typer.colors.RED, err=True)
    raise typer.Exit(EXIT_CODES.get(error.kind, 1))


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Create or migrate the database to the newest schema."""
    _database()
    typer.echo(f"database at head: {settings.resolved_database_url()}")


@db_app.command("status")
def db_status() -> None:
    """Where the database stands against this version's newest schema; exits 1 if it needs an upgrade
    (for deployment scripts: run ``coproduce db upgrade`` before starting the new version)."""
    from plans.migrations import current, head, known

    at, newest = current(settings.resolved_database_url()), head()
    typer.echo(f"database: {at or 'not migrated'}; this version needs: {newest}")
    if at is not None and not known(at):
        typer.echo("the database was migrated by a newer version of coproduce: run that version", err=True)
        raise typer.Exit(2)
    if at != newest:
        typer.echo("run `coproduce db upgrade` (after a backup) before starting this version", err=True)
        raise typer.Exit(1)


@db_app.command("downgrade")
def db_downgrade(
    revision: Annotated[str, typer.Argument(help="the revision to go back to ('base': no tables of ours)")],
) -> None:
    """Migrate the database back to an earlier schema (after a backup; docs/operations.md, Upgrades)."""
    from alembic.util import CommandError

    from plans.migrations import current, downgrade

    try:
        downgrade(settings.resolved_database_url(), revision)
    except CommandError as exc:  # an unknown revision, or one ahead of the database
        typer.secho(f"error: revision {revision!r}: {exc}", fg=typer.colors.RED, err=True)
        raise typer.Exit(2) from None
    typer.echo(f"database at: {current(settings.resolved_database_url()) or 'base'}")


@db_app.command("backup")
def db_backup(out: Annotated[Path, typer.Argument(help="the backup file to write (never overwritten)")]) -> None:
    """A consistent backup of the database while it is in use (SQLite: online backup; PostgreSQL: pg_dump
    custom format, restore with pg_restore). See docs/operations.md for rotation and restore drills."""
    from plans.backup import BackupFailed, backup

    try:
        written = backup(settings.resolved_database_url(), out)
    except BackupFailed as exc:
        typer.secho(f"error: {exc}", fg=typer.colors.RED, err=True)
        raise typer.Exit(1) from None
    typer.echo(f"backup written: {written} ({written.stat().st_size:,} bytes)")


@plan_app.command("create")
def plan_create(
    file: Annotated[Path, typer.Argument(help="A plan file (YAML), e.g. examples/citizen-voice-workforce.yaml")],
) -> None:
    """Load a plan with its organisation, teams, people, working party and vision, in one transaction."""
    from plans.files import load_plan_file
    from plans.services.actors import SYSTEM
    from plans.services.plan_setup import create_plan

    try:
        spec = load_plan_file(file)
        _database()
        with session_scope() as s:
            plan = create_plan(s, spec=spec, actor=SYSTEM, now=utcnow())
            plan_id, slug = plan.id, plan.slug
    except DomainError as e:
        _fail(e)
    typer.echo(f"created plan {plan_id} ({slug}) in stage vision")


@plan_app.command("list")
def plan_list(as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table")] = False) -> None:
    """Every plan with its stage, days in stage and what blocks it."""
    from plans.services.status import list_statuses

    _database()
    with session_scope() as s:
        rows = list_statuses(s, now=utcnow())
    if as_json:
        typer.echo(json.dumps([r.model_dump(mode="json") for r in rows], indent=2))
        return
    if not rows:
        typer.echo("no plans yet: coproduce plan create FILE")
        return
    for r in rows:
        typer.echo(f"{r.id:>4}  {r.stage:<22} {r.days_in_stage:>3}d  v{r.version}  {r.title}")
        for reason in r.blocked_by[:3]:
            typer.echo(f"{'':>6}- {reason}")


@plan_app.command("show")
def plan_show(plan_id: int, as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """One plan: stage, blocked gates with reasons, and its stage history."""
    from plans.services.status import plan_status

    _database()
    try:
        with session_scope() as s:
            st = plan_status(s, plan_id=plan_id, now=utcnow())
    except DomainError as e:
        _fail(e)
    if as_json:
        typer.echo(st.model_dump_json(indent=2))
        return
    typer.echo(f"plan {st.id}: {st.title} ({st.organisation})")
    typer.echo(f"stage: {st.stage_label} for {st.days_in_stage} day(s), version {st.version}")
    if st.override_pending:
        typer.echo("a coordinator's override of this gate is waiting to be applied")
    typer.echo("blocked by:" if st.blocked_by else "the gate passes: the next lifecycle run moves it on")
    for reason in st.blocked_by:
        typer.echo(f"  - {reason}")
    typer.echo("history:")
    for e in st.history:
        left = f" -> {e.left_at:%Y-%m-%d %H:%M}" if e.left_at else " (now)"
        typer.echo(f"  {e.entered_at:%Y-%m-%d %H:%M}{left}  {e.stage:<22} v{e.version} via {e.via}")
    if st.coproduction is not None:  # where each stage sat on the ladder (docs/coproduction.md)
        typer.echo("co-production ladder:")
        for row in st.coproduction.stages:
            r = row.current
            said = f"{r.rung_label} (rung {r.height} of 5, done {r.doing} people)" if r else None
            typer.echo(f"  {row.stage:<22} {said or ('not recorded yet' if row.reached else 'not reached yet')}")


@plan_app.command("override")
def plan_override(
    plan_id: int,
    reason: Annotated[str, typer.Option("--reason", help="Why the plan may pass its gate anyway (recorded)")],
    as_email: Annotated[str, typer.Option("--as", help="The coordinator's email")],
) -> None:
    """Let a plan past its current gate, with a written reason, as a coordinator."""
    from plans.services.actors import actor_by_email
    from plans.services.lifecycle import override_gate

    _database()
    try:
        with session_scope() as s:
            o = override_gate(s, plan_id=plan_id, actor=actor_by_email(s, as_email), reason=reason, now=utcnow())
            stage = o.stage.value
    except DomainError as e:
        _fail(e)
    typer.echo(f"override of the {stage} gate recorded; the next lifecycle run moves plan {plan_id} on")


@plan_app.command("move")
def plan_move(
    plan_id: int,
    to: Annotated[Stage, typer.Argument(help="The stage to move to")],
    as_email: Annotated[str, typer.Option("--as", help="The coordinator's email")],
) -> None:
    """Move a plan to a stage now: refused with the reason when the table or the gate forbids it."""
    from plans.services.actors import actor_by_email
    from plans.services.lifecycle import request_move

    _database()
    try:
        with session_scope() as s:
            result = request_move(s, plan_id=plan_id, target=to, actor=actor_by_email(s, as_email), now=utcnow())
    except DomainError as e:
        _fail(e)
    typer.echo(f"plan {plan_id} moved from {result.source} to {result.stage}")


@app.command("demo")
def demo(
    out: Annotated[Path, typer.Option("--out", help="Folder for summary.json, the demo database and logs")] = Path(
        "demo-out"
    ),
) -> None:
    """Run the example plan from vision to closed under a Prefect server it starts and stops."""
    from flows.demo import run_demo

    summary = run_demo(out.resolve())
    if summary["final_stage"] != Stage.CLOSED.value:
        raise typer.Exit(1)


@app.command("up")
def up(
    with_demo_plan: Annotated[bool, typer.Option("--with-example", help="Also load the example plan")] = False,
) -> None:
    """Migrate, start a Prefect server, serve the deployments and the web app; Ctrl-C stops them all."""
    from api.local_stack import run_stack

    run_stack(with_example=with_demo_plan)


@app.command("web")
def web(
    host: Annotated[str, typer.Option()] = settings.web_host,
    port: Annotated[int, typer.Option()] = settings.web_port,
    workers: Annotated[int, typer.Option(min=1, help="worker processes (production: one or two per core)")] = 1,
    forwarded_allow_ips: Annotated[
        str, typer.Option(help="proxies whose X-Forwarded-For/-Proto are trusted (comma-separated, or '*')")
    ] = "127.0.0.1",
) -> None:
    """Serve the web app only (against the configured database and Prefect API); docs/operations.md."""
    import uvicorn

    # no access log: survey links (/s/{token}) must not be logged with a time (docs/anonymity.md)
    app = "api.server:create_served_app"
    uvicorn.run(
        app,
        factory=True,
        host=host,
        port=port,
        workers=workers,
        proxy_headers=True,
        forwarded_allow_ips=forwarded_allow_ips,
        log_level="warning",
        access_log=False,
    )


_register_access_commands()


def main() -> None:  # pragma: no cover - console entry
    app()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(app())
