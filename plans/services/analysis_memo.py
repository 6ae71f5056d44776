"""An in-process memo of what ordering a stored analysis's heatmap costs: the per-group aggregate of a
breakdown (one query over every finding of it: 200,000 rows for 5,000 teams of 40 questions), its
orderings, and the groups hidden per breakdown.

A stored analysis never changes: a re-analysis writes a new run with a new ``analysed_at``. So these are
kept per run (database, survey, run id and time), and paging through a breakdown or sorting it again asks
the database only for the page's findings. Small and bounded: a few breakdowns' summaries (tens of
thousands of small objects at national scale), their orderings as lists of the same objects.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from sqlalchemy.orm import Session

from plans.analysis_heatmap import GroupSummary, ordered
from plans.analysis_views import SortKey, SortOrder
from plans.models.analysis import SurveyAnalysis
from plans.repositories.analysis_views import AnalysisViewsRepository, HiddenCounts

T = TypeVar("T")


class _Lru:
    """A thread-safe least-recently-used map of at most ``size`` entries. Two requests missing the same
    key both compute it (the same value): simpler than holding a lock across a query."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._items: OrderedDict[Hashable, Any] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable, compute: Callable[[], T]) -> T:
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]  # type: ignore[no-any-return]
        value = compute()
        with self._lock:
            self._items[key] = value
            while len(self._items) > self.size:
                self._items.popitem(last=False)
        return value

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


_summaries = _Lru(4)
_orderings = _Lru(12)
_counts = _Lru(32)


def _run(session: Session, analysis: SurveyAnalysis) -> tuple[Hashable, ...]:
    """What identifies a stored run: an id another database (or a replaced run) reuses differs in the
    database's address or the run's time."""
    return (str(session.get_bind().engine.url), analysis.survey_id, analysis.id, analysis.analysed_at.isoformat())


def ordered_groups(
    session: Session, analysis: SurveyAnalysis, breakdown: str, sort: SortKey, order: SortOrder
) -> list[GroupSummary]:
    """Every group of the breakdown, summarised and in the order asked for."""
    run = _run(session, analysis)

    def summaries() -> list[GroupSummary]:
        return _summaries.get(
            (*run, breakdown),
            lambda: AnalysisViewsRepository(session).summaries(analysis.survey_id, breakdown),
        )

    return _orderings.get((*run, breakdown, sort, order), lambda: ordered(summaries(), sort, order))


def hidden_counts(session: Session, analysis: SurveyAnalysis) -> list[HiddenCounts]:
    """Groups and hidden groups per breakdown of the run."""
    return _counts.get(
        _run(session, analysis), lambda: AnalysisViewsRepository(session).hidden_counts(analysis.survey_id)
    )


def forget() -> None:
    """Drop everything remembered (for tests that time or count queries from cold)."""
    for memo in (_summaries, _orderings, _counts):
        memo.clear()
