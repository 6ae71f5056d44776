"""Date arithmetic for plan schedules (checkpoints every N months from the plan's start)."""

from __future__ import annotations

import calendar
from datetime import date


def add_months(start: date, months: int) -> date:
    """``start`` moved by whole months, clamped to the month's last day (31 Jan + 1 month = 28/29 Feb)."""
    index = start.month - 1 + months
    year, month = start.year + index // 12, index % 12 + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


def checkpoint_dates(start: date, every_months: int, count: int) -> list[date]:
    """Due dates of ``count`` checkpoints, one every ``every_months`` months after ``start``."""
    if every_months < 1 or count < 0:
        raise ValueError("checkpoints need a positive interval and a non-negative count")
    return [add_months(start, every_months * n) for n in range(1, count + 1)]
