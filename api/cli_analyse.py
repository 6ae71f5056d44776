"""``coproduce analyse``: a survey's responses from a CSV or Parquet file, analysed as the flow analyses a
closed survey (``evaluation.pipeline``), written as JSON, CSV or HTML (docs/analysis.md).

No database: the survey file says what the questions are, the responses file what people answered.
Everything is read and checked before anything is analysed, and the output file appears whole or not
at all (written beside it under a temporary name, then renamed), so a refused run leaves no file.
"""

from __future__ import annotations

import os
import sys
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, BinaryIO

import typer

from plans.config import settings
from plans.domain.errors import DomainError, InvalidInput

if TYPE_CHECKING:
    import polars as pl

    from evaluation.pipeline import Analysis, AnalysisSpec
    from evaluation.wres import SurveyIndicator
    from plans.analysis_report import Report
    from plans.domain.survey_definition import SurveyDefinition
    from plans.responses_file import Responses


class Format(StrEnum):
    JSON = "json"
    CSV = "csv"
    HTML = "html"


def analyse(
    survey: Annotated[Path, typer.Option("--survey", help="The survey file (YAML), or a plan file with plan.survey")],
    responses: Annotated[Path, typer.Option("--responses", help="The responses: .csv (UTF-8) or .parquet")],
    fmt: Annotated[Format, typer.Option("--format", help="json (everything), csv (the result rows) or html")],
    by: Annotated[
        list[str] | None,
        typer.Option(
            "--by",
            metavar="COLUMN[,COLUMN]",
            help="A column to break down by, or two separated by a comma to cross (repeatable)",
        ),
    ] = None,
    baseline: Annotated[Path | None, typer.Option("--baseline", help="The baseline survey's responses")] = None,
    baseline_survey: Annotated[
        Path | None, typer.Option("--baseline-survey", help="The baseline's survey file (default: --survey)")
    ] = None,
    threshold: Annotated[
        int, typer.Option("--threshold", min=1, help="Fewest answers a group needs before its results show")
    ] = settings.reporting_threshold,
    comment_threshold: Annotated[
        int, typer.Option("--comment-threshold", min=1, help="Fewest comments a group needs before any shows")
    ] = settings.comment_threshold,
    gap: Annotated[
        list[str] | None,
        typer.Option(
            "--gap",
            metavar="COLUMN=GROUP",
            help="COLUMN=GROUP: every group of the breakdown against GROUP (repeatable)",
        ),
    ] = None,
    out: Annotated[Path | None, typer.Option("--out", help="The file to write (default: standard output)")] = None,
) -> None:
    """Analyse a survey's responses: findings per group with 95% intervals, small groups suppressed."""
    from api.cli import _fail

    try:
        report = build_report(
            survey=survey,
            responses=responses,
            by=by or [],
            baseline=baseline,
            baseline_survey=baseline_survey,
            threshold=threshold,
            comment_threshold=comment_threshold,
            gaps=gap or [],
        )
        if out is None:
            _write(report, fmt, sys.stdout.buffer)
        else:
            _write_whole(report, fmt, out)
    except DomainError as e:
        _fail(e)
    if out is not None:
        findings = report.analysis.findings
        hidden = int(findings.get_column("suppressed").sum())
        typer.echo(
            f"wrote {out}: {report.analysis.respondents} responses, {findings.height} results "
            f"({hidden} suppressed) in {len(set(findings.get_column('breakdown')))} breakdown(s)"
        )


def build_report(
    *,
    survey: Path,
    responses: Path,
    by: list[str],
    baseline: Path | None,
    baseline_survey: Path | None,
    threshold: int,
    comment_threshold: int,
    gaps: list[str],
) -> Report:
    """Read, check and analyse everything the command was given; raise ``InvalidInput`` naming the problem."""
    from evaluation.compare import changes, comparability
    from plans.analysis_report import Baseline, Report
    from plans.domain.analysis_spec import parse_breakdowns
    from plans.files import load_survey_or_plan
    from plans.responses_file import read_responses

    if baseline_survey is not None and baseline is None:
        raise InvalidInput("--baseline-survey: give the baseline's responses with --baseline too")
    definition = load_survey_or_plan(survey)
    try:
        breakdowns = parse_breakdowns(by)
    except ValueError as e:
        raise InvalidInput(str(e)) from None
    current = read_responses(responses, definition)
    spec = _spec(definition, current, "--by", breakdowns, threshold, comment_threshold)
    analysis = _run(current, spec)
    changed = None
    not_comparable: list[tuple[str, str]] = []
    earlier = None
    if baseline is not None:
        before_definition = load_survey_or_plan(baseline_survey) if baseline_survey else definition
        before = read_responses(baseline, before_definition)
        where = f"--baseline {before.source}"
        before_spec = _spec(before_definition, before, where, spec.breakdowns, threshold, comment_threshold)
        before_analysis = _run(before, before_spec)
        comparable, not_comparable = comparability(before_spec.questions, spec.questions)
        changed = changes(before_analysis.findings, analysis.findings, comparable)
        earlier = Baseline(before_definition.title, before.source, before_analysis.respondents)
    return Report(
        title=definition.title,
        source=current.source,
        analysis=analysis,
        gaps=_gaps(analysis, gaps),
        changes=changed,
        not_comparable=tuple(not_comparable),
        baseline=earlier,
        notes=_notes(definition, current, spec),
        wres=_wres(definition, analysis),
    )


