"""Loading plan files (YAML) with errors that name the file, the field path and the problem."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from plans.domain.errors import InvalidInput
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
        for part in message.split("; ") if not loc else [message]:
            problems.append(f"{_loc(loc)}: {part}" if loc else part)
    return problems


def parse_plan(data: Any, source: Path | str) -> PlanFile:
    """Validate already-parsed YAML data as a plan file."""
    if not isinstance(data, dict):
        raise PlanFileError(source, ["(top level): expected a mapping with plan, organisation, teams, people ..."])
    try:
        return PlanFile.model_validate(data)
    except ValidationError as exc:
        raise PlanFileError(source, describe_validation_error(exc)) from None


def load_plan_file(path: Path | str) -> PlanFile:
    """Read and validate a plan file; raise ``PlanFileError`` listing every problem."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise PlanFileError(path, ["the file does not exist"]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise PlanFileError(path, [f"cannot be read: {exc}"]) from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        raise PlanFileError(path, [f"{where}not valid YAML ({getattr(exc, 'problem', exc)})"]) from None
    return parse_plan(data, path)
