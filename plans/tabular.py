"""Reading a CSV or XLSX file as a header and rows, each row with the line a person sees in the file.

Rows are streamed, never held: ``Table.rows()`` opens the file again on every call, so an import can
validate in one pass and write in a second without keeping a million rows in memory. Cells arrive as
stripped strings whatever the source (an XLSX number 12.0 is "12", a date "2027-01-04"), so the rules
that check them do not care where a file came from. Every refusal is an ``InvalidInput`` naming the file.
"""

from __future__ import annotations

import codecs
import csv
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from typing import Any, BinaryIO, NamedTuple

from plans.domain.errors import InvalidInput
from plans.domain.row_problems import header_key

MAX_BYTES = 512 * 1024 * 1024  # a national staff list with attributes is ~150 MB as CSV
MAX_ROWS = 2_000_000  # past any real list; also stops an XLSX that inflates without end
DELIMITERS = (",", ";", "\t")
_XLSX_MAGIC = b"PK\x03\x04"


class Row(NamedTuple):
    """One data row: its line in the file, one stripped cell per header column, and how many
    non-blank cells stood beyond the last named column (a shifted or ragged row)."""

    line: int
    cells: tuple[str, ...]
    extra: int


@dataclass(frozen=True)
class Table:
    """A readable file with a valid header; ``rows()`` streams the data rows (blank rows skipped)."""

    path: Path
    source: str
    header: tuple[str, ...]
    kind: str  # "csv" or "xlsx"
    delimiter: str = ","
    sheet: str | None = None

    def rows(self) -> Iterator[Row]:
        """Every non-blank data row, in file order."""
        raw = _csv_rows(self) if self.kind == "csv" else _xlsx_rows(self)
        width = len(self.header)
        count = 0
        for line, cells in raw:
            if line == 1 or not any(cells):
                continue
            count += 1
            if count > MAX_ROWS:
                raise InvalidInput(f"{self.source}: more than {MAX_ROWS:,} rows; split the file")
            if len(cells) < width:
                cells = cells + ("",) * (width - len(cells))
            extra = sum(1 for c in cells[width:] if c)
            yield Row(line, cells[:width], extra)


def open_table(path: Path | str, *, sheet: str | None = None, max_bytes: int = MAX_BYTES) -> Table:
    """Open a .csv (UTF-8, comma, semicolon or tab) or .xlsx file and check its header row."""
    path = Path(path)
    source = path.name
    if not path.exists():
        raise InvalidInput(f"{source}: the file does not exist")
    if not path.is_file():
        raise InvalidInput(f"{source}: not a file")
    size = path.stat().st_size
    if size == 0:
        raise InvalidInput(f"{source}: the file is empty")
    if size > max_bytes:
        raise InvalidInput(f"{source}: {size / 2**20:.0f} MB is larger than the {max_bytes / 2**20:.0f} MB allowed")
    suffix = path.suffix.lower()
    with path.open("rb") as f:
        looks_zipped = f.read(4) == _XLSX_MAGIC
    if suffix == ".xls":
        raise InvalidInput(f"{source}: old Excel (.xls) files are not read; save it as .xlsx or CSV UTF-8")
    if suffix in (".csv", ".tsv", ".txt"):
        if looks_zipped:
            raise InvalidInput(f"{source}: this is an Excel workbook, not CSV text; name it .xlsx")
        if sheet:
            raise InvalidInput(f"{source}: a CSV file has no sheets (--sheet is for .xlsx files)")
        table = Table(path, source, (), "csv", _sniff_delimiter(path, source, suffix))
    elif suffix == ".xlsx":
        if not looks_zipped:
            raise InvalidInput(f"{source}: not a readable .xlsx workbook (is it CSV text with the wrong name?)")
        table = Table(path, source, (), "xlsx", sheet=sheet)
    else:
        raise InvalidInput(f"{source}: expected a .csv or .xlsx file, not {suffix or 'a file without an extension'}")
    first = next(_csv_rows(table) if table.kind == "csv" else _xlsx_rows(table), None)
    if first is None or not any(first[1]):
        raise InvalidInput(f"{source}: the first line must be the header naming the columns, and it is empty")
    return Table(path, source, _check_header(source, first), table.kind, table.delimiter, table.sheet)


