"""Reading a survey's responses from a CSV or Parquet file into the *responses frame* the analysis reads
(``evaluation.pipeline``), checked against the survey's definition: all or nothing, every bad cell named.

The file has one row per response: ``team`` (or ``team_code``, as in staff lists), optionally
``directorate`` and ``organisation``, one column per demographic id and one per question id. Headers are
matched as in every other import (``header_key``: case, spaces, hyphens and underscores ignored); cells
are stripped and a blank cell is null; answers and options are matched ignoring case and kept in the
survey's own spelling, so the analysis compares exact strings.

Every check is a Polars expression over whole columns (``plans.responses_checks``): a national survey
(a million rows, forty questions) is read and checked in seconds. Python touches only the problems kept
for the report, and only a refused file is read again (to turn record numbers into the file's own line
numbers, which line breaks inside quoted free-text answers would otherwise shift). CSV follows
``plans.tabular``'s conventions (UTF-8 with or without Excel's byte-order mark; comma, semicolon or tab,
guessed from the header); a CSV the fast reader refuses is walked by ``plans.tabular``, whose messages
name the line.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl

from plans.domain.errors import InvalidInput
from plans.domain.row_problems import KEEP, RowProblem, RowProblems, header_key
from plans.domain.survey_definition import SurveyDefinition
from plans.responses_checks import (
    RECORD,
    Check,
    Respelling,
    answer_checks,
    closed_columns,
    hierarchy_checks,
    inexact,
    respelling,
)
from plans.tabular import open_table

HIERARCHY = ("organisation", "directorate", "team")  # outermost first: each team in one directorate, ...
FIELD_KEYS = {
    "team": ("team", "team_code", "teamcode"),
    "directorate": ("directorate", "directorate_code"),
    "organisation": ("organisation", "organisation_code", "organization", "organization_code"),
}
MAX_BYTES = 8 * 2**30  # a national survey as CSV is ~0.3 GB per million responses of 40 questions
PARQUET = (".parquet", ".pq")
CSV = (".csv", ".tsv", ".txt")
_EXTRA = "__extra"  # non-blank cells right of the last named column (a ragged CSV row)
_SHOWN_IDS = 12


@dataclass(frozen=True)
class Responses:
    """A checked responses file: the frame (String columns, blank = null) and which columns it has."""

    frame: pl.DataFrame
    source: str
    hierarchy: tuple[str, ...]  # organisational columns present, outermost first (always ends with team)
    demographics: tuple[str, ...]  # demographic ids with a column, in the survey's order
    questions: tuple[str, ...]  # question ids with a column, in the survey's order

    @property
    def respondents(self) -> int:
        """Responses in the file (blank rows are not responses)."""
        return self.frame.height


@dataclass(frozen=True)
class _Column:
    position: int  # in the file
    header: str  # as the file spells it: problems name it so
    field: str  # the frame's column: team, directorate, organisation, or a survey id


def read_responses(path: Path | str, definition: SurveyDefinition) -> Responses:
    """Read and check a responses file; raise ``RowProblems`` (or ``InvalidInput``) naming every
    problem by line and column, with nothing returned from a file that has any."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix in PARQUET:
        source = path.name
        columns = _layout(_parquet_header(path), definition, source)
        raw, early = _read_parquet(path, columns), list[RowProblem]()
    elif suffix in CSV:
        table = open_table(path, max_bytes=MAX_BYTES)
        source = table.source
        columns = _layout(table.header, definition, source)
        raw, early = _read_csv(path, table.delimiter, source, columns)
    else:
        shown = suffix or "a file without an extension"
        raise InvalidInput(f"{path.name}: expected a .csv or .parquet file, not {shown} (save a workbook as CSV UTF-8)")
    return _checked(raw, columns, definition, source, early, path if suffix in CSV else None)


def _layout(header: Iterable[str], definition: SurveyDefinition, source: str) -> list[_Column]:
    """Each header name's field; refuse unknown columns, two columns for one field, absent required ones."""
    fields = {key: name for name, keys in FIELD_KEYS.items() for key in keys}
    ids = {header_key(q.id): q.id for q in definition.questions}
    ids.update({header_key(d.id): d.id for d in definition.demographics})
    problems: list[RowProblem] = []
    columns: list[_Column] = []
    seen: dict[str, str] = {}
    for position, name in enumerate(header):
        key = header_key(name)
        if key in fields and key in ids:
            problems.append(RowProblem(1, name, f"is both the {fields[key]} column and the survey's id {ids[key]!r}"))
            continue
        field = fields.get(key) or ids.get(key)
        if field is None:
            known = ", ".join([*ids.values()][:_SHOWN_IDS]) + (", ..." if len(ids) > _SHOWN_IDS else "")
            problems.append(
                RowProblem(
                    1, name, f"unknown column: not team, directorate, organisation or an id of the survey ({known})"
                )
            )
        elif field in seen:
            problems.append(RowProblem(1, name, f"a second {field} column (the first is {seen[field]!r})"))
        else:
            seen[field] = name
            columns.append(_Column(position, name, field))
    if "team" not in seen:
        problems.append(RowProblem(1, "team", "no team column: every response needs its team's code"))
    for q in definition.questions:
        if q.positive_answers and q.id not in seen:
            problems.append(
                RowProblem(1, q.id, "no column for this question (blank cells are allowed, not its absence)")
            )
    for d in definition.demographics:
        if d.required and d.id not in seen:
            problems.append(RowProblem(1, d.id, "no column for this demographic, which the survey requires"))
    if problems:
        raise ResponseProblems(source, problems, len(problems), "the header")
    return columns


