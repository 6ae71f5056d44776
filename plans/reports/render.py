"""The final report rendered: one Jinja2 template to HTML (the web page and the file), the same HTML to
PDF with WeasyPrint, and the CSV exports of its evidence, objectives, findings and judgements.

The charts are SVG drawn here (``charts.py``) and inlined, so the HTML needs no other file and the PDF
has the same pictures; every chart has a table behind it in the report. CSV cells that a spreadsheet
would run as a formula are quoted with a leading apostrophe.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup

from plans.domain.stages import Stage
from plans.reports.charts import AMBER, BLUE, GREEN, GREY, PALE_BLUE, RED, Bar, Pair, bar_chart, paired_chart
from plans.schemas_report import FinalReport

_env = Environment(
    loader=FileSystemLoader(Path(__file__).parent),
    autoescape=True,
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
EVIDENCE_ORDER = (
    ("attendance", "Attendance"),
    ("reaction", "Level 1: reaction"),
    ("learning", "Level 2: learning"),
    ("behaviour", "Level 3: behaviour"),
    ("results", "Level 4: results"),
    ("quote", "Quotes"),
    ("story", "Stories"),
)
VIA = {
    "created": "the plan was created",
    "gate": "the stage's gate passed",
    "override": "a coordinator's override, with a written reason",
    "changes_requested": "approvers asked for changes",
}
CSV_NAMES = ("evidence", "objectives", "findings", "expectations")


@dataclass(frozen=True)
class Links:
    """Where the web page's toolbar points: back to the plan, the PDF and each CSV."""

    back: str
    pdf: str
    csv: list[tuple[str, str]] = field(default_factory=list)


def pct(value: float | None) -> str:
    return "hidden or not asked" if value is None else f"{value * 100:.0f}%"


def _days(entered: datetime, left: datetime | None, now: datetime) -> int:
    return max(0, ((left or now) - entered).days)


def evidence_rows(report: FinalReport) -> list[tuple[str, int]]:
    """Evidence counted by type, in the order of the Kirkpatrick levels."""
    return [(label, report.evidence_by_type.get(kind, 0)) for kind, label in EVIDENCE_ORDER]


def charts(report: FinalReport) -> dict[str, Markup]:
    """The report's four charts as inline SVG."""
    rows = evidence_rows(report)
    colours = [GREY, PALE_BLUE, BLUE, BLUE, BLUE, GREY, GREY]
    levels = bar_chart(
        "chart-evidence",
        "Evidence by Kirkpatrick level",
        "; ".join(f"{label}: {n}" for label, n in rows),
        [Bar(label, n, str(n), colour) for (label, n), colour in zip(rows, colours, strict=True)],
    )
    rag = {"green": 0, "amber": 0, "red": 0, None: 0}
    for o in report.objectives:
        rag[o.status.value if o.status else None] += 1
    rag_bars = [
        Bar("Green: on track or done", rag["green"], str(rag["green"]), GREEN),
        Bar("Amber: at risk", rag["amber"], str(rag["amber"]), AMBER),
        Bar("Red: off track", rag["red"], str(rag["red"]), RED),
        Bar("No update yet", rag[None], str(rag[None]), GREY),
    ]
    s = report.summative.roi
    money = [
        Bar("Invested", s.costs_pence / 100, s.costs, GREY),
        Bar("Benefits (adjusted)", s.benefits_pence / 100, s.benefits, GREEN),
        Bar("Net benefit", s.net_pence / 100, s.net, BLUE),
    ]
    pairs = [
        Pair(
            f"{q.question_id}: {q.text}",
            None if q.baseline_pct is None else q.baseline_pct * 100,
            None if q.repeat_pct is None else q.repeat_pct * 100,
            pct(q.baseline_pct),
            pct(q.repeat_pct),
        )
        for q in report.questions
    ]
    return {
        "levels": Markup(levels),
        "rag": Markup(
            bar_chart(
                "chart-objectives",
                "Objectives by red, amber and green status",
                "; ".join(f"{b.label}: {b.text}" for b in rag_bars),
                rag_bars,
            )
        ),
        "money": Markup(
            bar_chart(
                "chart-investment",
                "Investment against return",
                f"Invested {s.costs}; benefits after adjustment {s.benefits}; net {s.net}; return {s.roi}",
                money,
            )
        ),
        "survey": Markup(
            paired_chart(
                "chart-survey",
                "Baseline against repeat survey: % positive per question",
                "; ".join(f"{p.label}: baseline {p.first_text}, repeat {p.second_text}" for p in pairs),
                pairs,
                legend=("Baseline", "Repeat"),
            )
        ),
    }


