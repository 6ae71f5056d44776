"""The workforce WRES indicators (1-4 and 9) together: the counts a workforce file gives, and the report.

``plans.wres_file`` reads the counts from a CSV or XLSX file; this module only computes. An organisation
may report some indicators and not others (a year with no recruitment has no indicator 2), so every
part is optional and the report carries what the counts allow.
"""

from __future__ import annotations

from dataclasses import dataclass

from evaluation.wres import (
    BandCount,
    BandShare,
    BoardGap,
    Disciplinary,
    Figure,
    Headcount,
    Shortlisting,
    Training,
    indicator_1,
    indicator_2,
    indicator_3,
    indicator_4,
    indicator_9,
)


@dataclass(frozen=True)
class WorkforceCounts:
    """Everything the workforce indicators need; ``None`` (or no bands) where the organisation gave nothing."""

    bands: tuple[BandCount, ...] = ()
    shortlisting: Shortlisting | None = None
    disciplinary: Disciplinary | None = None
    training: Training | None = None
    board: Headcount | None = None
    workforce: Headcount | None = None

    def __post_init__(self) -> None:
        if (self.board is None) != (self.workforce is None):
            raise ValueError("indicator 9 needs both the board and the workforce headcounts")
        names = [b.band for b in self.bands]
        repeated = sorted({n for n in names if names.count(n) > 1})
        if repeated:
            raise ValueError(f"bands {repeated} are listed more than once")


@dataclass(frozen=True)
class WresReport:
    """Indicators 1-4 and 9, each figure with its formula; a part is empty or None when not reported."""

    indicator_1: tuple[BandShare, ...]
    indicator_2: Figure | None
    indicator_3: Figure | None
    indicator_4: Figure | None
    indicator_9: BoardGap | None


def wres_report(counts: WorkforceCounts) -> WresReport:
    """Every workforce indicator the counts allow (indicator 1's last row is the whole workforce)."""
    return WresReport(
        indicator_1=tuple(indicator_1(counts.bands)) if counts.bands else (),
        indicator_2=indicator_2(counts.shortlisting) if counts.shortlisting else None,
        indicator_3=indicator_3(counts.disciplinary) if counts.disciplinary else None,
        indicator_4=indicator_4(counts.training) if counts.training else None,
        indicator_9=indicator_9(counts.board, counts.workforce) if counts.board and counts.workforce else None,
    )
