"""The HTML report of ``coproduce analyse`` in a real browser: with every part it can show (breakdowns,
a crossed table, gaps, changes since a baseline, a question not compared), axe-core finds no WCAG 2.2 A
or AA violation, and the page loads nothing from anywhere. Demographic breakdowns keep the page small
(axe takes about a second per thousand table cells)."""

from __future__ import annotations

from pathlib import Path

import yaml
from playwright.sync_api import Page, expect
from typer.testing import CliRunner

from api.cli import app
from tests.browser.axe import assert_accessible
from tests.conftest import EXAMPLE

SURVEY = EXAMPLE.parent / "surveys" / "council-baseline.yaml"
RESPONSES = EXAMPLE.parent / "responses"


def test_the_report_page_is_accessible_and_standalone(page: Page, tmp_path: Path) -> None:
    earlier = yaml.safe_load(SURVEY.read_text())
    earlier["questions"][1]["text"] = "I could explain coproduction to a colleague."
    (tmp_path / "earlier.yaml").write_text(yaml.safe_dump(earlier))
    out = tmp_path / "report.html"
    args = [
        "analyse", "--survey", str(SURVEY), "--responses", str(RESPONSES / "council-repeat.csv"),
        "--baseline", str(RESPONSES / "council-baseline.csv"), "--baseline-survey", str(tmp_path / "earlier.yaml"),
        "--by", "staff_group,disability", "--by", "ethnicity", "--gap", "ethnicity=White",
        "--format", "html", "--out", str(out),
    ]  # fmt: skip
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.set_content(out.read_text())
    expect(page.get_by_role("heading", level=1)).to_have_text("Citizen voice staff survey: survey analysis")
    crossed = "% positive by staff_group x disability (n: answers to the question)"
    expect(page.get_by_role("table", name=crossed)).to_be_visible()
    expect(page.get_by_text("K2: wording changed")).to_be_visible()
    assert_accessible(page)
    assert requests == []  # no stylesheet, script, font or image fetched from anywhere