def _parquet_header(path: Path) -> tuple[str, ...]:
    if not path.is_file():
        raise InvalidInput(f"{path.name}: the file does not exist")
    if path.stat().st_size > MAX_BYTES:
        raise InvalidInput(f"{path.name}: larger than the {MAX_BYTES / 2**30:.0f} GB allowed")
    try:
        return tuple(pl.read_parquet_schema(path))
    except Exception as exc:  # Polars raises its own errors for a damaged or non-Parquet file
        raise InvalidInput(f"{path.name}: not a readable Parquet file ({type(exc).__name__})") from None


def _read_parquet(path: Path, columns: list[_Column]) -> pl.DataFrame:
    try:
        frame = pl.read_parquet(path, columns=[c.header for c in columns])
    except Exception as exc:
        raise InvalidInput(f"{path.name}: not a readable Parquet file ({type(exc).__name__})") from None
    nested = [
        RowProblem(1, c.header, "holds lists or records, not text")
        for c in columns
        if frame.schema[c.header].is_nested()
    ]
    if nested:
        raise RowProblems(path.name, "the columns", nested, len(nested))
    return frame.select(
        pl.int_range(pl.len(), dtype=pl.UInt32).alias(RECORD),
        *(pl.col(c.header).cast(pl.String).alias(c.field) for c in columns),
    )


def _read_csv(path: Path, delimiter: str, source: str, columns: list[_Column]) -> tuple[pl.DataFrame, list[RowProblem]]:
    """Every cell as text with each row's record number. Values right of the last named column come back
    as problems (only a ragged file has them), never dropped unseen."""
    early: list[RowProblem] = []
    try:
        frame = _polars_csv(path, delimiter, ragged=False)
    except pl.exceptions.PolarsError as exc:
        # the fast reader says little about where: tabular's reader raises naming the line (bad UTF-8,
        # a NUL, broken quoting), or finds the rows merely longer than the header
        early = [
            RowProblem(row.line, "", f"{row.extra} value(s) to the right of the last named column")
            for row in open_table(path, max_bytes=MAX_BYTES).rows()
            if row.extra
        ]
        try:
            frame = _polars_csv(path, delimiter, ragged=True)
        except pl.exceptions.PolarsError:
            raise InvalidInput(f"{source}: cannot be read as CSV ({str(exc).splitlines()[0]})") from None
    cells = frame.columns[1:]  # after the record number
    named = {c.position for c in columns}
    beyond = [pl.col(name).str.strip_chars().str.len_bytes() > 0 for i, name in enumerate(cells) if i not in named]
    return frame.select(
        RECORD,
        *(pl.col(cells[c.position]).alias(c.field) for c in columns),
        *([pl.sum_horizontal(beyond).alias(_EXTRA)] if beyond else []),
    ), early


def _polars_csv(path: Path, delimiter: str, *, ragged: bool) -> pl.DataFrame:
    return pl.read_csv(
        path,
        separator=delimiter,
        has_header=True,
        infer_schema=False,
        row_index_name=RECORD,
        truncate_ragged_lines=ragged,
        encoding="utf8",
    )


def _checked(
    raw: pl.DataFrame,
    columns: list[_Column],
    definition: SurveyDefinition,
    source: str,
    early: list[RowProblem],
    csv: Path | None,
) -> Responses:
    """Respell, drop blank rows and flag every problem: two passes over the columns, whatever the file."""
    fields = [c.field for c in columns]
    present = set(fields)
    closed = closed_columns(definition, present)
    found = raw.select(inexact(c).alias(c.field) for c in closed).row(0, named=True) if closed else {}
    spelt = {c.field: respelling(c, found[c.field]) for c in closed}
    extra = [pl.col(_EXTRA)] if _EXTRA in raw.columns else []
    frame = (
        raw.lazy()
        .select(RECORD, *(_cleaned(f, spelt.get(f)) for f in fields), *extra)
        .filter(pl.any_horizontal([pl.col(f).is_not_null() for f in fields] + [e > 0 for e in extra]))
    )
    checks = answer_checks(definition, closed, spelt) + hierarchy_checks([h for h in HIERARCHY if h in present])
    if extra:
        checks.append(
            Check(
                "",
                pl.col(_EXTRA) > 0,
                "{0} value(s) to the right of the last named column",
                (pl.col(_EXTRA),),
            )
        )
    checked = frame.with_columns(c.flag.alias(f"__bad{i}") for i, c in enumerate(checks)).collect()
    totals = checked.select(pl.col(f"__bad{i}").sum() for i in range(len(checks))).row(0) if checks else ()
    total = sum(totals) + len(early)
    if total:
        problems = _worded(_first_problems(checked, checks, totals, columns), checks, csv, raw.height)
        raise ResponseProblems(source, sorted(problems + early, key=lambda p: p.line)[:KEEP], total)
    if checked.height == 0:
        raise ResponseProblems(source, [RowProblem(2, "", "the file has a header but no responses")], 1)
    order = [h for h in ("team", "directorate", "organisation") if h in present]
    demographics = tuple(d.id for d in definition.demographics if d.id in present)
    questions = tuple(q.id for q in definition.questions if q.id in present)
    return Responses(
        checked.select(*order, *demographics, *questions),
        source,
        tuple(h for h in HIERARCHY if h in present),
        demographics,
        questions,
    )


