"""The final report of a seeded plan walked to its close: the HTML has every section with its charts and
the tables behind them, the PDF renders with text on every page and the charts drawn, and the CSV
exports hold the evidence, objectives, findings and judgements."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from pypdf import PdfReader
from typer.testing import CliRunner

from api.cli import app
from evaluation.roi import IsolationMethod
from plans.db import session_scope
from plans.domain.stages import Stage
from plans.models import utcnow
from plans.reports.render import csv_export, report_html
from plans.schemas_report import FinalReport
from plans.schemas_summative import BenefitIn
from plans.services import summative
from plans.services.final_report import final_report
from tests.conftest import Database
from tests.summative_world import at_summative
from tests.support import walk_to

CHARTS = ("chart-evidence", "chart-objectives", "chart-investment", "chart-survey")


def _closed_plan() -> FinalReport:
    world = at_summative()
    claims = [
        BenefitIn(
            description="Fewer complaints handled", value_pence=300_000, isolation_method=IsolationMethod.TREND_LINE,
            contribution_pct=50, confidence_pct=80, how_valued="30 complaints x £100",
        ),
        BenefitIn(description="Citizens trust the council more"),
    ]  # fmt: skip
    with session_scope() as s:
        summative.set_benefits(s, plan_id=world.plan_id, actor=world.people.coordinator, items=claims, now=utcnow())
    walk_to(world.plan_id, world.people, Stage.CLOSED)  # judged, retrospective, panel challenge answered, repeat
    with session_scope() as s:
        return final_report(s, plan_id=world.plan_id, now=utcnow())


@pytest.mark.parametrize("db", ["sqlite"], indirect=True)  # read-only rendering: one database is enough
def test_the_final_report_renders_to_html_pdf_and_csv(db: Database, tmp_path: Path) -> None:
    report = _closed_plan()
    assert report.closed and report.repeat_title is not None
    html = report_html(report)
    for heading in ("The journey through the stages", "How the plan was co-produced", "The evidence",
                    "Did we meet expectations?", "The investment and its return", "The staff survey, before and after",
                    "The citizen panel's review", "Looking back"):  # fmt: skip
        assert f">{heading}</h2>" in html.replace("&#39;", "'")
    for chart in CHARTS:
        assert f'id="{chart}" role="img" aria-labelledby="{chart}-title {chart}-desc"' in html
    assert "Draft." not in html and "you said you had not seen the reports" in html.lower()
    assert "K1: I know what coproduction means." in html and "£1,200.00" in html  # table behind the charts

    written = CliRunner().invoke(app, ["plan", "report", str(report.plan_id), "--out", str(tmp_path / "out")])
    assert written.exit_code == 0, written.output
    assert f"plan {report.plan_id}: Small test plan (final)" in written.output
    names = ["report.html", "report.pdf", "evidence.csv", "objectives.csv", "findings.csv", "expectations.csv"]
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == sorted(names)
    missing = CliRunner().invoke(app, ["plan", "report", "987654", "--out", str(tmp_path / "none")])
    assert missing.exit_code == 3 and "plan 987654" in missing.output and not (tmp_path / "none").exists()
    pdf = PdfReader(tmp_path / "out" / "report.pdf")
    root = pdf.trailer["/Root"]
    assert "/StructTreeRoot" in root and root["/Lang"] == "en-GB"  # tagged for screen readers
    assert pdf.metadata is not None and pdf.metadata.title == "Final report: Small test plan"
    texts = [page.extract_text() for page in pdf.pages]
    assert len(texts) >= 4 and all(len(t.strip()) > 40 for t in texts)  # no empty page
    whole = " ".join(texts)
    for words in ("Level 2: learning", "Green: on track or done", "Benefits (adjusted)", "Repeat", "You said, we did"):
        assert words in whole
    streams = b" ".join(page.get_contents().get_data() for page in pdf.pages)
    for fill in (b"0 0.498039 0.231373 rg", b"0.462745 0.52549 0.572549 rg"):  # the charts' green and grey bars
        assert fill in streams

    evidence = list(csv.DictReader(io.StringIO(csv_export(report, "evidence"))))
    assert {r["type"] for r in evidence} >= {"attendance", "reaction", "learning", "quote"}
    findings = list(csv.DictReader(io.StringIO(csv_export(report, "findings"))))
    assert [r["question_id"] for r in findings] == ["K1", "S1", "E1"] and findings[0]["repeat_pct_positive"]
    expectations = list(csv.DictReader(io.StringIO(csv_export(report, "expectations"))))
    assert {r["judgement"] for r in expectations} <= {"met", "partly_met", "not_met"} and len(expectations) == 2
