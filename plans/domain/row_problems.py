"""Problems found in the rows of an imported file, reported all at once: line, column, what is wrong.

Imports are all-or-nothing, so a coordinator fixes the file once rather than one error per attempt.
A file with a million bad rows must not make a million-line message or hold a million objects: the
report keeps the first ``KEEP`` problems and counts the rest.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from plans.domain.errors import InvalidInput

KEEP = 1000  # problems kept for a page or a test to list
SHOWN = 50  # problems written into the message (a terminal screen or two)


def header_key(name: str) -> str:
    """The form two header names are compared in: case, spaces, hyphens and underscores ignored."""
    return "_".join(name.strip().lower().replace("-", " ").replace("_", " ").split())


@dataclass(frozen=True)
class RowProblem:
    """One bad cell or row: ``line`` in the file (1 is the header), ``column`` its header name or ''."""

    line: int
    column: str
    problem: str

    def __str__(self) -> str:
        where = f"line {self.line}" + (f", column {self.column}" if self.column else "")
        return f"{where}: {self.problem}"


@dataclass
class ProblemLog:
    """Collects problems while a file is read; ``total`` counts every one, ``kept`` the first KEEP."""

    kept: list[RowProblem] = field(default_factory=list)
    total: int = 0

    def add(self, line: int, column: str, problem: str) -> None:
        """Record one problem."""
        self.total += 1
        if len(self.kept) < KEEP:
            self.kept.append(RowProblem(line, column, problem))

    def __bool__(self) -> bool:
        return self.total > 0

    def raise_if_any(self, source: str, what: str) -> None:
        """Raise ``RowProblems`` when anything was recorded."""
        if self.total:
            raise RowProblems(source, what, self.kept, self.total)


class RowProblems(InvalidInput):
    """A file refused as a whole; ``problems`` holds the first KEEP of ``total``, in file order."""

    def __init__(self, source: str, what: str, problems: list[RowProblem], total: int) -> None:
        self.source = source
        self.problems = sorted(problems, key=lambda p: p.line)
        self.total = total
        shown = "\n".join(f"  - {p}" for p in self.problems[:SHOWN])
        more = total - min(SHOWN, len(self.problems))
        tail = f"\n  ... and {more} more problem(s)" if more > 0 else ""
        plural = "problem" if total == 1 else "problems"
        super().__init__(f"{source}: {total} {plural}, nothing was imported ({what}):\n{shown}{tail}")