def report_html(report: FinalReport, *, links: Links | None = None) -> str:
    """The report as one standalone HTML document (with a toolbar of downloads when ``links``)."""
    template = _env.get_template("final_report.html")
    return template.render(
        r=report,
        s=report.summative,
        charts=charts(report),
        evidence_rows=evidence_rows(report),
        links=links,
        pct=pct,
        stage_label=lambda value: Stage(value).label,
        days=lambda entered, left: _days(entered, left, report.generated_at),
        via=lambda value: VIA.get(value, value.replace("_", " ")),
    )


def report_pdf(html: str) -> bytes:
    """The report's HTML as a tagged PDF (PDF/UA-1: headings, tables and reading order a screen reader
    can follow, the document's language and title), A4 with numbered pages."""
    from weasyprint import HTML  # type: ignore[import-untyped]  # loads Pango, which web pages do not need

    return bytes(HTML(string=html).write_pdf(pdf_variant="pdf/ua-1"))


def _safe(value: Any) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _csv(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows([_safe(v) for v in row] for row in rows)
    return out.getvalue()


def csv_export(report: FinalReport, name: str) -> str:
    """One CSV export: ``evidence``, ``objectives``, ``findings`` (baseline against repeat) or
    ``expectations`` (the judgements); KeyError for any other name."""
    if name == "evidence":
        return _csv(
            ["id", "type", "summary", "value", "unit", "participants", "checkpoint", "objective_id", "expectation_id",
             "given_by", "given_at"],
            [
                [e.id, e.type.value, e.summary, e.value, e.unit, e.participants, e.checkpoint, e.objective_id,
                 e.expectation_id, e.given_by, e.given_at.isoformat()]
                for e in report.evidence
            ],
        )  # fmt: skip
    if name == "objectives":
        return _csv(
            ["id", "objective", "owner", "measure", "baseline", "target", "due_on", "status", "percent_complete",
             "note"],
            [
                [o.id, o.text, o.owner, o.measure, o.baseline, o.target, o.due_on.isoformat(),
                 o.status.value if o.status else "", o.percent_complete, o.note]
                for o in report.objectives
            ],
        )  # fmt: skip
    if name == "findings":
        return _csv(
            ["question_id", "question", "baseline_pct_positive", "repeat_pct_positive", "change", "significant"],
            [[q.question_id, q.text, q.baseline_pct, q.repeat_pct, q.change, q.significant] for q in report.questions],
        )
    if name == "expectations":
        return _csv(
            ["id", "stakeholder", "expectation", "level", "measure", "target", "judgement", "judgement_evidence",
             "levels_evidenced", "chain_complete"],
            [
                [e.id, e.stakeholder, e.text, e.level, e.measure, e.target, e.judgement or "", e.judgement_evidence,
                 " ".join(str(x) for x in e.chain.evidenced), e.chain.complete]
                for e in report.summative.expectations
            ],
        )  # fmt: skip
    raise KeyError(name)


def write_report(report: FinalReport, out: Path) -> list[Path]:
    """Write report.html, report.pdf and the CSV exports into ``out`` (made if missing); their paths.
    Everything is rendered before the first file is written, so a failed rendering writes nothing."""
    html = report_html(report)
    files: dict[str, str | bytes] = {"report.html": html, "report.pdf": report_pdf(html)}
    files.update({f"{name}.csv": csv_export(report, name) for name in CSV_NAMES})
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, body in files.items():
        path = out / name
        if isinstance(body, bytes):
            path.write_bytes(body)
        else:
            path.write_text(body, encoding="utf-8", newline="")
        written.append(path)
    return written
