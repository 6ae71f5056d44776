"""``coproduce survey``: checking a survey's design before it goes to staff."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import Annotated

import typer

from plans.domain.errors import DomainError

survey_app = typer.Typer(help="Surveys: check a survey file's design, amend a repeat survey.", no_args_is_help=True)

LINT_ERRORS = 1
INVALID_FILE = 2
_COLOURS = {"error": typer.colors.RED, "warning": typer.colors.YELLOW, "info": None}


@survey_app.command("lint")
def survey_lint(
    file: Annotated[Path, typer.Argument(help="A survey file (YAML), or a plan file whose plan.survey to check")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the findings as JSON")] = False,
) -> None:
    """Check a survey against the programme's design principles; exit 1 on errors, 2 if the file is invalid."""
    from plans.domain.survey_lint import PRINCIPLE_TITLES, has_errors, lint
    from plans.files import load_survey_or_plan

    try:
        definition = load_survey_or_plan(file)
    except DomainError as e:
        typer.secho(f"error: {e.message}", fg=typer.colors.RED, err=True)
        raise typer.Exit(INVALID_FILE) from None
    findings = lint(definition)
    if as_json:
        typer.echo(json.dumps([asdict(f) for f in findings], indent=2))
    else:
        typer.echo(f"{file}: {definition.title} ({len(definition.questions)} question(s))")
        for principle, title in PRINCIPLE_TITLES.items():
            mine = [f for f in findings if f.principle is principle]
            mark = "ok" if not any(f.level != "info" for f in mine) else "check"
            typer.echo(f"\n{title}: {mark}")
            for f in mine:
                where = f"{f.where}: " if f.where else ""
                typer.secho(f"  {f.level.value:<7} {where}{f.message}", fg=_COLOURS[f.level.value])
        counts = {level: sum(1 for f in findings if f.level == level) for level in ("error", "warning", "info")}
        typer.echo(f"\n{counts['error']} error(s), {counts['warning']} warning(s), {counts['info']} note(s)")
    if has_errors(findings):
        raise typer.Exit(LINT_ERRORS)


@survey_app.command("amend-repeat")
def survey_amend_repeat(
    file: Annotated[Path, typer.Argument(help="The survey file (YAML) the repeat survey should ask instead")],
    plan: Annotated[int, typer.Option("--plan", help="The plan whose open, unanswered repeat survey to amend")],
    as_email: Annotated[str, typer.Option("--as", help="The coordinator's email")],
) -> None:
    """Give a plan's repeat survey new questions before anyone answers; list those left out of the comparison."""
    from api.cli import _database, _fail
    from plans.db import session_scope
    from plans.files import load_survey_or_plan
    from plans.models import utcnow
    from plans.services.actors import actor_by_email
    from plans.services.repeat_survey import amend_repeat

    try:
        definition = load_survey_or_plan(file)
        _database()
        with session_scope() as s:
            left_out = amend_repeat(
                s, plan_id=plan, definition=definition, actor=actor_by_email(s, as_email), now=utcnow()
            )
            lines = [f"  {e.question_id}: {e.question} {e.explanation}" for e in left_out]
    except DomainError as e:
        _fail(e)
    typer.echo(f"the repeat survey of plan {plan} now asks {len(definition.questions)} question(s)")
    if lines:
        typer.echo(f"{len(lines)} question(s) will be left out of the comparison with the baseline:")
        typer.echo("\n".join(lines))
    else:
        typer.echo("every question is compared with the baseline")


# paper responses are imported like staff lists (work package B1): the command lives with them
from api.cli_staff import survey_import_paper  # noqa: E402

survey_app.command("import-paper")(survey_import_paper)
