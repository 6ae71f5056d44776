"""``coproduce wres``: the workforce WRES indicators (1-4 and 9) from a file of counts, each with its formula."""

from __future__ import annotations

import json
from dataclasses import asdict
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from evaluation.wres import Figure
from evaluation.wres_workforce import WresReport, wres_report
from plans.domain.errors import DomainError

INVALID_FILE = 2


class Format(StrEnum):
    JSON = "json"
    TEXT = "text"


def _value(f: Figure) -> str:
    if f.value is None:
        return f"not computable: {f.reason}"
    interval = f" (95% CI {f.ci_low:.2f} to {f.ci_high:.2f})" if f.ci_low is not None and f.ci_high is not None else ""
    note = f" [{f.reason}]" if f.reason else ""
    return f"{f.value:.2f}{interval}{note}"


def _figure(title: str, f: Figure | None) -> list[str]:
    if f is None:
        return [f"Indicator {title}: not in the file"]
    return [f"Indicator {f.indicator}: {f.label}", f"  {_value(f)}", f"  {f.formula}"]


def as_text(report: WresReport, source: str) -> str:
    """The report for a terminal: each indicator, its value and interval, and the formula it used."""
    lines = [f"WRES workforce indicators from {source}", ""]
    if report.indicator_1:
        lines.append("Indicator 1: share of each band that is white, BME and of unknown ethnicity")
        for row in report.indicator_1:
            shares = [(name, f.value) for name, f in (("white", row.white), ("BME", row.bme), ("unknown", row.unknown))]
            shown = ", ".join(f"{name} {100 * v:.1f}%" if v is not None else f"{name} -" for name, v in shares)
            lines.append(f"  {row.band} ({row.headcount} staff): {shown}")
    else:
        lines.append("Indicator 1: not in the file")
    for number, figure in (("2", report.indicator_2), ("3", report.indicator_3), ("4", report.indicator_4)):
        lines += ["", *_figure(number, figure)]
    lines.append("")
    if report.indicator_9 is None:
        lines.append("Indicator 9: not in the file")
    else:
        lines.append("Indicator 9: board voting membership compared with the workforce")
        for f in (report.indicator_9.white, report.indicator_9.bme, report.indicator_9.unknown):
            lines.append(f"  {f.formula}" if f.value is not None else f"  {f.label}: not computable ({f.reason})")
    return "\n".join(lines)


def wres_command(
    workforce: Annotated[Path, typer.Option("--workforce", help="Workforce counts, .csv or .xlsx (docs/wres.md)")],
    output: Annotated[Format, typer.Option("--format", help="json or text")] = Format.TEXT,
    sheet: Annotated[str | None, typer.Option("--sheet", help="The XLSX sheet to read (default: the first)")] = None,
) -> None:
    """The workforce WRES indicators 1-4 and 9 from a file of counts; exit 2 (nothing reported) if it is invalid."""
    from plans.wres_file import read_workforce_counts

    try:
        counts = read_workforce_counts(workforce, sheet=sheet)
    except DomainError as e:
        typer.secho(f"error: {e.message}", fg=typer.colors.RED, err=True)
        raise typer.Exit(INVALID_FILE) from None
    report = wres_report(counts)
    if output is Format.JSON:
        typer.echo(json.dumps({"source": workforce.name, **asdict(report)}, indent=2))
    else:
        typer.echo(as_text(report, workforce.name))
