"""Reading an organisation's workforce counts for the WRES indicators 1-4 and 9 from a CSV or XLSX file.

The format (docs/wres.md) is long: one row per count, named by ``indicator``, ``measure``, ``band`` (for
indicator 1 only) and ``ethnicity`` (white, bme or unknown), with the number in ``count``. A long file is
what a workforce system exports most easily, reads one fact per line, and lets an organisation leave
out an indicator it has nothing for. Reading is all or nothing: every bad cell or row is reported with
its line and column, and nothing is returned from a file with any problem.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from evaluation.wres import BandCount, Disciplinary, Headcount, Shortlisting, Training
from evaluation.wres_workforce import WorkforceCounts
from plans.domain.errors import InvalidInput
from plans.domain.row_problems import ProblemLog, header_key
from plans.tabular import Row, open_table

COLUMNS = ("indicator", "measure", "band", "ethnicity", "count")
#: Each indicator's measures; for 2-4 the first is the whole and the second the part of it.
MEASURES: dict[int, tuple[str, ...]] = {
    1: ("headcount",),
    2: ("shortlisted", "appointed"),
    3: ("workforce", "entering"),
    4: ("workforce", "accessed"),
    9: ("board", "workforce"),
}
ETHNICITIES = ("white", "bme", "unknown")
#: Indicators that count staff of unknown ethnicity (in headcounts only); 2-4 compare white and BME alone.
WITH_UNKNOWN = (1, 9)
MAX_BAND = 100
WHAT = "WRES workforce counts"


@dataclass(frozen=True)
class _Cell:
    count: int
    line: int


Key = tuple[int, str, str, str]  # indicator, measure, band ('' outside indicator 1), ethnicity


class _Rows:
    """The rows read so far, by key, with the problems found; columns looked up once by position."""

    def __init__(self, header: tuple[str, ...], index: dict[str, int]) -> None:
        self.header, self.index = header, index
        self.cells: dict[Key, _Cell] = {}
        self.seen: dict[Key, int] = {}  # every key a row named, with its line
        self.first_line: dict[tuple[int, str], int] = {}  # (indicator, band) -> its first line
        self.log = ProblemLog()

    def name(self, column: str) -> str:
        return self.header[self.index[column]]

    def read(self, row: Row) -> None:
        """Check one row's cells, recording each problem, and keep the count when all are right."""
        cell = {c: row.cells[i] for c, i in self.index.items()}
        line, before = row.line, self.log.total
        indicator = self._indicator(line, cell["indicator"])
        measure, ethnicity = cell["measure"].lower(), cell["ethnicity"].lower()
        band = cell["band"]
        if indicator is not None:
            if measure not in MEASURES[indicator]:
                known = ", ".join(MEASURES[indicator])
                said = f"{cell['measure']!r} is not" if measure else "missing: give"
                self.log.add(line, self.name("measure"), f"{said} one of indicator {indicator}'s measures ({known})")
            if indicator == 1 and not band:
                self.log.add(line, self.name("band"), "missing: indicator 1 counts staff per band")
            elif indicator == 1 and len(band) > MAX_BAND:
                self.log.add(line, self.name("band"), f"longer than {MAX_BAND} characters")
            elif indicator != 1 and band:
                self.log.add(line, self.name("band"), f"only indicator 1 has bands (leave it empty for {indicator})")
            if ethnicity == "unknown" and indicator not in WITH_UNKNOWN:
                unknown = f"indicator {indicator} compares white and BME staff only (leave unknown out)"
                self.log.add(line, self.name("ethnicity"), unknown)
        if ethnicity not in ETHNICITIES:
            said = f"{cell['ethnicity']!r} is not" if ethnicity else "missing: give"
            self.log.add(line, self.name("ethnicity"), f"{said} one of white, bme, unknown")
        named = indicator is not None and self.log.total == before
        count = cell["count"]
        if not (count.isascii() and count.isdigit()):
            said = f"got {count!r}" if count else "missing"
            self.log.add(line, self.name("count"), f"must be a whole number, 0 or more ({said})")
        if row.extra:
            self.log.add(line, "", f"{row.extra} value(s) to the right of the last named column")
        if not named or indicator is None:
            return
        # a row that names its count is seen even if the count is bad: no "missing" report for it as well
        key = (indicator, measure, band if indicator == 1 else "", ethnicity)
        if key in self.seen:
            self.log.add(line, "", f"repeats line {self.seen[key]} (the same indicator, measure, band and ethnicity)")
            return
        self.seen[key] = line
        self.first_line.setdefault((indicator, key[2]), line)
        if self.log.total == before:
            self.cells[key] = _Cell(int(count), line)

    def _indicator(self, line: int, text: str) -> int | None:
        if text in {str(i) for i in MEASURES}:
            return int(text)
        if text in {"5", "6", "7", "8"}:
            problem = f"indicator {text} comes from the staff survey, not the workforce counts (1, 2, 3, 4 or 9)"
        else:
            problem = f"{text!r} is not one of 1, 2, 3, 4, 9" if text else "missing: give 1, 2, 3, 4 or 9"
        self.log.add(line, self.name("indicator"), problem)
        return None

    def count(self, indicator: int, measure: str, ethnicity: str, band: str = "") -> int:
        cell = self.cells.get((indicator, measure, band, ethnicity))
        return 0 if cell is None else cell.count

    def check_complete(self) -> None:
        """Every indicator (and band) given needs its white and BME counts; parts may not exceed wholes."""
        for indicator, band in self.first_line:
            where = f"band {band!r} of indicator 1" if band else f"indicator {indicator}"
            line = self.first_line[(indicator, band)]
            for measure in MEASURES[indicator]:
                for ethnicity in ("white", "bme"):
                    if (indicator, measure, band, ethnicity) not in self.seen:
                        self.log.add(
                            line, self.name("ethnicity"), f"{where} has no {measure} count for {ethnicity} staff"
                        )
            if indicator in (2, 3, 4):
                whole, part = MEASURES[indicator]
                for ethnicity in ("white", "bme"):
                    p = self.cells.get((indicator, part, "", ethnicity))
                    w = self.cells.get((indicator, whole, "", ethnicity))
                    if p is not None and w is not None and p.count > w.count:
                        too_many = f"{part} {ethnicity} ({p.count}) cannot exceed {whole} {ethnicity} ({w.count}"
                        self.log.add(p.line, self.name("count"), f"{too_many}, line {w.line})")

    def counts(self) -> WorkforceCounts:
        """The counts as the evaluation's dataclasses (call once the rows are checked)."""
        given = {indicator for indicator, _ in self.first_line}
        bands = [band for indicator, band in self.first_line if indicator == 1]

        def pair(indicator: int) -> tuple[int, int, int, int]:
            whole, part = MEASURES[indicator]
            c = self.count
            return (
                c(indicator, whole, "white"),
                c(indicator, part, "white"),
                c(indicator, whole, "bme"),
                c(indicator, part, "bme"),
            )

        def headcount(measure: str) -> Headcount:
            return Headcount(*(self.count(9, measure, e) for e in ETHNICITIES))

        return WorkforceCounts(
            bands=tuple(BandCount(b, *(self.count(1, "headcount", e, b) for e in ETHNICITIES)) for b in bands),
            shortlisting=Shortlisting(*pair(2)) if 2 in given else None,
            disciplinary=Disciplinary(*pair(3)) if 3 in given else None,
            training=Training(*pair(4)) if 4 in given else None,
            board=headcount("board") if 9 in given else None,
            workforce=headcount("workforce") if 9 in given else None,
        )


def read_workforce_counts(path: Path | str, *, sheet: str | None = None) -> WorkforceCounts:
    """The workforce counts in a .csv or .xlsx file (docs/wres.md), or ``RowProblems`` naming every bad cell.

    Raises ``InvalidInput`` (``RowProblems`` for row problems) and returns nothing if anything is wrong:
    an unreadable file, a missing column, a bad value, a repeated row, an indicator without all its
    counts, or a part larger than its whole (more appointed than shortlisted, say).
    """
    table = open_table(path, sheet=sheet)
    keys = {header_key(name): i for i, name in enumerate(table.header)}
    missing = [c for c in COLUMNS if c not in keys]
    if missing:
        raise InvalidInput(
            f"{table.source}: the header (line 1) has no column(s) {', '.join(missing)}; a workforce file "
            f"has the columns {', '.join(COLUMNS)} (docs/wres.md)"
        )
    rows = _Rows(table.header, {c: keys[c] for c in COLUMNS})
    for row in table.rows():
        rows.read(row)
    if not rows.log and not rows.seen:
        raise InvalidInput(f"{table.source}: no counts below the header")
    rows.check_complete()
    rows.log.raise_if_any(table.source, WHAT)
    return rows.counts()
