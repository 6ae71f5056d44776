"""``coproduce analyse`` end to end on small files: the numbers worked by hand, every format, breakdowns
crossed, thresholds, a baseline, gaps; the JSON checked against docs/analysis.schema.json; suppressed
rows carry no value in any format."""

from __future__ import annotations

import csv
import io
import json
import math
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from typer.testing import CliRunner

from api.cli import app
from tests.conftest import EXAMPLE

ROOT = EXAMPLE.parent.parent
SCHEMA = json.loads((ROOT / "docs" / "analysis.schema.json").read_text())
COUNCIL = EXAMPLE.parent / "surveys" / "council-baseline.yaml"
COUNCIL_BASELINE = EXAMPLE.parent / "responses" / "council-baseline.csv"
COUNCIL_REPEAT = EXAMPLE.parent / "responses" / "council-repeat.csv"
VALUES = ("positive", "pct_positive", "ci_low", "ci_high", "distribution")
runner = CliRunner()

TINY = {
    "title": "Tiny survey",
    "sections": [{"id": "s", "title": "S"}],
    "questions": [
        {"id": "Q1", "section": "s", "text": "I like it."},
        {"id": "Q2", "section": "s", "type": "yes_no", "text": "Did you?"},
        {"id": "F1", "section": "s", "type": "free_text", "text": "Anything else?"},
        {"id": "M1", "section": "s", "type": "multiple_choice", "text": "Which?", "answers": ["X", "Y"]},
    ],
    "demographics": [{"id": "grade", "text": "Grade?", "options": ["A", "B"]}],
}


def wilson(x: int, n: int, z: float = 1.959963984540054) -> tuple[float, float]:
    """Wilson's score interval, written out from its formula."""
    p = x / n
    centre, half = p + z * z / (2 * n), z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return (centre - half) / (1 + z * z / n), (centre + half) / (1 + z * z / n)


def tiny_rows() -> list[list[str]]:
    """Team A: 15 (10 agree), team B: 12 (6 strongly agree), team C: 3 (all agree); grade A for the first 18."""
    q1 = ["Agree"] * 10 + ["Disagree"] * 5 + ["Strongly agree"] * 6 + ["Neither agree nor disagree"] * 6 + ["Agree"] * 3
    teams = ["A"] * 15 + ["B"] * 12 + ["C"] * 3
    return [
        [team, answer, "Yes" if i % 3 else "No", f"Comment {i:02d}" if i < 22 else "", "A" if i < 18 else "B"]
        for i, (team, answer) in enumerate(zip(teams, q1, strict=True))
    ]


@pytest.fixture
def tiny(tmp_path: Path) -> tuple[Path, Path]:
    survey = tmp_path / "tiny.yaml"
    survey.write_text(yaml.safe_dump(TINY))
    responses = tmp_path / "tiny.csv"
    with responses.open("w", newline="") as f:
        csv.writer(f).writerows([["team", "Q1", "Q2", "F1", "grade"], *tiny_rows()])
    return survey, responses


def run(*args: str | Path) -> Any:
    return runner.invoke(app, ["analyse", *map(str, args)])


def analysed(*args: str | Path) -> dict[str, Any]:
    result = run(*args, "--format", "json")
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    jsonschema.Draft202012Validator(SCHEMA).validate(document)
    return document


def row(document: dict[str, Any], breakdown: str, group: str, question: str) -> dict[str, Any]:
    return next(
        r for r in document["results"] if (r["breakdown"], r["group"], r["question"]) == (breakdown, group, question)
    )


