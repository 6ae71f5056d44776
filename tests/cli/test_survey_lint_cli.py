"""``coproduce survey lint FILE`` through the real command: findings grouped by principle, exit 0 when
only warnings or notes, 1 on lint errors, 2 when the file is not a valid survey (every problem listed)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml
from typer.testing import CliRunner

from api.cli import app
from plans.domain.survey_lint import PRINCIPLE_TITLES
from tests.conftest import EXAMPLE, SMALL_PLAN

SURVEY = EXAMPLE.parent / "surveys" / "council-baseline.yaml"
runner = CliRunner()


def _example() -> dict[str, Any]:
    return yaml.safe_load(SURVEY.read_text())


def _write(tmp_path: Path, data: object, name: str = "survey.yaml") -> Path:
    path = tmp_path / name
    path.write_text(data if isinstance(data, str) else yaml.safe_dump(data))
    return path


def lint(*args: str) -> Any:
    return runner.invoke(app, ["survey", "lint", *args])


class TestCleanFiles:
    def test_the_council_example_passes_every_principle(self) -> None:
        result = lint(str(SURVEY))
        assert result.exit_code == 0, result.output
        assert "Citizen voice staff survey (10 question(s))" in result.output
        for title in PRINCIPLE_TITLES.values():
            assert f"{title}: ok" in result.output
        assert "0 error(s), 0 warning(s), 1 note(s)" in result.output

    def test_a_plan_file_is_linted_through_its_survey(self) -> None:
        for plan in (EXAMPLE, SMALL_PLAN):  # by file reference, and inline
            result = lint(str(plan))
            assert result.exit_code == 0, result.output
            assert "0 error(s), 0 warning(s)" in result.output


class TestFindings:
    def test_warnings_alone_exit_0_grouped_under_their_principle(self, tmp_path: Path) -> None:
        data = _example()
        data["anonymous"] = False
        data["questions"] += [{"id": f"X{i}", "section": "skills", "text": f"Extra statement {i}."} for i in range(6)]
        result = lint(str(_write(tmp_path, data)))
        assert result.exit_code == 0, result.output
        out = result.output
        short = out.index(PRINCIPLE_TITLES[next(iter(PRINCIPLE_TITLES))])
        assert out.index("warning questions: 16 headline questions") > short
        anonymous = out.index("Anonymous, and seen to be: check")
        assert out.index("warning anonymous: the survey is not anonymous") > anonymous
        assert "0 error(s), 2 warning(s)" in out

    def test_lint_errors_exit_1(self, tmp_path: Path) -> None:
        data = _example()
        data["introduction"]["citizen_voice"] = ""
        data["sections"][2]["learning_need"] = None
        result = lint(str(_write(tmp_path, data)))
        assert result.exit_code == 1, result.output
        assert "error   introduction.citizen_voice: the introduction does not say what 'citizen voice'" in result.output
        for i, qid in ((6, "E1"), (7, "E2"), (8, "E3"), (9, "E4")):
            assert f"error   questions[{i}]: {qid} is tied to no learning need" in result.output
        assert "5 error(s)" in result.output

    def test_json(self, tmp_path: Path) -> None:
        data = _example()
        data["introduction"]["purpose"] = "We want to know what you think coproduction is."
        result = lint(str(_write(tmp_path, data)), "--json")
        assert result.exit_code == 0, result.output
        found = json.loads(result.output)
        assert {"level": "warning", "principle": "terminology", "where": "questions[0]"}.items() <= found[1].items()
        assert "introduction.purpose" in found[1]["message"]


class TestInvalidFiles:
    def test_every_problem_is_listed_with_its_path_and_exit_2(self, tmp_path: Path) -> None:
        data = _example()
        data["questions"][0]["section"] = "knowhow"
        data["questions"][3]["answers"] = ["Agree", "Disagree"]
        data["questions"][9]["positive"] = ["Always"]
        data["demographics"][0]["id"] = "K2"
        del data["title"]
        data["chasing"]["manager_ladder"][0]["action"] = "shame"
        path = _write(tmp_path, data)
        result = lint(str(path))
        assert result.exit_code == 2, result.output
        out = result.output
        assert f"{path}: the survey file has 6 problem(s)" in out
        for expected in (
            "  - title: this field is required",
            "  - questions[3].answers: agreement questions always have the answers",
            "  - questions[9]: positive answers ['Always'] are not among the question's answers",
            "  - chasing.manager_ladder[0].action: Input should be 'remind', 'escalate' or 'name'",
            "  - questions[0].section: no section with id 'knowhow'",
            "  - demographics[0].id: 'K2' is also a question's id",
        ):
            assert expected in out, out

    def test_not_yaml_not_a_mapping_and_missing(self, tmp_path: Path) -> None:
        broken = lint(str(_write(tmp_path, "title: [unclosed\n  questions: x", "broken.yaml")))
        assert broken.exit_code == 2 and "not valid YAML" in broken.output and "line 2" in broken.output
        listed = lint(str(_write(tmp_path, "- a\n- b\n", "list.yaml")))
        assert listed.exit_code == 2 and "(top level): expected a mapping" in listed.output
        missing = lint(str(tmp_path / "nope.yaml"))
        assert missing.exit_code == 2 and "does not exist" in missing.output

    def test_a_plan_file_whose_survey_file_is_bad(self, tmp_path: Path) -> None:
        data = _example()
        data["sections"] = []
        _write(tmp_path, data, "surveys.yaml")
        plan = yaml.safe_load(SMALL_PLAN.read_text())
        plan["plan"]["survey"] = {"file": "surveys.yaml"}
        path = _write(tmp_path, plan, "plan.yaml")
        result = lint(str(path))
        assert result.exit_code == 2, result.output
        assert f"plan.survey.file: {tmp_path / 'surveys.yaml'}: sections: List should have at least 1 item" in (
            result.output
        )
