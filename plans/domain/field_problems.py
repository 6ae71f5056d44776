"""Problems with the fields of a form or a JSON body, reported all at once.

An edit of a list (the investment ledger, the expectations register) is all-or-nothing: a coordinator
who typed ten lines fixes every bad field in one go rather than meeting one error per attempt. Each
problem names its field as a path (``items[2].hours``), which pages turn into a link to the input.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from plans.domain.errors import InvalidInput


class FieldProblems(InvalidInput):
    """Input refused as a whole; ``problems`` are (field path, what is wrong) in the order found."""

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        self.problems = list(problems)
        super().__init__("; ".join(f"{path}: {message}" for path, message in self.problems))


@dataclass
class Problems:
    """Collects field problems while input is checked; ``raise_if_any`` refuses it as a whole."""

    found: list[tuple[str, str]] = field(default_factory=list)

    def add(self, path: str, message: str) -> None:
        """Record that the field at ``path`` is wrong, and why."""
        self.found.append((path, message))

    def __bool__(self) -> bool:
        return bool(self.found)

    def raise_if_any(self) -> None:
        """Raise ``FieldProblems`` when anything was recorded."""
        if self.found:
            raise FieldProblems(self.found)
