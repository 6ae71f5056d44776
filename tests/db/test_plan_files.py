"""Plan files through the real ``coproduce plan`` commands: the example loads whole; a bad file gets
an error naming the file, the field path and the problem, and writes nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from sqlalchemy import func, select
from typer.testing import CliRunner

from api.cli import app
from plans.db import session_scope
from plans.models import AuditEvent, Organisation, Person, Plan, PlanMember, Team, VisionStatement
from tests.conftest import EXAMPLE, SMALL_PLAN, Database

runner = CliRunner()


def _count(model: type) -> int:
    with session_scope() as s:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)


def _nothing_written() -> None:
    for model in (Plan, Organisation, Team, Person, PlanMember, VisionStatement, AuditEvent):
        assert _count(model) == 0, f"{model.__name__} rows were written"


def _write(tmp_path: Path, data: object, name: str = "plan.yaml") -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data) if not isinstance(data, str) else data)
    return path


def _small() -> dict:  # type: ignore[type-arg]
    return yaml.safe_load(SMALL_PLAN.read_text())


class TestPlanCreate:
    def test_example_loads_whole(self, db: Database) -> None:
        result = runner.invoke(app, ["plan", "create", str(EXAMPLE)])
        assert result.exit_code == 0, result.output
        assert "created plan 1" in result.output
        assert _count(Team) == 34 and _count(Person) == 51
        with session_scope() as s:
            sums = s.scalar(select(func.sum(Team.eligible_headcount)))
        assert sums == 1199
        assert _count(PlanMember) == 12 + 4 + 6 and _count(VisionStatement) == 5

        listed = runner.invoke(app, ["plan", "list"])
        assert "vision" in listed.output and "Citizen voice workforce" in listed.output
        shown = runner.invoke(app, ["plan", "show", "1"])
        assert shown.exit_code == 0 and "waiting for 12 working party member(s)" in shown.output

    def test_same_plan_twice_is_refused_and_first_kept(self, db: Database) -> None:
        assert runner.invoke(app, ["plan", "create", str(SMALL_PLAN)]).exit_code == 0
        second = runner.invoke(app, ["plan", "create", str(SMALL_PLAN)])
        assert second.exit_code == 2 and "plan.slug" in second.output and "already exists" in second.output
        assert _count(Plan) == 1

    @pytest.mark.parametrize(
        ("mutate", "expected"),
        [
            (
                lambda d: d["teams"][1].update(eligible_headcount="lots"),
                "teams[1].eligible_headcount: Input should be a valid integer",
            ),
            (lambda d: d["plan"].pop("starts_on"), "plan.starts_on: this field is required"),
            (lambda d: d["teams"][2].update(parent="NOPE"), "teams[2].parent: no team with code 'NOPE'"),
            (
                lambda d: d["working_party"].append({"email": "ghost@x.example", "as": "citizen"}),
                "working_party[4].email: ghost@x.example is not in people",
            ),
            (lambda d: d["plan"].update(colour="blue"), "plan.colour: unknown field"),
            (
                lambda d: d["plan"]["survey"]["questions"][0].update(positive=["Maybe"]),
                "plan.survey.questions[0]: positive answers ['Maybe'] are not among the question's answers",
            ),
            (lambda d: d["plan"].update(quorum={"kind": "n_of_m", "n": 5}), "plan.quorum.n: needs 5 approvals"),
            (lambda d: d["teams"][0].update(parent="T1"), "loops back"),
            (lambda d: d["vision"][0].update(author="pat@citizens.example"), "vision[0].author"),
            (lambda d: d.update(coordinator="ann@small.example"), "coordinator: ann@small.example does not have"),
        ],
    )
    def test_bad_file_names_the_field_and_writes_nothing(self, db: Database, tmp_path: Path, mutate, expected) -> None:  # type: ignore[no-untyped-def]
        data = _small()
        mutate(data)
        path = _write(tmp_path, data)
        result = runner.invoke(app, ["plan", "create", str(path)])
        assert result.exit_code == 2, result.output
        assert str(path) in result.output
        assert expected in result.output, result.output
        _nothing_written()

    def test_not_yaml_and_missing_file(self, db: Database, tmp_path: Path) -> None:
        bad = _write(tmp_path, "plan: [unclosed\n  title: x", "broken.yaml")
        result = runner.invoke(app, ["plan", "create", str(bad)])
        assert result.exit_code == 2 and "not valid YAML" in result.output and "line" in result.output
        missing = runner.invoke(app, ["plan", "create", str(tmp_path / "nope.yaml")])
        assert missing.exit_code == 2 and "does not exist" in missing.output
        _nothing_written()


class TestPlanCommands:
    def test_show_unknown_plan(self, db: Database) -> None:
        result = runner.invoke(app, ["plan", "show", "99"])
        assert result.exit_code == 3 and "plan 99 does not exist" in result.output

    def test_override_and_move_from_the_command_line(self, db: Database) -> None:
        assert runner.invoke(app, ["plan", "create", str(SMALL_PLAN)]).exit_code == 0
        illegal = runner.invoke(app, ["plan", "move", "1", "closed", "--as", "cora@small.example"])
        assert illegal.exit_code == 4 and "cannot be skipped" in illegal.output
        blocked = runner.invoke(app, ["plan", "move", "1", "evidence_survey", "--as", "cora@small.example"])
        assert blocked.exit_code == 6 and "agree the vision" in blocked.output
        no_reason = runner.invoke(app, ["plan", "override", "1", "--reason", " ", "--as", "cora@small.example"])
        assert no_reason.exit_code == 2 and "written reason" in no_reason.output
        not_coordinator = runner.invoke(
            app, ["plan", "override", "1", "--reason", "We agreed it at the meeting.", "--as", "ann@small.example"]
        )
        assert not_coordinator.exit_code == 5
        ok = runner.invoke(
            app, ["plan", "override", "1", "--reason", "We agreed it at the meeting.", "--as", "cora@small.example"]
        )
        assert ok.exit_code == 0, ok.output
        moved = runner.invoke(app, ["plan", "move", "1", "evidence_survey", "--as", "cora@small.example"])
        assert moved.exit_code == 0 and "moved from vision to evidence_survey" in moved.output
