"""The summative page's benefits form read into ``BenefitIn`` rows: money typed in pounds, percentages as
whole numbers, an isolation method and an expectation chosen from lists.

A row left wholly blank is skipped (the page offers blank rows to fill), so the service's row numbers
count the rows given; ``rows`` maps them back to the page's rows, so every problem is shown beside the
field it is about, whichever part found it (the typing here or the rules in the service).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from evaluation.roi import IsolationMethod
from plans.domain.delivery import Problem
from plans.domain.investment import parse_pounds
from plans.schemas_summative import BenefitIn

FIELDS = ("description", "value", "isolation_method", "contribution_pct", "confidence_pct", "how_valued")


@dataclass
class BenefitsForm:
    """What the form gave: the rows to save, problems found while reading them, and for each saved row
    the page row it came from."""

    items: list[BenefitIn] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    rows: list[int] = field(default_factory=list)

    def page_field(self, name: str) -> str:
        """``benefits[2].value`` (a saved row) as the page's field id, ``benefit-4-value``."""
        index, _, part = name.removeprefix("benefits[").partition("].")
        page_row = self.rows[int(index)] if index.isdigit() and int(index) < len(self.rows) else 0
        return f"benefit-{page_row}-{part if part in FIELDS or part == 'expectation_id' else 'description'}"


def _column(values: Sequence[str], i: int) -> str:
    return values[i].strip() if i < len(values) else ""


def _pct(text: str, where: str, name: str, problems: list[Problem]) -> int:
    if not text:
        return 100
    if not text.isdigit():
        problems.append((f"{where}.{name}", f"{text!r} is not a whole percentage from 0 to 100"))
        return 100
    return int(text)


def read_benefits(
    description: Sequence[str],
    value: Sequence[str],
    isolation_method: Sequence[str],
    contribution_pct: Sequence[str],
    confidence_pct: Sequence[str],
    how_valued: Sequence[str],
    expectation_id: Sequence[str],
) -> BenefitsForm:
    """The rows of the form (parallel lists, one entry per page row) as benefits to save."""
    form = BenefitsForm()
    columns = (description, value, isolation_method, contribution_pct, confidence_pct, how_valued, expectation_id)
    for page_row in range(max(len(c) for c in columns) if any(columns) else 0):
        cells = [_column(c, page_row) for c in columns]
        if not any(cells[:3]) and not cells[5]:
            continue  # a blank row the page offered
        where = f"benefits[{len(form.items)}]"
        desc, money, method, share, sure, how, expectation = cells
        pence = None
        try:
            pence = parse_pounds(money)
        except ValueError as exc:
            form.problems.append((f"{where}.value", str(exc)))
        chosen = None
        if method:
            if method in {m.value for m in IsolationMethod}:
                chosen = IsolationMethod(method)
            else:
                form.problems.append((f"{where}.isolation_method", f"{method!r} is not an isolation method"))
        form.items.append(
            BenefitIn(
                description=desc,
                value_pence=pence,
                isolation_method=chosen,
                contribution_pct=_pct(share, where, "contribution_pct", form.problems),
                confidence_pct=_pct(sure, where, "confidence_pct", form.problems),
                how_valued=how,
                expectation_id=int(expectation) if expectation.isdigit() else None,
            )
        )
        form.rows.append(page_row)
    return form
