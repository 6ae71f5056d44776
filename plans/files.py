"""Loading plan files and survey files (YAML) with errors that name the file, the field path and the
problem. A plan file's ``plan.survey`` is either a survey written inline or ``{file: path}``, a survey
file relative to the plan file; errors inside that file name it."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from plans.domain.errors import InvalidInput
from plans.domain.survey_definition import SurveyDefinition, reference_problems
from plans.schemas import PlanFile


class PlanFileError(InvalidInput):
    """A plan file that cannot be used; ``problems`` lists each as 'path: message'."""

    def __init__(self, path: Path | str, problems: list[str]) -> None:
        self.path = str(path)
        self.problems = problems
        listed = "\n".join(f"  - {p}" for p in problems)
        super().__init__(f"{path}: the plan file has {len(problems)} problem(s):\n{listed}")


def _loc(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out or "(top level)"


class SurveyFileError(InvalidInput):
    """A survey file that cannot be used; ``problems`` lists each as 'path: message'."""

    def __init__(self, path: Path | str, problems: list[str]) -> None:
        self.path = str(path)
        self.problems = problems
        listed = "\n".join(f"  - {p}" for p in problems)
        super().__init__(f"{path}: the survey file has {len(problems)} problem(s):\n{listed}")


# a model-level rule names the field it is about at the start of its message ("questions[3].section: ...")
_RELATIVE_PATH = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\[\d+\])*(\.[A-Za-z_][A-Za-z0-9_]*(\[\d+\])*)*: ")


def describe_validation_error(exc: ValidationError) -> list[str]:
    """Each pydantic error as 'field.path[3].name: message'."""
    problems = []
    for err in exc.errors():
        loc = tuple(p for p in err["loc"] if p not in ("__root__",))
        message = str(err["msg"]).removeprefix("Value error, ")
        if err["type"] == "missing":
            message = "this field is required"
        elif err["type"] == "extra_forbidden":
            message = "unknown field (check its spelling)"
        for part in message.split("; ") if err["type"] == "value_error" else [message]:
            if not loc:
                problems.append(part)
            elif _RELATIVE_PATH.match(part):
                problems.append(f"{_loc(loc)}.{part}")
            else:
                problems.append(f"{_loc(loc)}: {part}")
    return problems


def _read_yaml(path: Path, error: type[PlanFileError] | type[SurveyFileError]) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise error(path, ["the file does not exist"]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise error(path, [f"cannot be read: {exc}"]) from None
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        raise error(path, [f"{where}not valid YAML ({getattr(exc, 'problem', exc)})"]) from None


def parse_survey(data: Any, source: Path | str) -> SurveyDefinition:
    """Validate already-parsed YAML data as a survey definition."""
    if not isinstance(data, dict):
        raise SurveyFileError(
            source, ["(top level): expected a mapping with title, introduction, sections, questions ..."]
        )
    try:
        return SurveyDefinition.model_validate(data)
    except ValidationError as exc:
        raise SurveyFileError(source, _with_references(describe_validation_error(exc), data, "")) from None


def _with_references(problems: list[str], survey: Any, prefix: str) -> list[str]:
    # the model's cross-reference rule runs only once every field is valid: report its findings anyway
    return problems + [p for p in (prefix + r for r in reference_problems(survey)) if p not in problems]


def load_survey_file(path: Path | str) -> SurveyDefinition:
    """Read and validate a survey file; raise ``SurveyFileError`` listing every problem."""
    path = Path(path)
    return parse_survey(_read_yaml(path, SurveyFileError), path)


def _survey_reference(data: dict[str, Any], source: Path | str) -> Path | None:
    """The survey file a plan file's ``plan.survey: {file: ...}`` names (relative to the plan file)."""
    plan = data.get("plan")
    survey = plan.get("survey") if isinstance(plan, dict) else None
    if not (isinstance(survey, dict) and "file" in survey):
        return None
    if set(survey) != {"file"} or not isinstance(survey["file"], str) or not survey["file"].strip():
        raise PlanFileError(
            source, ["plan.survey: write the survey inline, or give only file: with the survey file's path"]
        )
    return Path(source).parent / survey["file"].strip()


def parse_plan(data: Any, source: Path | str) -> PlanFile:
    """Validate already-parsed YAML data as a plan file."""
    if not isinstance(data, dict):
        raise PlanFileError(source, ["(top level): expected a mapping with plan, organisation, teams, people ..."])
    survey_path = _survey_reference(data, source)
    if survey_path is not None:
        try:
            survey = load_survey_file(survey_path)
        except SurveyFileError as exc:
            raise PlanFileError(source, [f"plan.survey.file: {survey_path}: {p}" for p in exc.problems]) from None
        data = {**data, "plan": {**data["plan"], "survey": survey}}
    try:
        return PlanFile.model_validate(data)
    except ValidationError as exc:
        plan = data.get("plan")
        survey = plan.get("survey") if isinstance(plan, dict) else None
        problems = _with_references(describe_validation_error(exc), survey, "plan.survey.")
        raise PlanFileError(source, problems) from None


def load_plan_file(path: Path | str) -> PlanFile:
    """Read and validate a plan file; raise ``PlanFileError`` listing every problem."""
    path = Path(path)
    return parse_plan(_read_yaml(path, PlanFileError), path)


def load_survey_or_plan(path: Path | str) -> SurveyDefinition:
    """The survey a file declares: a survey file, or a plan file's ``plan.survey`` (inline or by file)."""
    path = Path(path)
    data = _read_yaml(path, SurveyFileError)
    if isinstance(data, dict) and "plan" in data and "questions" not in data:
        return parse_plan(data, path).plan.survey
    return parse_survey(data, path)