class TestNumbers:
    def test_counts_intervals_and_suppression_worked_by_hand(self, tiny: tuple[Path, Path]) -> None:
        survey, responses = tiny
        doc = analysed("--survey", survey, "--responses", responses)
        assert doc["breakdowns"] == ["overall", "team", "grade"]  # the default: levels, then demographics
        assert (doc["respondents"], doc["threshold"], doc["comment_threshold"]) == (30, 11, 20)
        overall = row(doc, "overall", "all", "Q1")
        low, high = wilson(19, 30)
        assert (overall["n"], overall["positive"]) == (30, 19)
        assert overall["ci_low"] == pytest.approx(low) and overall["ci_high"] == pytest.approx(high)
        assert overall["distribution"] == {
            "Strongly agree": 6,
            "Agree": 13,
            "Neither agree nor disagree": 6,
            "Disagree": 5,
            "Strongly disagree": 0,
        }
        team_a = row(doc, "team", "A", "Q1")
        assert (team_a["n"], team_a["positive"], team_a["suppressed"]) == (15, 10, False)
        # C has 3 respondents; B, the smallest other team, is hidden too, or C = overall - A - B
        for group, reason in (("B", "secondary"), ("C", "primary")):
            hidden = row(doc, "team", group, "Q1")
            assert hidden["suppressed"] and hidden["reason"].startswith(reason)
            # a hidden row shows its group's respondents, not how many answered the question
            assert all(hidden[v] is None for v in VALUES) and hidden["n"] is None
            assert hidden["respondents"] == {"B": 12, "C": 3}[group]
        groups = {(g["breakdown"], g["group"]): g for g in doc["groups"]}
        assert groups[("team", "C")]["respondents"] == 3  # who answered is shown, what they answered is not
        assert row(doc, "grade", "B", "Q2")["positive"] == sum(1 for i in range(18, 30) if i % 3)
        assert doc["notes"] == ["M1 (multiple_choice) has no column in tiny.csv: not reported"]

    def test_comments_are_organisational_sorted_and_held_to_their_own_threshold(self, tiny: tuple[Path, Path]) -> None:
        survey, responses = tiny
        doc = analysed("--survey", survey, "--responses", responses)
        comments = {(c["breakdown"], c["group"]): c for c in doc["comments"]}
        assert comments[("overall", "all")]["texts"] == [f"Comment {i:02d}" for i in range(22)]
        assert comments[("team", "A")]["suppressed"] and comments[("team", "A")]["texts"] is None
        assert not any(c["breakdown"] == "grade" for c in doc["comments"])

    @pytest.mark.parametrize(("threshold", "hidden"), [(3, set()), (16, {"A", "B", "C"})])
    def test_threshold(self, tiny: tuple[Path, Path], threshold: int, hidden: set[str]) -> None:
        survey, responses = tiny
        doc = analysed("--survey", survey, "--responses", responses, "--by", "team", "--threshold", str(threshold))
        assert doc["threshold"] == threshold
        assert {r["group"] for r in doc["results"] if r["breakdown"] == "team" and r["suppressed"]} == hidden
        assert all(r["n"] >= threshold for r in doc["results"] if not r["suppressed"])


class TestFormats:
    def test_json_of_the_example_follows_the_schema(self) -> None:
        doc = analysed("--survey", COUNCIL, "--responses", COUNCIL_BASELINE, "--by", "team,ethnicity")
        assert doc["breakdowns"] == ["overall", "team", "ethnicity", "team x ethnicity"]
        assert doc["respondents"] == 699
        assert any(r["suppressed"] for r in doc["results"]) and any(not r["suppressed"] for r in doc["results"])
        for r in doc["results"]:
            assert (r["suppressed"] and all(r[v] is None for v in VALUES)) or (
                not r["suppressed"] and r["n"] >= 11 and sum(r["distribution"].values()) == r["n"]
            )

    def test_csv_rows_are_the_json_results_with_suppressed_values_empty(self, tiny: tuple[Path, Path]) -> None:
        survey, responses = tiny
        doc = analysed("--survey", survey, "--responses", responses)
        result = run("--survey", survey, "--responses", responses, "--format", "csv")
        assert result.exit_code == 0, result.output
        rows = list(csv.DictReader(io.StringIO(result.stdout)))
        assert [
            (r["breakdown"], r["group"], r["question"], int(r["respondents"]), int(r["n"]) if r["n"] else None)
            for r in rows
        ] == [(r["breakdown"], r["group"], r["question"], r["respondents"], r["n"]) for r in doc["results"]]
        for r in rows:
            if r["suppressed"] == "true":
                assert all(r[v] == "" for v in (*VALUES, "n")) and r["reason"]
            else:
                assert json.loads(r["distribution"]) and float(r["pct_positive"]) >= 0

    def test_html_is_standalone_and_says_why_a_cell_is_empty(self, tiny: tuple[Path, Path], tmp_path: Path) -> None:
        survey, responses = tiny
        out = tmp_path / "report.html"
        result = run("--survey", survey, "--responses", responses, "--format", "html", "--out", out)
        assert result.exit_code == 0, result.output
        assert f"wrote {out}: 30 responses" in result.stdout
        page = out.read_text()
        assert page.startswith("<!doctype html>") and '<html lang="en">' in page
        assert "<script" not in page and "<link" not in page and "src=" not in page
        cells = _Cells()
        cells.feed(page)
        assert cells.empty_in_grids == 0  # a hidden result is said in words, never a blank cell
        # team C (3 respondents) is hidden in its own right, team B (12) to protect it
        assert "not shown: fewer than 11 responses (3 respondents)" in page
        assert "not shown: would reveal a smaller group (12 respondents)" in page
        assert "None" not in page
        assert "67% (n 15)" in page  # team A: 10 of 15

    def test_stdout_json_and_out_file_are_the_same(self, tiny: tuple[Path, Path], tmp_path: Path) -> None:
        survey, responses = tiny
        out = tmp_path / "r.json"
        assert run("--survey", survey, "--responses", responses, "--format", "json", "--out", out).exit_code == 0
        assert json.loads(out.read_text()) == analysed("--survey", survey, "--responses", responses)


