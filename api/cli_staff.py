"""``coproduce staff``: an organisation's staff list, imported from CSV or XLSX and shown per team; and
``coproduce survey import-paper`` (the same kind of import, registered in the survey group)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from plans.db import session_scope
from plans.domain.errors import DomainError
from plans.models import SurveyKind, utcnow

staff_app = typer.Typer(
    help="Staff lists: who works in which team, giving each team its eligible headcount.", no_args_is_help=True
)


@staff_app.command("import")
def staff_import(
    file: Annotated[Path, typer.Argument(help="A .csv (UTF-8) or .xlsx file: team_code, email, staff_group, ...")],
    organisation: Annotated[str, typer.Option("--organisation", help="The organisation's code, e.g. EXC")],
    sheet: Annotated[str | None, typer.Option("--sheet", help="The XLSX sheet to read (default: the first)")] = None,
) -> None:
    """Replace the organisation's staff list from a file, all or nothing; every bad row is listed."""
    from api.cli import _database, _fail
    from plans.services.staff_lists import import_staff_list

    try:
        _database()
        with session_scope() as s:
            summary = import_staff_list(s, organisation_code=organisation, path=file, sheet=sheet, now=utcnow())
    except DomainError as e:
        _fail(e)
    ineligible = sum(summary.ineligible.values())
    typer.echo(
        f"imported {summary.rows} staff for {summary.organisation} from {summary.source}: "
        f"{summary.eligible} eligible in {summary.teams} team(s), {ineligible} not eligible"
    )
    for reason, n in sorted(summary.ineligible.items()):
        typer.echo(f"  {n:>6}  {reason}")
    if summary.kept_not_listed:
        typer.echo(
            f"{summary.kept_not_listed} invited person(s) missing from this list were kept, marked not eligible "
            f"(open surveys keep the headcounts they opened with)"
        )


@staff_app.command("show")
def staff_show(
    organisation: Annotated[str, typer.Option("--organisation", help="The organisation's code, e.g. EXC")],
) -> None:
    """Each team's eligible headcount and the staff listed for it."""
    from api.cli import _database, _fail
    from plans.services.staff_lists import staff_overview

    try:
        _database()
        with session_scope() as s:
            teams, reasons = staff_overview(s, organisation_code=organisation)
    except DomainError as e:
        _fail(e)
    typer.echo(f"{'team':<14} {'eligible':>8} {'listed':>7} {'not elig.':>9}  name")
    for t in teams:
        typer.echo(
            f"{t.code:<14} {t.eligible_headcount:>8} {t.listed_eligible + t.listed_ineligible:>7} "
            f"{t.listed_ineligible:>9}  {t.name}"
        )
    total = sum(t.eligible_headcount for t in teams)
    listed = sum(t.listed_eligible + t.listed_ineligible for t in teams)
    typer.echo(f"{'total':<14} {total:>8} {listed:>7} {sum(reasons.values()):>9}")
    for reason, n in sorted(reasons.items()):
        typer.echo(f"  not eligible, {reason}: {n}")


def survey_import_paper(
    file: Annotated[Path, typer.Argument(help="A .csv or .xlsx file: team_code and one column per question id")],
    plan: Annotated[int, typer.Option("--plan", help="The plan whose open survey the responses answer")],
    kind: Annotated[SurveyKind, typer.Option("--kind", help="Which of the plan's surveys")] = SurveyKind.BASELINE,
    sheet: Annotated[str | None, typer.Option("--sheet", help="The XLSX sheet to read (default: the first)")] = None,
) -> None:
    """Add paper responses to a plan's open survey, all or nothing; every bad cell is listed."""
    # registered as ``coproduce survey import-paper`` by api/cli_survey.py
    from api.cli import _database, _fail
    from plans.services.paper_responses import import_paper_responses

    try:
        _database()
        with session_scope() as s:
            summary = import_paper_responses(s, plan_id=plan, path=file, kind=kind, sheet=sheet, now=utcnow())
    except DomainError as e:
        _fail(e)
    typer.echo(
        f"imported {summary.responses} paper response(s) from {summary.source} into the {summary.kind} survey "
        f"of plan {summary.plan_id}, dated {summary.day:%Y-%m-%d}, for {len(summary.by_team)} team(s)"
    )
    for code, n in summary.by_team.items():
        typer.echo(f"  {n:>5}  {code}")