def _check_header(source: str, first: tuple[int, tuple[str, ...]]) -> tuple[str, ...]:
    line, cells = first
    if line != 1:
        raise InvalidInput(f"{source}: the header must be on line 1 (the first row is line {line})")
    names = list(cells)
    while names and not names[-1]:
        names.pop()  # spreadsheets often carry formatted but empty columns after the last one
    problems = []
    seen: dict[str, int] = {}
    for i, name in enumerate(names, start=1):
        if not name:
            problems.append(f"column {i} of the header has no name")
            continue
        key = header_key(name)
        if key in seen:
            problems.append(f"columns {seen[key]} and {i} are both named {name!r}")
        seen.setdefault(key, i)
    if problems:
        raise InvalidInput(f"{source}: the header (line 1) is not usable: " + "; ".join(problems))
    return tuple(names)


def _sniff_delimiter(path: Path, source: str, suffix: str) -> str:
    if suffix == ".tsv":
        return "\t"
    with path.open("rb") as f:
        head = f.read(64 * 1024)
    first_line = head.split(b"\n", 1)[0]
    counts = {d: first_line.count(d.encode()) for d in DELIMITERS}
    best = max(DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] else ","


def _csv_rows(table: Table) -> Iterator[tuple[int, tuple[str, ...]]]:
    with table.path.open("rb") as f:
        reader = csv.reader(_utf8_lines(f, table.source), delimiter=table.delimiter)
        previous = 0
        try:
            for record in reader:
                line, previous = previous + 1, reader.line_num
                cells = tuple(c.strip() for c in record)
                if any("\x00" in c for c in cells):
                    raise InvalidInput(f"{table.source}: line {line} contains a NUL character; is it a text file?")
                yield line, cells
        except csv.Error as exc:
            raise InvalidInput(f"{table.source}: line {previous + 1} cannot be read as CSV ({exc})") from None


def _utf8_lines(f: BinaryIO, source: str) -> Iterator[str]:
    """The file's lines decoded one by one, so a bad byte is reported on its own line; the byte-order
    mark Excel writes before 'CSV UTF-8' is dropped."""
    for number, raw in enumerate(f, start=1):
        if number == 1 and raw.startswith(codecs.BOM_UTF8):
            raw = raw[len(codecs.BOM_UTF8) :]
        try:
            yield raw.decode("utf-8")
        except UnicodeDecodeError:
            raise InvalidInput(f"{source}: line {number} is not UTF-8 text; save the file as 'CSV UTF-8'") from None


def _xlsx_rows(table: Table) -> Iterator[tuple[int, tuple[str, ...]]]:
    import openpyxl  # only XLSX imports pay for it

    try:
        workbook = openpyxl.load_workbook(table.path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises its own and lxml's errors for damaged parts
        raise InvalidInput(f"{table.source}: not a readable .xlsx workbook ({type(exc).__name__})") from None
    try:
        if table.sheet is None:
            worksheet = workbook.worksheets[0]
        elif table.sheet in workbook.sheetnames:
            worksheet = workbook[table.sheet]
        else:
            names = ", ".join(repr(n) for n in workbook.sheetnames)
            raise InvalidInput(f"{table.source}: no sheet named {table.sheet!r} (sheets: {names})")
        if not hasattr(worksheet, "reset_dimensions"):
            raise InvalidInput(f"{table.source}: the sheet {worksheet.title!r} is a chart, not a table")
        # the stored dimensions are often wrong (written by other tools); reading without them is safe
        worksheet.reset_dimensions()
        try:
            for cells in worksheet.iter_rows():
                line = next((c.row for c in cells if getattr(c, "row", None)), None)
                if line is None:
                    continue  # a row with no stored cells is blank
                texts = tuple(_cell_text(c.value) for c in cells)
                if any("\x00" in t for t in texts):
                    raise InvalidInput(f"{table.source}: line {line} contains a NUL character")
                yield line, texts
        except InvalidInput:
            raise
        except Exception as exc:  # a workbook can be damaged past its first rows
            raise InvalidInput(f"{table.source}: the workbook is damaged ({type(exc).__name__}: {exc})") from None
    finally:
        workbook.close()


def _cell_text(value: Any) -> str:
    """An XLSX cell as the text a person would type into a CSV."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time() else value.isoformat(sep=" ")
    if isinstance(value, date | time):
        return value.isoformat()
    return str(value).strip()
