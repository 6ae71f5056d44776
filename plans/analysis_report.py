"""An analysis as the files ``coproduce analyse`` writes: one JSON document, one CSV of the result rows, or
one standalone HTML page (``plans.analysis_report_html``). The format is in docs/analysis.md and its
schema in docs/analysis.schema.json.

Rendering adds nothing and hides nothing: the rows are the pipeline's, and a suppressed row has no
value in any format (its group's ``respondents`` and its reason are shown, as the findings frame holds
them; ``n``, how many answered the question, is null there). Rows are
encoded and written by Polars, column by column, so a national survey's millions of rows never become
Python objects one by one.
"""

from __future__ import annotations

import io
import json
from dataclasses import asdict, dataclass, field
from typing import Any, BinaryIO

import polars as pl

from evaluation.pipeline import Analysis
from evaluation.wres import SurveyIndicator

RESULT_FIELDS = (
    "breakdown",
    "group",
    "question",
    "respondents",
    "n",
    "positive",
    "pct_positive",
    "ci_low",
    "ci_high",
    "suppressed",
    "reason",
)
FORMATS = ("json", "csv", "html")


@dataclass(frozen=True)
class Baseline:
    """The earlier survey a repeat is compared with, as the report names it."""

    title: str
    source: str
    respondents: int


@dataclass(frozen=True)
class Report:
    """Everything one output shows: the analysis, and optionally gaps between groups and the comparison
    with a baseline (``changes`` from ``evaluation.compare.changes``; ``not_comparable`` as
    ``evaluation.compare.comparability`` lists them)."""

    title: str
    source: str
    analysis: Analysis
    gaps: pl.DataFrame | None = None
    changes: pl.DataFrame | None = None
    not_comparable: tuple[tuple[str, str], ...] = ()
    baseline: Baseline | None = None
    notes: tuple[str, ...] = field(default=())
    #: WRES staff-survey indicators 5-8, white against BME, where the survey marks its questions
    wres: tuple[SurveyIndicator, ...] = ()

    @property
    def threshold(self) -> int:
        """Fewest answers a group needs before any of its results is shown."""
        return self.analysis.spec.threshold


def breakdown_names(analysis: Analysis) -> list[str]:
    """The published breakdowns' names in the pipeline's order ("overall" first)."""
    return analysis.findings.get_column("breakdown").unique(maintain_order=True).to_list()


def questions_of(analysis: Analysis) -> list[dict[str, Any]]:
    """The analysed questions as the report describes them."""
    return [
        {
            "id": q.id,
            "section": q.section,
            "text": q.text,
            "answers": list(q.options),
            "positive": [a for a in q.options if a in q.positive] or sorted(q.positive),
        }
        for q in analysis.spec.questions
    ]


def with_distribution_json(findings: pl.DataFrame, analysis: Analysis) -> pl.DataFrame:
    """The findings with ``distribution`` as a JSON object text {answer: count} (the text "null" where
    suppressed or not counted per answer), question by question: each question has its own answers."""
    scales = {q.id: list(q.options) for q in analysis.spec.questions}
    numbered = findings.with_row_index("__row")
    parts = []
    for (question,), rows in numbered.partition_by("question", as_dict=True, maintain_order=True).items():
        answers = scales.get(str(question)) or []
        if answers and rows.height:
            dist = pl.col("distribution").list.to_struct(fields=answers).struct.json_encode().fill_null("null")
        else:
            dist = pl.lit("null")
        parts.append(rows.with_columns(dist.alias("distribution")))
    if not parts:
        return findings.with_columns(pl.lit("null").alias("distribution"))
    return pl.concat(parts).sort("__row").drop("__row")


def _result_json(report: Report) -> pl.Series:
    """Each result row as one JSON object text, in the pipeline's order."""
    findings = with_distribution_json(report.analysis.findings, report.analysis)
    row = pl.struct(*RESULT_FIELDS).struct.json_encode()
    return findings.select(
        pl.concat_str(row.str.head(-1), pl.lit(',"distribution":'), pl.col("distribution"), pl.lit("}")).alias("j")
    ).get_column("j")


def _frame_json(frame: pl.DataFrame | None) -> bytes:
    """A frame as a JSON array of row objects (an empty array for none)."""
    if frame is None or frame.height == 0:
        return b"[]"
    buffer = io.BytesIO()
    frame.write_json(buffer)
    return buffer.getvalue()


def _head(report: Report) -> dict[str, Any]:
    analysis = report.analysis
    baseline = report.baseline
    return {
        "survey": report.title,
        "source": report.source,
        "threshold": analysis.spec.threshold,
        "comment_threshold": analysis.spec.comment_threshold,
        "respondents": analysis.respondents,
        "breakdowns": breakdown_names(analysis),
        "questions": questions_of(analysis),
        "baseline": (
            None
            if baseline is None
            else {"survey": baseline.title, "source": baseline.source, "respondents": baseline.respondents}
        ),
        "notes": list(report.notes),
    }


def write_json(report: Report, out: BinaryIO) -> None:
    """The whole report as one JSON document (docs/analysis.schema.json)."""
    head = json.dumps(_head(report), ensure_ascii=False, indent=1)
    out.write(head[:-2].encode() + b',\n "results": [\n')
    rows = _result_json(report)
    if rows.len():
        # one object per line, a comma after all but the last; Polars writes the lines as they are (the
        # encoded JSON escapes line breaks), so millions of rows never become Python strings
        last = pl.int_range(pl.len()) == pl.len() - 1
        lines = rows.to_frame().select(pl.when(last).then(pl.col("j")).otherwise(pl.col("j") + ","))
        lines.write_csv(out, include_header=False, quote_style="never")
    analysis = report.analysis
    comparisons = [{"question": q, "why": why} for q, why in report.not_comparable]
    for name, frame in (
        ("sections", analysis.sections),
        ("groups", analysis.groups),
        ("comments", analysis.comments),
        ("gaps", report.gaps),
        ("changes", report.changes),
    ):
        out.write(f' ],\n "{name}": '.encode() if name == "sections" else f',\n "{name}": '.encode())
        out.write(_frame_json(frame))
    out.write(b',\n "not_comparable": ' + json.dumps(comparisons, ensure_ascii=False).encode())
    wres = [asdict(indicator) for indicator in report.wres]
    out.write(b',\n "wres": ' + json.dumps(wres, ensure_ascii=False).encode() + b"\n}\n")


def write_csv(report: Report, out: BinaryIO) -> None:
    """The result rows as CSV: the JSON's fields, ``distribution`` as JSON text; suppressed rows' values empty."""
    findings = with_distribution_json(report.analysis.findings, report.analysis)
    table = findings.select(
        *RESULT_FIELDS, pl.when(pl.col("distribution") != "null").then(pl.col("distribution")).alias("distribution")
    )
    table.write_csv(out)


def write_report(report: Report, fmt: str, out: BinaryIO) -> None:
    """Write the report in one of ``FORMATS``."""
    if fmt == "json":
        write_json(report, out)
    elif fmt == "csv":
        write_csv(report, out)
    elif fmt == "html":
        from plans.analysis_report_html import render_html

        out.write(render_html(report).encode())
    else:
        raise ValueError(f"unknown format {fmt!r} (one of {', '.join(FORMATS)})")