class _Cells(HTMLParser):
    """Counts empty <td> cells in the per-breakdown tables (those whose caption starts '% positive by')."""

    def __init__(self) -> None:
        super().__init__()
        self.in_grid = self.in_caption = self.in_td = False
        self.text = ""
        self.empty_in_grids = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table":
            self.in_grid = False
        self.in_caption = tag == "caption"
        if tag == "td":
            self.in_td, self.text = True, ""

    def handle_data(self, data: str) -> None:
        if self.in_caption and data.startswith("% positive by"):
            self.in_grid = True
        if self.in_td:
            self.text += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "td":
            self.in_td = False
            self.empty_in_grids += self.in_grid and not self.text.strip()
        if tag == "caption":
            self.in_caption = False


class TestBaselineAndGaps:
    def test_changes_since_the_baseline(self) -> None:
        doc = analysed(
            "--survey", COUNCIL, "--responses", COUNCIL_REPEAT, "--baseline", COUNCIL_BASELINE, "--by", "team"
        )
        assert doc["baseline"] == {
            "survey": "Citizen voice staff survey",
            "source": "council-baseline.csv",
            "respondents": 699,
        }
        assert doc["not_comparable"] == []
        k1 = next(c for c in doc["changes"] if (c["breakdown"], c["group"], c["question"]) == ("overall", "all", "K1"))
        before, after = row(doc, "overall", "all", "K1"), k1
        assert after["repeat_n"] == before["n"] and after["significant"] is True and after["difference"] > 0
        hidden = [c for c in doc["changes"] if c["suppressed"]]
        assert hidden and all(c["difference"] is None and c["repeat_pct"] is None for c in hidden)

    def test_a_reworded_question_is_listed_not_compared(self, tmp_path: Path) -> None:
        data = yaml.safe_load(COUNCIL.read_text())
        data["questions"][1]["text"] = "I could explain coproduction to a colleague."
        earlier = tmp_path / "earlier.yaml"
        earlier.write_text(yaml.safe_dump(data))
        doc = analysed(
            "--survey", COUNCIL, "--responses", COUNCIL_REPEAT,
            "--baseline", COUNCIL_BASELINE, "--baseline-survey", earlier, "--by", "directorate",
        )  # fmt: skip
        assert doc["not_comparable"] == [{"question": "K2", "why": "wording changed"}]
        assert not any(c["question"] == "K2" for c in doc["changes"])

    def test_gaps_against_a_reference_group(self) -> None:
        doc = analysed("--survey", COUNCIL, "--responses", COUNCIL_BASELINE, "--gap", "ethnicity=White")
        gaps = [g for g in doc["gaps"] if g["question"] == "E2"]
        assert {g["group_b"] for g in gaps} == {"White"} and {g["breakdown"] for g in gaps} == {"ethnicity"}
        asian = next(g for g in gaps if g["group_a"] == "Asian or Asian British")
        a, b = row(doc, "ethnicity", "Asian or Asian British", "E2"), row(doc, "ethnicity", "White", "E2")
        assert asian["difference"] == pytest.approx(a["pct_positive"] - b["pct_positive"])