def _cleaned(field: str, spelling: Respelling | None) -> pl.Expr:
    """A column as the frame holds it: closed columns respelled where needed (bad values are kept, to be
    flagged and quoted), other columns trimmed; blank is null."""
    cell = pl.col(field)
    if spelling is None:
        trimmed = cell.str.strip_chars()
        return pl.when(trimmed.str.len_bytes() > 0).then(trimmed).alias(field)
    if not spelling.old:
        return cell
    return cell.replace(spelling.old, spelling.new).alias(field)


class ResponseProblems(RowProblems):
    """A responses file refused as a whole: every problem counted, the first KEEP listed by line."""

    def __init__(self, source: str, problems: list[RowProblem], total: int, what: str = "responses") -> None:
        super().__init__(source, what, problems, total)
        self.message = self.message.replace("nothing was imported", "nothing was analysed", 1)
        self.args = (self.message,)


@dataclass(frozen=True)
class _Found:
    record: int
    check: int  # its index
    position: int  # the column's in the file: problems on one line are listed left to right
    column: str  # the header as the file spells it
    values: tuple[Any, ...]  # what the message quotes
    names: int | None  # a record whose line the message gives


def _first_problems(
    checked: pl.DataFrame, checks: list[Check], totals: tuple[int, ...], columns: list[_Column]
) -> list[_Found]:
    """The first KEEP problems in file order. Each check's first KEEP rows are taken (a filter keeps file
    order), so their union holds the file's first KEEP whichever checks they come from."""
    found: list[_Found] = []
    for i, (check, n) in enumerate(zip(checks, totals, strict=True)):
        if not n:
            continue
        # shown values may be window expressions (a team's first directorate): evaluate before filtering
        rows = (
            checked.lazy()
            .select(RECORD, f"__bad{i}", *(e.alias(f"__shown{j}") for j, e in enumerate(check.shown)))
            .filter(pl.col(f"__bad{i}"))
            .head(KEEP)
            .drop(f"__bad{i}")
            .collect()
        )
        # a whole-row problem (values beyond the header) is listed after the line's cells
        column = next((c for c in columns if c.field == check.column), _Column(10**9, "", ""))
        for record, *values in rows.iter_rows():
            other = values[check.names_record] if check.names_record is not None else None
            found.append(_Found(record, i, column.position, column.header, tuple(values), other))
    return sorted(found, key=lambda f: (f.record, f.position, f.check))[:KEEP]


def _worded(found: list[_Found], checks: list[Check], csv: Path | None, read: int) -> list[RowProblem]:
    """Each problem in words, at the file's own line numbers (the header is line 1; in Parquet, the
    row r counted from 1 is line r + 1)."""
    wanted = sorted({f.record for f in found} | {f.names for f in found if f.names is not None})
    line = _record_lines(csv, wanted, read) if csv is not None else {r: r + 2 for r in wanted}
    words = [checks[f.check].word(f.values, None if f.names is None else line[f.names]) for f in found]
    return [RowProblem(line[f.record], f.column, text) for f, text in zip(found, words, strict=True)]


def _record_lines(path: Path, records: list[int], read: int) -> dict[int, int]:
    """The line each record starts on: record r is on line r + 2, plus the line breaks inside earlier
    quoted cells (a free-text answer may run over several lines). ``read`` is how many records the
    file held: when its lines number exactly that plus the header, no record spans lines, and counting
    the file's line breaks (a fast scan of its bytes) spares reading every cell again."""
    if _physical_lines(path) == read + 1:
        return {r: r + 2 for r in records}
    raw = _polars_csv(path, open_table(path, max_bytes=MAX_BYTES).delimiter, ragged=True)
    breaks = pl.sum_horizontal(pl.col(c).str.count_matches("\n", literal=True).fill_null(0) for c in raw.columns[1:])
    starts = (
        raw.lazy()
        .select(RECORD, (pl.col(RECORD).cast(pl.Int64) + 2 + breaks.cum_sum().shift(1, fill_value=0)).alias("line"))
        .filter(pl.col(RECORD).is_in(records))
        .collect()
    )
    return dict(zip(starts[RECORD], starts["line"], strict=True))


def _physical_lines(path: Path) -> int:
    """Lines in the file (a last line without a line break counts)."""
    lines, last = 0, b"\n"
    with path.open("rb") as f:
        while chunk := f.read(1 << 24):
            lines += chunk.count(b"\n")
            last = chunk[-1:]
    return lines + (last != b"\n")
