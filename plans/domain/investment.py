"""The investment ledger's rules and sums: what a line must say, what it costs, the totals.

Money is whole pence (integers), never a float: a ledger of many lines must add up to the penny on
every page and in every report. Staff time is hours x an hourly rate, the one place a fraction of a
penny can appear; it is rounded half up to the penny per line (as a payroll would cost it), and the
totals are sums of those rounded lines, so the lines shown always add up to the totals shown.
"""

from __future__ import annotations

import math
import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from plans.domain.field_problems import Problems

STAFF_TIME, DIRECT_COST, IN_KIND = "staff_time", "direct_cost", "in_kind"
KINDS = {
    STAFF_TIME: "Staff time",
    DIRECT_COST: "Direct cost",
    IN_KIND: "In-kind contribution",
}
# the database keeps pence in INTEGER columns (PostgreSQL: up to 2**31 - 1); £20 million a line is ample
MAX_PENCE = 2_000_000_000
MAX_HOURS = 100_000.0
MAX_DESCRIPTION, MAX_CONTRIBUTOR = 300, 200


@dataclass(frozen=True)
class LineIn:
    """One line as a person gave it (``kind`` one of ``KINDS``; money in pence)."""

    kind: str
    description: str
    contributor: str = ""
    hours: float | None = None
    rate_pence: int | None = None
    amount_pence: int | None = None
    activity_id: int | None = None


@dataclass(frozen=True)
class Totals:
    """The ledger's sums in pence: by kind, what the organisation pays (staff time and direct costs)
    against what others give in kind, and everything together."""

    staff_time: int
    direct_cost: int
    in_kind: int

    @property
    def cash(self) -> int:
        """Paid by the organisation: its staff's time and its direct spending."""
        return self.staff_time + self.direct_cost

    @property
    def overall(self) -> int:
        """The whole investment, in-kind contributions included."""
        return self.cash + self.in_kind


def staff_time_pence(hours: float, rate_pence: int) -> int:
    """``hours`` at ``rate_pence`` an hour, rounded half up to the penny (2.5 hours at 1,001p is
    2,502.5p, so 2,503p). Hours go through their decimal form, so 0.1 hours is exactly a tenth."""
    exact = Decimal(repr(float(hours))) * Decimal(rate_pence)
    return int(exact.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def line_pence(line: LineIn) -> int:
    """What one (valid) line is worth in pence."""
    if line.kind == STAFF_TIME:
        assert line.hours is not None and line.rate_pence is not None
        return staff_time_pence(line.hours, line.rate_pence)
    assert line.amount_pence is not None
    return line.amount_pence


def totals(lines: Sequence[LineIn]) -> Totals:
    """The ledger's totals: each line rounded to the penny first, then summed."""
    by_kind = {kind: 0 for kind in KINDS}
    for line in lines:
        by_kind[line.kind] += line_pence(line)
    return Totals(by_kind[STAFF_TIME], by_kind[DIRECT_COST], by_kind[IN_KIND])


def pounds(pence: int) -> str:
    """Pence as people write money: 123456 -> "£1,234.56", -5 -> "-£0.05"."""
    sign = "-" if pence < 0 else ""
    whole, part = divmod(abs(pence), 100)
    return f"{sign}£{whole:,}.{part:02d}"


_MONEY = re.compile(r"^(-)?£?(\d{1,3}(?:,\d{3})+|\d+)?(?:\.(\d{1,2}))?$")


def parse_pounds(text: str) -> int | None:
    """A sum of money typed in pounds ("1,234.5", "£12", "0.99") as pence; None when left empty.
    Raises ``ValueError`` saying what is wrong with anything else."""
    cleaned = text.strip().replace(" ", "")
    if not cleaned:
        return None
    match = _MONEY.match(cleaned)
    if match is None or (match.group(2) is None and match.group(3) is None):
        raise ValueError(f"{text.strip()!r} is not an amount in pounds and pence, such as 1,250.00")
    whole = int((match.group(2) or "0").replace(",", ""))
    part = int((match.group(3) or "0").ljust(2, "0"))
    pence = whole * 100 + part
    return -pence if match.group(1) else pence


def parse_hours(text: str) -> float | None:
    """Hours typed as a number ("7.5"); None when left empty. Raises ``ValueError`` otherwise."""
    cleaned = text.strip()
    if not cleaned:
        return None
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        raise ValueError(f"{cleaned!r} is not a number of hours, such as 7.5") from None
    if not value.is_finite():
        raise ValueError(f"{cleaned!r} is not a number of hours, such as 7.5")
    return float(value)


def _money(problems: Problems, path: str, value: int | None, needed: str | None) -> None:
    if value is None:
        if needed:
            problems.add(path, needed)
    elif value < 0:
        problems.add(path, "cannot be negative")
    elif value > MAX_PENCE:
        problems.add(path, f"cannot be more than {pounds(MAX_PENCE)}")


def check_lines(lines: Sequence[LineIn], activity_ids: Collection[int], prefix: str = "items") -> Problems:
    """Every problem with every line, each naming its field (``items[2].hours``); ``activity_ids`` are
    the activities of the plan the ledger belongs to (a line may fund one of them)."""
    problems = Problems()
    for index, line in enumerate(lines):
        at = f"{prefix}[{index}]"
        if line.kind not in KINDS:
            problems.add(f"{at}.kind", f"must be one of {', '.join(KINDS)}")
        description = line.description.strip()
        if not description:
            problems.add(f"{at}.description", "say what this line is for")
        elif len(description) > MAX_DESCRIPTION:
            problems.add(f"{at}.description", f"must be {MAX_DESCRIPTION} characters or fewer")
        if len(line.contributor.strip()) > MAX_CONTRIBUTOR:
            problems.add(f"{at}.contributor", f"must be {MAX_CONTRIBUTOR} characters or fewer")
        if line.kind == STAFF_TIME:
            if line.hours is None:
                problems.add(f"{at}.hours", "staff time needs the number of hours")
            elif not math.isfinite(line.hours) or line.hours < 0:
                problems.add(f"{at}.hours", "cannot be negative" if line.hours < 0 else "must be a number")
            elif line.hours > MAX_HOURS:
                problems.add(f"{at}.hours", f"cannot be more than {MAX_HOURS:,.0f}")
            _money(problems, f"{at}.rate_pence", line.rate_pence, "staff time needs a rate per hour")
            if line.amount_pence is not None:
                problems.add(f"{at}.amount_pence", "staff time is costed as hours x rate: leave the amount empty")
        elif line.kind in KINDS:
            what = (
                "a direct cost needs an amount" if line.kind == DIRECT_COST else "an in-kind contribution needs a value"
            )
            _money(problems, f"{at}.amount_pence", line.amount_pence, what)
            if line.hours is not None:
                problems.add(f"{at}.hours", "only staff time has hours: leave them empty")
            if line.rate_pence is not None:
                problems.add(f"{at}.rate_pence", "only staff time has a rate: leave it empty")
        if line.activity_id is not None and line.activity_id not in activity_ids:
            problems.add(f"{at}.activity_id", f"activity {line.activity_id} is not an activity of this plan")
    return problems