def _wres(definition: SurveyDefinition, analysis: Analysis) -> tuple[SurveyIndicator, ...]:
    """WRES indicators 5-8 by ethnicity, for the questions the survey file marks with ``wres:``."""
    from evaluation.wres_survey import survey_indicators_by_ethnicity
    from plans.domain.survey_definition import flatten, wres_questions

    marked = wres_questions(flatten(definition))
    by_id = {q.id: q for q in analysis.spec.questions}
    asked = {indicator: by_id[qid] for indicator, qid in marked.items() if qid in by_id}
    if not asked or ("ethnicity",) not in analysis.published:
        return ()
    return tuple(survey_indicators_by_ethnicity(analysis.findings, asked))


def _notes(definition: SurveyDefinition, responses: Responses, spec: AnalysisSpec) -> tuple[str, ...]:
    """What the report leaves out and why: questions not scored, free text the file has no column for."""
    scored = {q.id for q in spec.questions} | set(spec.comment_questions)
    notes = []
    for q in definition.questions:
        if q.id in scored:
            continue
        if q.id not in responses.questions:
            notes.append(f"{q.id} ({q.type.value}) has no column in {responses.source}: not reported")
        else:
            notes.append(f"{q.id} ({q.type.value}) has no positive answers, so no % positive: not reported")
    return tuple(notes)


def _spec(
    definition: SurveyDefinition,
    responses: Responses,
    where: str,
    breakdowns: tuple[tuple[str, ...], ...],
    threshold: int,
    comment_threshold: int,
) -> AnalysisSpec:
    """The analysis spec for the questions the file has columns for (free text and multiple choice may be
    left out of a file; scored questions may not, the reader saw to that)."""
    from plans.domain.analysis_spec import spec_for
    from plans.domain.survey_definition import flatten

    flat = [q for q in flatten(definition) if q["id"] in responses.questions]
    try:
        return spec_for(
            flat,
            columns=responses.frame.columns,
            demographics=responses.demographics,
            breakdowns=breakdowns,
            threshold=threshold,
            comment_threshold=comment_threshold,
        )
    except ValueError as e:
        raise InvalidInput(f"{where}: {e}") from None


def _run(responses: Responses, spec: AnalysisSpec) -> Analysis:
    from evaluation.pipeline import analyse as run

    try:
        return run(responses.frame, spec)
    except ValueError as e:  # the reader checks everything the pipeline refuses; this is the backstop
        raise InvalidInput(f"{responses.source}: {e}") from None


def _gaps(analysis: Analysis, asked: list[str]) -> pl.DataFrame | None:
    """``--gap COLUMN=GROUP``: every other group of the breakdown against that group, for every question."""
    import polars as pl

    from evaluation.gaps import all_gaps

    frames = []
    for text in asked:
        breakdown, sep, reference = (part.strip() for part in text.partition("="))
        if not sep or not breakdown or not reference:
            raise InvalidInput(f"--gap {text!r}: write COLUMN=GROUP, e.g. ethnicity=White")
        try:
            gaps = all_gaps(analysis.findings, breakdown, reference)
        except ValueError as e:
            raise InvalidInput(f"--gap {text!r}: {e}") from None
        frames.append(gaps.select(pl.lit(breakdown, pl.String).alias("breakdown"), pl.all()))
    return pl.concat(frames) if frames else None


def _write(report: Report, fmt: Format, out: BinaryIO) -> None:
    from plans.analysis_report import write_report

    write_report(report, fmt.value, out)


def _write_whole(report: Report, fmt: Format, path: Path) -> None:
    """Write to a temporary file beside ``path`` and rename it into place: the file is whole or absent."""
    if path.is_dir():
        raise InvalidInput(f"--out {path}: is a folder; name the file to write")
    if not path.parent.is_dir():
        raise InvalidInput(f"--out {path}: the folder {path.parent} does not exist")
    partial = path.with_name(f".{path.name}.{os.getpid()}.partial")
    try:
        with partial.open("wb") as f:
            _write(report, fmt, f)
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)
