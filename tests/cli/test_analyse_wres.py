"""``coproduce analyse`` reports WRES staff-survey indicators 5-8 by ethnicity for questions the survey
file marks with ``wres:``: white against BME with the gap and ratio, each figure with its formula, and
hidden where a BME group is hidden (its total would give the group away by subtraction)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import jsonschema
import yaml
from typer.testing import CliRunner

from api.cli import app
from tests.conftest import EXAMPLE

SCHEMA = json.loads((EXAMPLE.parent.parent / "docs" / "analysis.schema.json").read_text())
ETHNICITIES = ["White", "Asian", "Black", "Mixed", "Other", "Prefer not to say"]
SURVEY = {
    "title": "Staff experience",
    "sections": [{"id": "s", "title": "Experience"}],
    "questions": [
        {"id": "H1", "section": "s", "type": "yes_no", "text": "Harassed by the public?", "wres": 5},
        {"id": "E1", "section": "s", "type": "yes_no", "text": "Equal opportunities?", "wres": 7},
        {"id": "Q1", "section": "s", "text": "I like my job."},
    ],
    "demographics": [{"id": "ethnicity", "text": "Ethnicity?", "options": ETHNICITIES}],
}


def write(tmp_path: Path, groups: dict[str, tuple[int, int]]) -> tuple[Path, Path]:
    """groups: ethnicity -> (people, of whom harassed); everyone believes in equal opportunities but one."""
    survey = tmp_path / "survey.yaml"
    survey.write_text(yaml.safe_dump(SURVEY))
    responses = tmp_path / "responses.csv"
    with responses.open("w", newline="") as f:
        out = csv.writer(f)
        out.writerow(["team", "ethnicity", "H1", "E1", "Q1"])
        i = 0
        for ethnicity, (people, harassed) in groups.items():
            for k in range(people):
                out.writerow(
                    [f"T{i % 3}", ethnicity, "Yes" if k < harassed else "No", "No" if i == 0 else "Yes", "Agree"]
                )
                i += 1
    return survey, responses


def analyse(survey: Path, responses: Path, out: Path) -> dict:
    args = ["analyse", "--survey", str(survey), "--responses", str(responses), "--by", "ethnicity"]
    result = CliRunner().invoke(app, [*args, "--format", "json", "--out", str(out)])
    assert result.exit_code == 0, result.output
    document = json.loads(out.read_text())
    jsonschema.validate(document, SCHEMA)
    return document


def test_indicators_by_ethnicity_with_gap_and_formula(tmp_path: Path) -> None:
    survey, responses = write(
        tmp_path, {"White": (40, 4), "Asian": (20, 5), "Black": (15, 6), "Prefer not to say": (12, 1)}
    )
    wres = analyse(survey, responses, tmp_path / "out.json")["wres"]
    assert [w["indicator"] for w in wres] == [5, 7]
    five = wres[0]
    assert five["white"]["value"] == 4 / 40
    assert five["bme"]["value"] == (5 + 6) / (20 + 15)  # "prefer not to say" is in neither group
    assert abs(five["difference"]["value"] - ((11 / 35) - (4 / 40))) < 1e-12
    assert five["ratio"]["value"] == (11 / 35) / (4 / 40)
    for figure in ("white", "bme", "difference", "ratio"):
        assert five[figure]["formula"]
    assert five["difference"]["ci_low"] < five["difference"]["value"] < five["difference"]["ci_high"]


def test_a_hidden_bme_group_hides_the_bme_figure(tmp_path: Path) -> None:
    survey, responses = write(tmp_path, {"White": (40, 4), "Asian": (20, 5), "Black": (15, 6), "Mixed": (3, 1)})
    document = analyse(survey, responses, tmp_path / "out.json")
    five = document["wres"][0]
    assert five["bme"]["value"] is None and five["bme"]["reason"]
    assert five["difference"]["value"] is None and five["ratio"]["value"] is None


def test_no_marked_questions_no_indicators(tmp_path: Path) -> None:
    survey, responses = write(tmp_path, {"White": (40, 4), "Asian": (20, 5)})
    plain = {**SURVEY, "questions": [{k: v for k, v in q.items() if k != "wres"} for q in SURVEY["questions"]]}
    survey.write_text(yaml.safe_dump(plain))
    assert analyse(survey, responses, tmp_path / "out.json")["wres"] == []
