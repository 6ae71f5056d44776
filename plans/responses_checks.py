"""The checks a responses file passes before anything is analysed, each a Polars expression over whole
columns (``plans.responses_file`` runs them in one pass and words only the problems it keeps).

A closed column (a question with fixed answers, a demographic with options) is checked in two steps,
because its values are few and almost always spelled exactly as the survey spells them: first the
distinct values that are *not* an exact answer are collected (usually none); then only those are
respelled, on their own small list (trimmed, case ignored, ``;``-separated for multiple choice), and
the column is rewritten only if any needed it. A million-row column costs one membership test.

Organisational columns must nest: each team in one directorate, each directorate in one organisation.
The first line a team appears on (with a directorate) decides where it belongs, and every later line
that disagrees is named with that first line.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

import polars as pl

from plans.domain.survey_answers import PREFER_NOT_TO_SAY
from plans.domain.survey_definition import QuestionType, SurveyDefinition

RECORD = "__record"  # a response's record number in its file (0 = the first after the header)
MULTIPLE_SEPARATOR = ";"  # as paper imports: a multiple-choice cell lists its answers separated by ';'
_SHOWN_ANSWERS = 8


@dataclass(frozen=True)
class Check:
    """One kind of problem: where it is reported, which rows have it, and how it is worded."""

    column: str  # the frame column whose header the problem names ('' = the whole row)
    flag: pl.Expr  # true on rows with the problem
    message: str  # "{0}", "{1}" ... stand for the shown values (text quoted), "{line}" for the named record's line
    shown: tuple[pl.Expr, ...] = ()  # values the message quotes (evaluated on the checked frame)
    names_record: int | None = None  # which shown value is a record whose line the message gives

    def word(self, values: tuple[Any, ...], line: int | None) -> str:
        """The problem in words for one row."""
        return self.message.format(*(quote(v) if isinstance(v, str) else v for v in values), line=line)


@dataclass(frozen=True)
class Closed:
    """A column whose cells must be among fixed values: a closed question's answers, a demographic's options."""

    field: str
    allowed: tuple[str, ...]
    multiple: bool = False  # several answers in one cell, separated by ';'
    demographic: bool = False


@dataclass(frozen=True)
class Respelling:
    """What a closed column's inexact values become: ``old[i]`` is written ``new[i]`` (None: blank);
    ``bad`` are values that match nothing."""

    old: list[str]
    new: list[str | None]
    bad: list[str]


def quote(value: object, limit: int = 60) -> str:
    """A cell's value for a message: quoted, and cut short when long."""
    text = str(value)
    return repr(text if len(text) <= limit else text[: limit - 3] + "...")


def _choices(values: Sequence[str]) -> str:
    """The allowed values for a message template (braces doubled: they are the survey's text)."""
    shown = ", ".join(quote(v) for v in values[:_SHOWN_ANSWERS]) + (", ..." if len(values) > _SHOWN_ANSWERS else "")
    return shown.replace("{", "{{").replace("}", "}}")


def demographic_values(options: Sequence[str]) -> tuple[str, ...]:
    """What a demographic column may hold: its options and 'Prefer not to say' (as the online form)."""
    return (*options, *(() if PREFER_NOT_TO_SAY in options else (PREFER_NOT_TO_SAY,)))


def closed_columns(definition: SurveyDefinition, present: set[str]) -> list[Closed]:
    """The file's closed columns: every question but free text, every demographic."""
    questions = [
        Closed(q.id, tuple(q.answers), multiple=q.type is QuestionType.MULTIPLE_CHOICE)
        for q in definition.questions
        if q.id in present and q.type is not QuestionType.FREE_TEXT
    ]
    demographics = [
        Closed(d.id, demographic_values(d.options), demographic=True)
        for d in definition.demographics
        if d.id in present
    ]
    return questions + demographics


def inexact(column: Closed) -> pl.Expr:
    """The column's distinct values that are not exactly one of its allowed values, as one list."""
    cell = pl.col(column.field)
    return cell.filter(cell.is_not_null() & ~cell.is_in(column.allowed)).unique().implode()


