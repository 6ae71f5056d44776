"""``coproduce wres --workforce FILE``: the workforce indicators with their formulas, as text or JSON;
exit 2 and nothing on standard output when the file is refused."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from api.cli import app

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "wres-workforce.csv"
runner = CliRunner()


class TestWres:
    def test_text_shows_each_indicator_with_its_formula(self) -> None:
        result = runner.invoke(app, ["wres", "--workforce", str(EXAMPLE)])
        assert result.exit_code == 0, result.output
        out = result.stdout
        assert "Band 5 (1212 staff): white 74.3%, BME 24.8%, unknown 1.0%" in out
        assert "2.00 (95% CI 1.39 to 2.87)" in out
        assert "(white appointed / white shortlisted) / (BME appointed / BME shortlisted) = (120/400) / (30/200)" in out
        assert "BME board members / board - BME staff / workforce = 1/12 - 901/4088" in out

    def test_json(self) -> None:
        result = runner.invoke(app, ["wres", "--workforce", str(EXAMPLE), "--format", "json"])
        assert result.exit_code == 0, result.output
        data = json.loads(result.stdout)
        assert data["source"] == "wres-workforce.csv"
        assert data["indicator_2"]["value"] == 2.0 and data["indicator_2"]["formula"].endswith("= 2.00")
        assert data["indicator_1"][-1]["band"] == "overall"
        assert set(data["indicator_9"]) == {"white", "bme", "unknown"}

    def test_an_indicator_not_in_the_file(self, tmp_path: Path) -> None:
        path = tmp_path / "w.csv"
        path.write_text(
            "indicator,measure,band,ethnicity,count\n3,workforce,,white,100\n3,entering,,white,0\n"
            "3,workforce,,bme,50\n3,entering,,bme,2\n"
        )
        result = runner.invoke(app, ["wres", "--workforce", str(path)])
        assert result.exit_code == 0, result.output
        assert "Indicator 2: not in the file" in result.stdout and "Indicator 1: not in the file" in result.stdout
        assert "white entering / white workforce is 0, so the ratio divides by zero" in result.stdout

    def test_a_bad_file_exits_2_naming_the_line_and_column(self, tmp_path: Path) -> None:
        path = tmp_path / "w.csv"
        path.write_text("indicator,measure,band,ethnicity,count\n2,shortlisted,,white,ten\n")
        result = runner.invoke(app, ["wres", "--workforce", str(path), "--format", "json"])
        assert result.exit_code == 2
        assert result.stdout == ""
        assert "line 2, column count: must be a whole number, 0 or more (got 'ten')" in result.stderr
        assert "nothing was imported" in result.stderr
