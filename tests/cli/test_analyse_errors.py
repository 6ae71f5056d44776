"""``coproduce analyse`` refusing bad input: exit 2, every problem on stderr by line and column, and the
--out file not written (a file already there is left exactly as it was)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from api.cli import app
from tests.conftest import EXAMPLE

COUNCIL = EXAMPLE.parent / "surveys" / "council-baseline.yaml"
GOOD = EXAMPLE.parent / "responses" / "council-baseline.csv"
HEADER = "team,directorate,ethnicity,K1,K2,K3,S1,S2,S3,E1,E2,E3,E4"
ANSWERS = "Agree,Agree,Agree,Agree,Agree,Agree,Yes,Agree,Disagree,Never"
runner = CliRunner()


def refused(tmp_path: Path, *args: str | Path) -> Any:
    """Run with --out over an existing file; check the refusal left it alone and wrote nothing else."""
    out = tmp_path / "out" / "report.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text("an earlier report")
    result = runner.invoke(app, ["analyse", *map(str, args), "--format", "json", "--out", str(out)])
    assert result.exit_code == 2, result.output
    assert out.read_text() == "an earlier report"
    assert [p.name for p in out.parent.iterdir()] == ["report.json"]
    assert result.stdout == ""
    return result


def responses(tmp_path: Path, *lines: str, name: str = "responses.csv") -> Path:
    path = tmp_path / name
    path.write_text("\n".join([HEADER, *lines]) + "\n")
    return path


class TestBadResponses:
    @pytest.mark.parametrize(
        ("line", "expected"),
        [
            ("T1,D1,White,Agre," + ANSWERS.split(",", 1)[1], "line 3, column K1: 'Agre' is not an answer"),
            (",D1,White," + ANSWERS, "line 3, column team: missing: every response needs its team's code"),
            ("T1,D2,White," + ANSWERS, "line 3, column directorate: team 'T1' is in directorate 'D2' here but in"),
            ("T2,D1,Martian," + ANSWERS, "line 3, column ethnicity: 'Martian' is not one of the options"),
            ("T2,D1,White," + ANSWERS + ",extra", "line 3: 1 value(s) to the right of the last named column"),
        ],
    )
    def test_a_bad_cell_is_named_by_line_and_column(self, tmp_path: Path, line: str, expected: str) -> None:
        path = responses(tmp_path, "T1,D1,White," + ANSWERS, line)
        result = refused(tmp_path, "--survey", COUNCIL, "--responses", path)
        assert "responses.csv: 1 problem, nothing was analysed" in result.stderr
        assert expected in result.stderr

    def test_unknown_and_missing_columns(self, tmp_path: Path) -> None:
        path = tmp_path / "responses.csv"
        path.write_text(
            "team,K1,K2,K3,S1,S2,S3,E1,E2,E3,Q99\nT1,Agree,Agree,Agree,Agree,Agree,Agree,Yes,Agree,Agree,x\n"
        )
        result = refused(tmp_path, "--survey", COUNCIL, "--responses", path)
        assert "line 1, column Q99: unknown column" in result.stderr
        assert "line 1, column E4: no column for this question" in result.stderr

    def test_every_problem_is_listed_not_just_the_first(self, tmp_path: Path) -> None:
        lines = [f"T{i},D1,White,Nope," + ANSWERS.split(",", 1)[1] for i in range(60)]
        result = refused(tmp_path, "--survey", COUNCIL, "--responses", responses(tmp_path, *lines))
        assert "60 problems, nothing was analysed" in result.stderr
        assert "line 2, column K1" in result.stderr and "... and 10 more problem(s)" in result.stderr

    def test_a_bad_baseline_is_refused_before_anything_is_written(self, tmp_path: Path) -> None:
        bad = responses(tmp_path, "T1,D1,White,Agre," + ANSWERS.split(",", 1)[1], name="baseline.csv")
        result = refused(tmp_path, "--survey", COUNCIL, "--responses", GOOD, "--baseline", bad)
        assert "baseline.csv: 1 problem, nothing was analysed" in result.stderr
        assert "line 2, column K1: 'Agre' is not an answer" in result.stderr

    def test_files_that_cannot_be_read(self, tmp_path: Path) -> None:
        result = refused(tmp_path, "--survey", COUNCIL, "--responses", tmp_path / "missing.csv")
        assert "missing.csv: the file does not exist" in result.stderr
        (tmp_path / "survey.yaml").write_text("title: [unclosed\n")
        result = refused(tmp_path, "--survey", tmp_path / "survey.yaml", "--responses", GOOD)
        assert "survey.yaml: the survey file has 1 problem(s)" in result.stderr


class TestBadOptions:
    @pytest.mark.parametrize(
        ("options", "expected"),
        [
            (["--by", "grade"], "--by: breakdown column 'grade' is not in the responses"),
            (["--by", "team,"], "--by 'team,': name one column, or two separated by a comma"),
            (["--by", "team,directorate"], "crosses two organisational levels"),
            (["--gap", "ethnicity"], "--gap 'ethnicity': write COLUMN=GROUP"),
            (["--gap", "ethnicity=Martian"], "--gap 'ethnicity=Martian': no group 'Martian'"),
            (["--baseline-survey", str(COUNCIL)], "--baseline-survey: give the baseline's responses with --baseline"),
        ],
    )
    def test_refused_with_the_option_named(self, tmp_path: Path, options: list[str], expected: str) -> None:
        result = refused(tmp_path, "--survey", COUNCIL, "--responses", GOOD, *options)
        assert expected in result.stderr

    def test_out_in_a_missing_folder(self, tmp_path: Path) -> None:
        out = tmp_path / "nowhere" / "r.json"
        args = ["analyse", "--survey", str(COUNCIL), "--responses", str(GOOD), "--format", "json", "--out", str(out)]
        result = runner.invoke(app, args)
        assert result.exit_code == 2 and "does not exist" in result.stderr and not out.parent.exists()