def _matched(cell: pl.Expr, allowed: Sequence[str]) -> pl.Expr:
    """``cell`` (trimmed) in the allowed spelling, or null where it matches none."""
    folded = [a.lower() for a in allowed]
    if len(set(folded)) < len(folded):  # answers that differ only in case: match exactly
        return cell.replace_strict(list(allowed), list(allowed), default=None, return_dtype=pl.String)
    return cell.str.to_lowercase().replace_strict(folded, list(allowed), default=None, return_dtype=pl.String)


def respelling(column: Closed, values: Sequence[str]) -> Respelling:
    """How the inexact values of a column are written, worked out on those distinct values alone."""
    if not values:
        return Respelling([], [], [])
    value = pl.col("value")
    trimmed = value.str.strip_chars()
    if column.multiple:
        ticked = trimmed.str.split(MULTIPLE_SEPARATOR).list.eval(pl.element().str.strip_chars())
        ticked = ticked.list.eval(pl.element().filter(pl.element().str.len_bytes() > 0))
        parts = ticked.list.eval(_matched(pl.element(), column.allowed))
        valid = parts.list.eval(pl.element().is_null()).list.any().not_()
        spelled: pl.Expr = pl.when(valid).then(parts.list.join(MULTIPLE_SEPARATOR))
    else:
        spelled = _matched(trimmed, column.allowed)
    table = pl.DataFrame({"value": list(values)}, schema={"value": pl.String}).select(
        "value", spelled.alias("new"), (trimmed.str.len_bytes() == 0).alias("blank")
    )
    bad = table.filter(pl.col("new").is_null() & ~pl.col("blank"))
    good = table.filter(pl.col("new").is_not_null() | pl.col("blank"))
    return Respelling(good["value"].to_list(), good["new"].to_list(), sorted(bad["value"].to_list()))


def answer_checks(definition: SurveyDefinition, closed: list[Closed], spelt: dict[str, Respelling]) -> list[Check]:
    """Answers outside a question's answers, options outside a demographic's, required ones left blank."""
    checks: list[Check] = []
    for column in closed:
        bad = spelt[column.field].bad
        if not bad:
            continue
        allowed = _choices(column.allowed)
        if column.demographic:
            message = f"{{0}} is not one of the options: {allowed}"
        else:
            several = " (separate several with ';')" if column.multiple else ""
            message = f"{{0}} is not an answer to this question{several}; its answers: {allowed}"
        checks.append(Check(column.field, pl.col(column.field).is_in(bad), message, (pl.col(column.field),)))
    present = {c.field for c in closed}
    for d in definition.demographics:
        if d.required and d.id in present:
            checks.append(
                Check(
                    d.id,
                    pl.col(d.id).is_null(),
                    f"missing: the survey requires this answer ({PREFER_NOT_TO_SAY!r} is one)",
                )
            )
    return checks


def hierarchy_checks(levels: Sequence[str]) -> list[Check]:
    """Blank organisational codes, and teams (directorates) found in two directorates (organisations).

    ``levels`` are the organisational columns present, outermost first, always ending with team."""
    checks = [
        Check(
            level,
            pl.col(level).is_null(),
            "missing: every response needs its team's code"
            if level == "team"
            else f"missing: the file has a {level} column, so every response needs its {level}",
        )
        for level in reversed(levels)
    ]
    for parent, child in pairwise(levels):
        known = pl.col(parent).is_not_null()
        first = pl.col(parent).filter(known).first().over(child)
        first_record = pl.col(RECORD).filter(known).first().over(child)
        checks.append(
            Check(
                parent,
                pl.col(child).is_not_null() & known & (pl.col(parent) != first),
                f"{child} {{0}} is in {parent} {{1}} here but in {{2}} on line {{line}}: each {child} belongs to "
                f"one {parent}",
                (pl.col(child), pl.col(parent), first, first_record),
                names_record=3,
            )
        )
    return checks
