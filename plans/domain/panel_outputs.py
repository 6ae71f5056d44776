"""The evaluation outputs a plan publishes to its citizen panel, by name: ``formative-<n>`` (the report
of formative checkpoint n), ``summative`` (the summative report) and ``repeat-comparison`` (the repeat
survey against the baseline). Reviews, publications, emails and the final report all use these names.

Pure: what a name means, its title as people read it, and which reviews need a written answer.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from plans.domain.facts import SUMMATIVE_OUTPUT

REPEAT_OUTPUT = "repeat-comparison"
FORMATIVE_PREFIX = "formative-"
OutputKind = Literal["formative", "summative", "repeat"]


@dataclass(frozen=True)
class Output:
    """A parsed output name: its kind and, for a formative report, the checkpoint's number."""

    kind: OutputKind
    number: int | None = None

    @property
    def name(self) -> str:
        """The output's name as stored."""
        if self.kind == "formative":
            return formative_output(self.number or 0)
        return SUMMATIVE_OUTPUT if self.kind == "summative" else REPEAT_OUTPUT

    @property
    def title(self) -> str:
        """The output as a panel member would name it."""
        if self.kind == "formative":
            return f"Formative report {self.number}"
        return "Summative report" if self.kind == "summative" else "Repeat survey: what changed"

    @property
    def phrase(self) -> str:
        """The output in a sentence: "formative report 2", "the summative report", "the repeat survey comparison"."""
        if self.kind == "formative":
            return f"formative report {self.number}"
        return "the summative report" if self.kind == "summative" else "the repeat survey comparison"

    @property
    def order(self) -> tuple[int, int]:
        """Where it sits in the plan's story: formative reports by number, then summative, then repeat."""
        return {"formative": 0, "summative": 1, "repeat": 2}[self.kind], self.number or 0


def formative_output(number: int) -> str:
    """The name a panel review gives the report of formative checkpoint ``number``."""
    return f"{FORMATIVE_PREFIX}{number}"


def parse_output(name: str) -> Output | None:
    """The output a name stands for, or None when it names none (``formative-0``, ``formative-x``, ``foo``)."""
    if name == SUMMATIVE_OUTPUT:
        return Output("summative")
    if name == REPEAT_OUTPUT:
        return Output("repeat")
    digits = name.removeprefix(FORMATIVE_PREFIX)
    if name.startswith(FORMATIVE_PREFIX) and digits.isascii() and digits.isdigit() and not digits.startswith("0"):
        return Output("formative", int(digits))
    return None


def output_title(name: str) -> str:
    """The title of an output name (the name itself when it names no output)."""
    parsed = parse_output(name)
    return parsed.title if parsed is not None else name


def output_phrase(name: str) -> str:
    """An output name in a sentence (the name itself, quoted, when it names no output)."""
    parsed = parse_output(name)
    return parsed.phrase if parsed is not None else f"'{name}'"


def output_order(name: str) -> tuple[int, int, str]:
    """A sort key putting outputs in the plan's order (unknown names last, by name)."""
    parsed = parse_output(name)
    return (*parsed.order, "") if parsed is not None else (9, 0, name)
