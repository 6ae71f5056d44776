"""The return-on-expectations register's rules: Kirkpatrick's four levels and what an expectation must
say so it can be judged at the end (what is expected, how it will be measured, the level, the target).

Key stakeholders state what they expect the plan to achieve before it is signed off; the summative
evaluation judges each one against its measure and target. An expectation without a measure or a
target cannot be judged, so both are required.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from plans.domain.field_problems import Problems

KIRKPATRICK = {1: "reaction", 2: "learning", 3: "behaviour", 4: "results"}
LEVEL_HINTS = {
    1: "how people felt about the learning",
    2: "what people learned",
    3: "what people do differently at work",
    4: "what changed for the organisation and the people it serves",
}
MAX_TEXT, MAX_TARGET = 2000, 200


def level_label(level: int) -> str:
    """A level with its name, as the register shows it: "3 behaviour"."""
    return f"{level} {KIRKPATRICK.get(level, '?')}"


@dataclass(frozen=True)
class ExpectationFields:
    """What one expectation says, as a person gave it."""

    text: str
    measure: str
    level: int | None
    target: str


def check_expectations(items: Sequence[ExpectationFields], prefix: str = "expectations") -> Problems:
    """Every problem with every expectation, each naming its field (``expectations[1].level``)."""
    problems = Problems()
    for index, item in enumerate(items):
        at = f"{prefix}[{index}]"
        for name, value, limit, missing in (
            ("text", item.text, MAX_TEXT, "say what the stakeholder expects the plan to achieve"),
            ("measure", item.measure, MAX_TEXT, "say how it will be measured"),
            ("target", item.target, MAX_TARGET, "say what result would meet the expectation"),
        ):
            if not value.strip():
                problems.add(f"{at}.{name}", missing)
            elif len(value.strip()) > limit:
                problems.add(f"{at}.{name}", f"must be {limit:,} characters or fewer")
        if item.level not in KIRKPATRICK:
            names = ", ".join(f"{n} ({KIRKPATRICK[n]})" for n in KIRKPATRICK)
            problems.add(f"{at}.level", f"the Kirkpatrick level is one of {names}")
    return problems
