"""Reading the register's and the ledger's forms into the items the services check, and putting every
problem back beside its box.

Both forms are tables of rows posted as parallel lists (``text``, ``measure``, ...). A row left wholly
empty adds nothing (and, for a row that was saved before, removes it). A box that cannot be read (a
level that is not a number, money that is not pounds and pence) is a problem of the form; the row is
still checked by the domain rules, so the person sees every problem at once and nothing is saved. The
services name problems by path (``items[2].level``); the page's boxes are ``exp-4-level`` for the row
the person typed in (row 4 on the page may be item 2 once empty rows are dropped).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from plans.domain import investment as money
from plans.domain.expectations import ExpectationFields, check_expectations
from plans.domain.field_problems import FieldProblems, Problems
from plans.schemas_signoff import InvestmentItemIn, StakeholderExpectationIn

PATH = re.compile(r"^items\[(\d+)\]\.(\w+)$")
NOT_A_LEVEL = 99  # read for a level box that is not a number: the domain rule then names the four levels
CHOOSE_STAKEHOLDER = "choose whose expectation this is"
T = TypeVar("T")


@dataclass
class ParsedRows(Generic[T]):
    """The items to save, the page row each came from, and problems found reading the boxes."""

    items: list[T] = field(default_factory=list)
    rows: list[int] = field(default_factory=list)
    problems: Problems = field(default_factory=Problems)

    def add(self, row: int, item: T) -> None:
        self.items.append(item)
        self.rows.append(row)

    def at(self, name: str) -> str:
        """The path of the next item's field ``name`` (its index among the items kept)."""
        return f"items[{len(self.items)}].{name}"


def _row_order(problem: tuple[str, str]) -> int:
    """Problems in the order of the rows they are about (a stable sort keeps each row's own order)."""
    match = PATH.match(problem[0])
    return int(match.group(1)) if match else -1


def _cell(values: Sequence[str], index: int) -> str:
    return values[index].strip() if index < len(values) else ""


def _int_or_none(text: str) -> int | None:
    return int(text) if text.isdigit() else None


def register_rows(form: dict[str, list[str]]) -> ParsedRows[StakeholderExpectationIn]:
    """The register form's rows as items; a stakeholder not chosen or a level that is not a number is a
    problem of the form (with the rows' own problems, so all show at once)."""
    parsed: ParsedRows[StakeholderExpectationIn] = ParsedRows()
    checked: list[ExpectationFields] = []
    for index in range(len(form.get("text", []))):
        cell = {name: _cell(form.get(name, []), index) for name in ("id", "stakeholder_id", "text", "measure")}
        cell |= {name: _cell(form.get(name, []), index) for name in ("level", "target")}
        if not any(cell[n] for n in ("text", "measure", "level", "target")):
            continue  # an empty row adds nothing; an emptied saved row is removed
        stakeholder = _int_or_none(cell["stakeholder_id"])
        level = _int_or_none(cell["level"])
        if stakeholder is None:
            parsed.problems.add(parsed.at("stakeholder_id"), CHOOSE_STAKEHOLDER)
        fields = ExpectationFields(cell["text"], cell["measure"], level, cell["target"])
        checked.append(fields)
        parsed.add(
            index,
            StakeholderExpectationIn.model_construct(
                id=_int_or_none(cell["id"]),
                stakeholder_id=stakeholder or 0,
                text=cell["text"],
                measure=cell["measure"],
                level=level if level is not None else NOT_A_LEVEL,
                target=cell["target"],
            ),
        )
    if parsed.problems:
        parsed.problems.found += check_expectations(checked, prefix="items").found
        parsed.problems.found.sort(key=_row_order)
    return parsed


def ledger_rows(form: dict[str, list[str]]) -> ParsedRows[InvestmentItemIn]:
    """The ledger form's rows as items, money typed in pounds read as pence."""
    parsed: ParsedRows[InvestmentItemIn] = ParsedRows()
    lines: list[money.LineIn] = []
    names = ("kind", "description", "contributor", "hours", "rate", "amount", "activity_id")
    for index in range(len(form.get("description", []))):
        cell = {name: _cell(form.get(name, []), index) for name in names}
        if not any(cell[n] for n in ("description", "contributor", "hours", "rate", "amount")):
            continue
        values: dict[str, Any] = {}
        for box, key, read in (
            ("hours", "hours", money.parse_hours),
            ("rate", "rate_pence", money.parse_pounds),
            ("amount", "amount_pence", money.parse_pounds),
        ):
            try:
                values[key] = read(cell[box])
            except ValueError as exc:
                parsed.problems.add(parsed.at(key), str(exc))
                values[key] = None
        line = money.LineIn(
            kind=cell["kind"],
            description=cell["description"],
            contributor=cell["contributor"],
            activity_id=_int_or_none(cell["activity_id"]),
            **values,
        )
        lines.append(line)
        parsed.add(index, InvestmentItemIn.model_construct(**line.__dict__))
    if parsed.problems:
        found = money.check_lines(lines, activity_ids=[line.activity_id for line in lines if line.activity_id])
        unreadable = {path for path, _ in parsed.problems.found}
        parsed.problems.found += [(p, m) for p, m in found.found if p not in unreadable]
        parsed.problems.found.sort(key=_row_order)
    return parsed


def page_errors(problems: FieldProblems | Problems, rows: Sequence[int], prefix: str) -> dict[str, str]:
    """Each problem at the id of its box on the page (``exp-4-level``): the first one per box, in words
    that start with a capital. A problem about the whole form goes under "form"."""
    found = problems.problems if isinstance(problems, FieldProblems) else problems.found
    out: dict[str, str] = {}
    for path, message in found:
        match = PATH.match(path)
        if match is None or int(match.group(1)) >= len(rows):
            key = "form"
        else:
            box = match.group(2).removesuffix("_pence").replace("_", "-")
            key = f"{prefix}-{rows[int(match.group(1))]}-{box}"
        out.setdefault(key, message[:1].upper() + message[1:])
    return out
