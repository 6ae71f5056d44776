"""A plan file's survey, inline or in a file of its own, through the real ``coproduce plan create``:
the file is found relative to the plan file, its problems name it and the field, nothing is written on
failure; and any YAML at all is either a survey or a list of problems, never a crash."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from typer.testing import CliRunner

from api.cli import app
from plans.db import session_scope
from plans.files import SurveyFileError, load_survey_file, parse_survey
from plans.models import Plan
from tests.conftest import EXAMPLE, SMALL_PLAN, Database

SURVEY = EXAMPLE.parent / "surveys" / "council-baseline.yaml"
runner = CliRunner()


def _plans() -> int:
    with session_scope() as s:
        return int(s.scalar(select(func.count()).select_from(Plan)) or 0)


def _plan_with_survey(tmp_path: Path, survey: object, survey_data: object = None) -> Path:
    if survey_data is not None:
        (tmp_path / "surveys").mkdir(exist_ok=True)
        (tmp_path / "surveys" / "s.yaml").write_text(yaml.safe_dump(survey_data))
    plan = yaml.safe_load(SMALL_PLAN.read_text())
    plan["plan"]["survey"] = survey
    path = tmp_path / "plan.yaml"
    path.write_text(yaml.safe_dump(plan))
    return path


class TestPlanCreate:
    def test_the_survey_file_is_found_relative_to_the_plan_file(self, db: Database, tmp_path: Path) -> None:
        data = yaml.safe_load(SURVEY.read_text())
        path = _plan_with_survey(tmp_path, {"file": "surveys/s.yaml"}, data)
        result = runner.invoke(app, ["plan", "create", str(path)])
        assert result.exit_code == 0, result.output
        with session_scope() as s:
            plan = s.scalar(select(Plan))
            assert plan is not None
            assert plan.survey_template == load_survey_file(SURVEY).model_dump(mode="json")
            assert (plan.survey_target_rate, plan.survey_days) == (0.6, 28)

    @pytest.mark.parametrize(
        ("survey", "survey_data", "expected"),
        [
            ({"file": "surveys/none.yaml"}, None, "plan.survey.file: {tmp}/surveys/none.yaml: the file does not exist"),
            (
                {"file": "surveys/s.yaml", "title": "x"},
                None,
                "plan.survey: write the survey inline, or give only file:",
            ),
            ({"file": ""}, None, "plan.survey: write the survey inline, or give only file:"),
            (
                {"file": "surveys/s.yaml"},
                {"title": "T", "sections": [{"id": "k", "title": "K"}], "questions": [{"id": "Q", "section": "x"}]},
                "plan.survey.file: {tmp}/surveys/s.yaml: questions[0].text: this field is required",
            ),
            (
                {"file": "surveys/s.yaml"},
                {"title": "T", "sections": [{"id": "k", "title": "K"}], "questions": [{"id": "Q", "section": "x"}]},
                "plan.survey.file: {tmp}/surveys/s.yaml: questions[0].section: no section with id 'x'",
            ),
            (
                {"title": "T", "sections": [{"id": "k", "title": "K"}], "questions": [{"id": "Q", "section": "x"}]},
                None,
                "plan.survey.questions[0].section: no section with id 'x'",
            ),
            (
                {"title": "T", "sections": [{"id": "k", "title": "K"}], "questions": [{"id": "Q", "section": "x"}]},
                None,
                "plan.survey.questions[0].text: this field is required",
            ),
            (
                {
                    "title": "T",
                    "sections": [{"id": "k", "title": "K"}],
                    "questions": [{"id": "Q", "section": "k", "text": "?"}] * 2,
                },
                None,
                "plan.survey.questions[1].id: 'Q' is listed twice (also questions[0])",
            ),
        ],
    )
    def test_bad_survey_names_the_file_and_field_and_writes_nothing(
        self, db: Database, tmp_path: Path, survey: Any, survey_data: Any, expected: str
    ) -> None:
        path = _plan_with_survey(tmp_path, survey, survey_data)
        result = runner.invoke(app, ["plan", "create", str(path)])
        assert result.exit_code == 2, result.output
        assert str(path) in result.output
        assert expected.format(tmp=tmp_path) in result.output, result.output
        assert _plans() == 0


JSONISH = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=20,
)
KEYS = st.sampled_from(["title", "sections", "questions", "demographics", "introduction", "chasing", "anonymous"])


class TestAnyYaml:
    @settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(st.dictionaries(KEYS, JSONISH) | JSONISH)
    def test_is_a_survey_or_a_list_of_problems(self, data: Any) -> None:
        try:
            parse_survey(data, "s.yaml")
        except SurveyFileError as e:
            assert e.problems and all(isinstance(p, str) and p for p in e.problems)

    @settings(max_examples=100, deadline=None)
    @given(st.data())
    def test_mutated_example_is_a_survey_or_a_list_of_problems(self, data: st.DataObject) -> None:
        survey = yaml.safe_load(SURVEY.read_text())
        for _ in range(data.draw(st.integers(1, 3))):
            section = data.draw(st.sampled_from(["sections", "questions", "demographics"]))
            item = data.draw(st.sampled_from(survey[section]))
            key = data.draw(st.sampled_from([*sorted(item), "id", "section", "type", "answers"]))
            item[key] = data.draw(JSONISH)
        try:
            parse_survey(survey, "s.yaml")
        except SurveyFileError as e:
            assert e.problems
