"""``coproduce staff import|show`` and ``coproduce survey import-paper`` as a coordinator runs them:
a summary on success, exit 2 with the row report on a bad file."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from api.cli import app
from tests.conftest import EXAMPLE, Database
from tests.db.test_paper_responses import HEADER, open_paper_survey
from tests.db.test_staff_lists import write

runner = CliRunner()


def test_staff_import_and_show(db: Database, tmp_path: Path) -> None:
    assert runner.invoke(app, ["plan", "create", str(EXAMPLE)]).exit_code == 0
    staff = str(EXAMPLE.parent / "staff-list.csv")
    done = runner.invoke(app, ["staff", "import", staff, "--organisation", "EXC"])
    assert done.exit_code == 0, done.output
    assert (
        "imported 1214 staff for EXC from staff-list.csv: 1199 eligible in 29 team(s), 15 not eligible" in done.output
    )
    shown = runner.invoke(app, ["staff", "show", "--organisation", "EXC"])
    assert shown.exit_code == 0, shown.output
    assert "ASC-01" in shown.output and "Reablement" in shown.output
    assert [line.split()[:4] for line in shown.output.splitlines() if line.startswith("total")] == [
        ["total", "1199", "1214", "15"]
    ]

    bad = write(tmp_path, [["team_code", "email", "staff_group"], ["ASC-01", "x@y", "Social work"]])
    refused = runner.invoke(app, ["staff", "import", str(bad), "--organisation", "EXC"])
    assert refused.exit_code == 2
    assert "staff.csv: 1 problem, nothing was imported" in refused.output
    assert "line 2, column email: 'x@y' is not an email address" in refused.output
    missing = runner.invoke(app, ["staff", "show", "--organisation", "NOPE"])
    assert missing.exit_code == 3 and "no organisation with code 'NOPE'" in missing.output


def test_survey_import_paper(db: Database, tmp_path: Path) -> None:
    ids = open_paper_survey()
    good = write(tmp_path, [HEADER, ["T1", "Agree", "Yes", "", "", "", "Housing", ""]], "xlsx", "paper")
    done = runner.invoke(app, ["survey", "import-paper", str(good), "--plan", str(ids["plan"])])
    assert done.exit_code == 0, done.output
    assert f"imported 1 paper response(s) from paper.xlsx into the baseline survey of plan {ids['plan']}" in done.output
    bad = write(tmp_path, [HEADER, ["T9", "Agree", "Yes", "", "", "", "Housing", ""]], "csv", "paper")
    refused = runner.invoke(app, ["survey", "import-paper", str(bad), "--plan", str(ids["plan"]), "--kind", "baseline"])
    assert refused.exit_code == 2
    assert "line 2, column team_code: no team with code 'T9'" in refused.output
